import { useEffect, useId, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { PageHeader } from '../components/PageHeader';
import { EmptyState } from '../components/EmptyState';
import { HeldImports } from '../components/HeldImports';
import { Icon } from '../components/Icon';
import { SearchBox } from '../components/SearchBox';
import { useLibraryStore } from '../stores/use-library-store';
import { useActiveProfile } from '../stores/use-profiles-store';
import { useUiStore } from '../stores/use-ui-store';
import { num, when } from '../lib/format';
import { useSearchFocus } from '../lib/use-search-focus';
import type { DocumentItem } from '../api';

function DocRow({ doc, focused, onDelete }: { doc: DocumentItem; focused: boolean; onDelete(d: DocumentItem): void }) {
  return (
    <div className={focused ? 'doc-row doc-row-focused' : 'doc-row'} data-testid="doc-row" data-doc-id={doc.id} aria-current={focused ? 'true' : undefined}>
      <div className="doc-main">
        <p className="doc-text">{doc.text}</p>
        <p className="doc-meta">
          <span className={`chip chip-${doc.kind}`}>{doc.kind}</span>
          <span className="truncate">{doc.source}</span>
          <span aria-hidden="true">·</span>
          <span>{when(doc.writtenAt ?? doc.importedAt)}</span>
          {!doc.compressed && (doc.held ? <span className="chip">not learned (import cancelled)</span> : <span className="chip chip-live">learning</span>)}
        </p>
      </div>
      <button type="button" className="icon-btn" aria-label="Delete document" title="Delete document" onClick={() => onDelete(doc)}>
        <Icon name="trash" size={16} />
      </button>
    </div>
  );
}

export function LibraryView() {
  const profile = useActiveProfile();
  const setView = useUiStore((s) => s.setView);
  const toast = useUiStore((s) => s.toast);
  const { rows, total, searching, error, load, ensureRange, remove, restore, query, kind, setKind, focus } = useLibraryStore();
  const kindId = useId();
  const [text, setText] = useState(query);
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const profileId = profile?.id ?? null;
  const docTotal = profile ? profile.docCounts.tweet + profile.docCounts.article : 0;
  useSearchFocus('library', searchRef, docTotal > 0);

  // Fresh rows whenever the page opens or the profile changes.
  useEffect(() => {
    void load(profileId, useLibraryStore.getState().query);
  }, [profileId, load]);
  // Debounced search: type freely, query once the typing pauses.
  useEffect(() => {
    if (text.trim() === useLibraryStore.getState().query) return;
    const t = setTimeout(() => void load(profileId, text.trim()), 200);
    return () => clearTimeout(t);
  }, [profileId, text, load]);

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 84,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total > 0) ensureRange(first, last);
  }, [first, last, total, ensureRange]);
  // A document opened from a suggestion: bring its row into view once the list is there.
  const focusIndex = focus && !query && kind === 'all' && focus.index < total ? focus.index : null;
  useEffect(() => {
    if (focusIndex !== null) virtualizer.scrollToIndex(focusIndex, { align: 'center' });
  }, [focusIndex, virtualizer]);

  if (!profile) {
    return (
      <>
        <PageHeader title="Library" />
        <EmptyState
          icon="library"
          title="No profile yet"
          action={
            <button type="button" className="btn btn-primary" onClick={() => setView('profiles')}>
              Create a profile
            </button>
          }
        >
          The library lists the writing a profile has learned from.
        </EmptyState>
      </>
    );
  }

  const docCount = profile.docCounts.tweet + profile.docCounts.article;
  const onDelete = async (d: DocumentItem) => {
    try {
      const token = await remove(d.id);
      const undo = async () => {
        try {
          const r = await restore(token!);
          toast(
            r.restored
              ? { tone: 'success', message: 'Document restored; the style includes it again.' }
              : { tone: 'info', message: r.alreadyThere ? 'That document is already back (imported again).' : 'Its profile was deleted meanwhile; nothing to restore.' },
          );
        } catch (e) {
          toast({ tone: 'error', message: e instanceof Error ? e.message : String(e) });
        }
      };
      toast({ tone: 'info', message: 'Document deleted; the style no longer includes it.', ...(token ? { action: { label: 'Undo', run: () => void undo() } } : {}) }, 8000);
    } catch (e) {
      toast({ tone: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  };

  return (
    <>
      <PageHeader
        title="Library"
        subtitle={
          <>
            {num(profile.docCounts.tweet)} tweets · {num(profile.docCounts.article)} articles in <strong>{profile.name}</strong>
          </>
        }
      />
      <HeldImports profileId={profile.id} />
      {docCount === 0 ? (
        <EmptyState
          icon="library"
          title="Nothing here yet"
          action={
            <button type="button" className="btn btn-primary" onClick={() => setView('import')}>
              <Icon name="upload" size={16} /> Import writing
            </button>
          }
        >
          Drop a Twitter/X archive, a CSV of tweets or a folder of articles anywhere in this window.
        </EmptyState>
      ) : (
        <section className="card library" aria-label="Documents">
          <div className="library-bar">
            <SearchBox label="Search documents" placeholder="Search this profile’s writing" value={text} onChange={setText} inputRef={searchRef} />
            <label htmlFor={kindId} className="sr-only">
              Kind of document
            </label>
            <select id={kindId} className="select select-inline" value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
              <option value="all">Tweets and articles</option>
              <option value="tweet">Tweets</option>
              <option value="article">Articles</option>
            </select>
            <span className="muted small" data-testid="library-count" data-query={query} data-state={searching ? 'searching' : 'ready'} aria-live="polite">
              {searching ? 'Searching…' : query ? `${num(total)} matching` : `${num(total)} documents`}
            </span>
          </div>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
          {total === 0 && !searching ? (
            <p className="muted center pad">{query ? <>No document matches “{query}”.</> : 'No documents of this kind.'}</p>
          ) : (
            <div ref={scrollRef} className="library-scroll" tabIndex={0} aria-label="Document list" role="list">
              <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
                {items.map((vi) => {
                  const doc = rows[vi.index];
                  return (
                    <div
                      key={vi.key}
                      role="listitem"
                      data-index={vi.index}
                      ref={virtualizer.measureElement}
                      style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${vi.start}px)` }}
                    >
                      {doc ? <DocRow doc={doc} focused={doc.id === focus?.id} onDelete={onDelete} /> : <div className="doc-row skeleton" aria-hidden="true" />}
                    </div>
                  );
                })}
              </div>
            </div>
          )}
        </section>
      )}
    </>
  );
}
