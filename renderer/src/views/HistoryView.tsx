import { useEffect, useRef, useState } from 'react';
import { PageHeader } from '../components/PageHeader';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { SearchBox } from '../components/SearchBox';
import { useHistoryStore } from '../stores/use-history-store';
import { useActiveProfile } from '../stores/use-profiles-store';
import { useRestyleStore } from '../stores/use-restyle-store';
import { useUiStore } from '../stores/use-ui-store';
import { copyText } from '../lib/clipboard';
import { TASK_LABELS, docsLabel, num, when } from '../lib/format';
import { useSearchFocus } from '../lib/use-search-focus';
import { ExpandableText, Highlight } from '../components/ExpandableText';
import type { GenerationItem } from '../api';
import { strengthLabel } from '../../../main/core/style-strength';

function HistoryItem({ g, query }: { g: GenerationItem; query: string }) {
  const [copied, setCopied] = useState(false);
  const toast = useUiStore((s) => s.toast);
  const setView = useUiStore((s) => s.setView);
  const { remove, restore } = useHistoryStore();
  // Documents asked for, none used: the profile had none yet, and the suggestion was generic.
  const generic = g.settings.docs !== 'none' && g.settings.usedDocs === 0;
  const docs = docsLabel(g.settings.docs);
  return (
    <li className="card history-item" data-testid="history-item">
      <p className="history-output">
        <Highlight text={g.output} query={query} />
      </p>
      <div className="history-draft">
        <span className="muted">From draft:</span> <ExpandableText text={g.draft} label="draft" highlight={query} />
      </div>
      <div className="history-meta">
        <span className="chip">{TASK_LABELS[g.task]}</span>
        <span className="chip">{generic ? 'generic: no documents yet' : `${docs} (${num(g.settings.usedDocs)} used)`}</span>
        {g.settings.strength != null && g.settings.strength < 1 && <span className="chip">style {strengthLabel(g.settings.strength)}</span>}
        {g.settings.sampling.temperature != null && <span className="chip">temperature {g.settings.sampling.temperature}</span>}
        {g.profileName && <span className="chip">{g.profileName}</span>}
        <span className="chip" title="Model pack">
          {g.packId}
        </span>
        <span className="muted small">{when(g.createdAt)}</span>
      </div>
      <div className="history-actions">
        <button
          type="button"
          className="btn btn-small"
          onClick={async () => {
            try {
              await copyText(g.output);
              setCopied(true);
              setTimeout(() => setCopied(false), 1600);
            } catch (e) {
              toast({ tone: 'error', message: e instanceof Error ? e.message : String(e) });
            }
          }}
        >
          <Icon name={copied ? 'check' : 'copy'} size={16} /> {copied ? 'Copied' : 'Copy'}
        </button>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          onClick={() => {
            const st = useRestyleStore.getState();
            st.setDraft(g.draft);
            st.setTask(g.task);
            const d = g.settings.docs;
            st.setDocMode(typeof d === 'object' ? 'relevant' : 'all');
            if (typeof d === 'object') st.setRelevantN(d.relevant);
            // Older rows (before style strength) were made at full strength.
            st.setStrength(g.settings.strength ?? 1);
            setView('restyle');
          }}
        >
          Reuse settings
        </button>
        <button
          type="button"
          className="btn btn-small btn-ghost"
          aria-label="Delete from history"
          onClick={async () => {
            try {
              await remove(g);
              toast({ tone: 'info', message: 'Removed from history.', action: { label: 'Undo', run: () => void restore(g) } }, 8000);
            } catch (e) {
              toast({ tone: 'error', message: e instanceof Error ? e.message : String(e) });
            }
          }}
        >
          <Icon name="trash" size={16} /> Delete
        </button>
      </div>
    </li>
  );
}

export function HistoryView() {
  const profile = useActiveProfile();
  const setView = useUiStore((s) => s.setView);
  const { items, total, query, loading, error, load } = useHistoryStore();
  const profileId = profile?.id ?? null;
  const [text, setText] = useState(query);
  const searchRef = useRef<HTMLInputElement>(null);
  useSearchFocus('history', searchRef);
  useEffect(() => {
    void load(profileId);
  }, [profileId, load]);
  // Debounced like the library's search: query once the typing pauses.
  useEffect(() => {
    if (text.trim() === useHistoryStore.getState().query.trim()) return;
    const t = setTimeout(() => void load(profileId, text.trim()), 200);
    return () => clearTimeout(t);
  }, [profileId, text, load]);
  const searching = text.trim() !== query.trim() || loading;

  return (
    <>
      <PageHeader
        title="History"
        subtitle={
          profile ? (
            <>
              Past suggestions for <strong>{profile.name}</strong>, with the settings that made them.
            </>
          ) : undefined
        }
      />
      {error && (
        <div className="notice notice-error" role="alert">
          <Icon name="alert" size={18} />
          <span>{error}</span>
        </div>
      )}
      {(items.length > 0 || query) && (
        <div className="history-bar">
          <SearchBox label="Search history" placeholder="Search drafts and suggestions" value={text} onChange={setText} inputRef={searchRef} />
          <span className="muted small" data-testid="history-count" data-query={query} data-state={searching ? 'searching' : 'ready'} aria-live="polite">
            {searching ? 'Searching…' : query ? `${num(total)} matching` : `${num(total)} suggestions`}
          </span>
        </div>
      )}
      {items.length === 0 && !loading && query ? (
        <p className="muted center pad" data-testid="history-no-match">
          No suggestion or draft contains “{query}”.
        </p>
      ) : items.length === 0 && !loading ? (
        <EmptyState
          icon="history"
          title="No suggestions yet"
          action={
            <button type="button" className="btn btn-primary" onClick={() => setView('restyle')}>
              Write a draft
            </button>
          }
        >
          Every suggestion you generate is kept here so you can copy it again later.
        </EmptyState>
      ) : (
        <ul className="history-list">
          {items.map((g) => (
            <HistoryItem key={g.id} g={g} query={query} />
          ))}
        </ul>
      )}
    </>
  );
}
