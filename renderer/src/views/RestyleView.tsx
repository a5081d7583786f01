import { useId, useRef } from 'react';
import { PageHeader } from '../components/PageHeader';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { SuggestionCard } from '../components/SuggestionCard';
import { ClosestDocuments } from '../components/ClosestDocuments';
import { CompareToggle, WithoutVoice } from '../components/VoiceComparison';
import { StyleStrength } from '../components/StyleStrength';
import { strengthLabel } from '../../../main/core/style-strength';
import { useActiveProfile } from '../stores/use-profiles-store';
import { useRestyleStore } from '../stores/use-restyle-store';
import { useActivePack, useSettingsStore } from '../stores/use-settings-store';
import { useUiStore } from '../stores/use-ui-store';
import { TASK_LABELS, docsLabel, docsUsedLabel, plural } from '../lib/format';
import { MAX_CANDIDATES, runUsedDocuments } from '../stores/use-restyle-store';
import type { TaskId } from '../api';

const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export function RestyleView() {
  const profile = useActiveProfile();
  const pack = useActivePack();
  const loadedPacks = useSettingsStore((s) => s.loaded);
  const setView = useUiStore((s) => s.setView);
  const st = useRestyleStore();
  const draftId = useId();
  const nId = useId();
  const countId = useId();
  const textRef = useRef<HTMLTextAreaElement>(null);

  if (!profile) {
    return (
      <>
        <PageHeader title="Restyle" subtitle="Turn a draft into something that sounds like you." />
        <EmptyState
          icon="sparkles"
          title="Welcome to ComMer Studio"
          action={
            <button type="button" className="btn btn-primary" onClick={() => setView('profiles')}>
              <Icon name="plus" size={16} /> Create your first profile
            </button>
          }
        >
          <ol className="steps">
            <li>Create a profile for the voice you want — yours, or a persona.</li>
            <li>Drop in what that voice already wrote: a Twitter/X archive, CSV, JSON, text, Markdown or HTML.</li>
            <li>Type a draft and get up to five suggestions in that style. Everything stays on this computer.</li>
          </ol>
        </EmptyState>
      </>
    );
  }

  const docs = profile.docCounts.tweet + profile.docCounts.article;
  const running = st.status === 'running';
  // The "without my voice" comparison runs after the suggestions; Stop stops it too.
  const busy = running || st.baselineStatus === 'running';
  const canRun = st.draft.trim().length > 0 && !running;
  const tasks: { id: TaskId; label: string }[] = [
    { id: 'paraphrase', label: TASK_LABELS.paraphrase },
    { id: 'headline', label: TASK_LABELS.headline },
  ];
  const run = () => {
    if (st.draft.trim()) st.run(profile.id);
  };

  return (
    <>
      <PageHeader
        title="Restyle"
        subtitle={
          <>
            Writing as <strong>{profile.name}</strong> · {plural(profile.compression.compressed, 'document')} learned
            {profile.compression.pending > 0 && <> · {plural(profile.compression.pending, 'more', 'more')} being learned</>}
          </>
        }
      />

      {loadedPacks && !pack && (
        <div className="notice notice-error" role="note">
          <Icon name="alert" size={18} />
          <span>
            No model pack is in use, so nothing can be generated.{' '}
            <button type="button" className="link" onClick={() => setView('settings')}>
              Choose one in Settings
            </button>
            .
          </span>
        </div>
      )}

      {docs === 0 && (
        <div className="notice" role="note">
          <Icon name="alert" size={18} />
          <span>
            <strong>{profile.name}</strong> has no documents yet, so suggestions won’t sound like anyone in particular.{' '}
            <button type="button" className="link" onClick={() => setView('import')}>
              Import past writing
            </button>{' '}
            to teach it a voice.
          </span>
        </div>
      )}

      <section className="card composer" aria-label="Draft">
        <div className="composer-controls">
          <div className="segmented" role="radiogroup" aria-label="Task">
            {tasks.map((t) => (
              <label key={t.id} className={st.task === t.id ? 'seg active' : 'seg'}>
                <input type="radio" name="task" value={t.id} checked={st.task === t.id} onChange={() => st.setTask(t.id)} />
                {t.label}
              </label>
            ))}
          </div>
          <fieldset className="docs-choice">
            <legend className="label-small">Documents to use</legend>
            <label className="radio">
              <input type="radio" name="docs" checked={st.docMode === 'all'} onChange={() => st.setDocMode('all')} />
              All
            </label>
            <label className="radio">
              <input type="radio" name="docs" checked={st.docMode === 'relevant'} onChange={() => st.setDocMode('relevant')} />
              Most relevant
            </label>
            <label htmlFor={nId} className="sr-only">
              Number of relevant documents
            </label>
            <input
              id={nId}
              className="input input-num"
              type="number"
              min={1}
              max={512}
              value={st.relevantN}
              disabled={st.docMode !== 'relevant'}
              onChange={(e) => st.setRelevantN(Number(e.target.value))}
            />
          </fieldset>
          <div className="count-choice">
            <label htmlFor={countId} className="label-small">
              Number of suggestions
            </label>
            <select id={countId} className="input input-num" value={st.count} onChange={(e) => st.setCount(Number(e.target.value))}>
              {Array.from({ length: MAX_CANDIDATES }, (_, i) => i + 1).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          </div>
          <StyleStrength />
        </div>

        <label htmlFor={draftId} className="label">
          Your draft
        </label>
        <textarea
          id={draftId}
          ref={textRef}
          className="textarea"
          rows={5}
          placeholder={st.task === 'headline' ? 'Paste an article or its first paragraphs…' : 'Type what you want to say…'}
          value={st.draft}
          onChange={(e) => st.setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              run();
            }
          }}
        />
        <div className="composer-foot">
          <span className="hint">
            <kbd>{IS_MAC ? '⌘' : 'Ctrl'}</kbd> + <kbd>Enter</kbd> to generate
          </span>
          <div className="composer-actions">
            {busy ? (
              <button type="button" className="btn" onClick={st.stop}>
                <Icon name="stop" size={16} /> Stop
              </button>
            ) : st.suggestions.length > 0 ? (
              <button type="button" className="btn" onClick={run} disabled={!canRun}>
                <Icon name="refresh" size={16} /> Regenerate
              </button>
            ) : null}
            <button type="button" className="btn btn-primary" onClick={run} disabled={!canRun}>
              <Icon name="sparkles" size={16} /> {running ? 'Generating…' : 'Generate'}
            </button>
          </div>
        </div>
      </section>

      {st.error && (
        <div className="notice notice-error" role="alert">
          <Icon name="alert" size={18} />
          <span>{st.error}</span>
        </div>
      )}

      {st.suggestions.length > 0 ? (
        <section aria-label="Suggestions" aria-live="polite">
          <div className="section-head">
            <h2 className="section-title">Suggestions</h2>
            {st.lastRun && (
              <span className="muted small" data-testid="docs-used">
                {TASK_LABELS[st.lastRun.task]} ·{' '}
                {st.lastRun.docsUsed ? (
                  docsUsedLabel(st.lastRun.docsUsed)
                ) : (
                  <>
                    {docsLabel(st.lastRun.docs)}
                    {st.lastRun.usedDocs != null && <> ({plural(st.lastRun.usedDocs, 'document')} used)</>}
                  </>
                )}
                {st.lastRun.strength != null && st.lastRun.strength < 1 && <> · style {strengthLabel(st.lastRun.strength)}</>}
                {pack && <> · {pack.name}</>}
              </span>
            )}
            <CompareToggle />
          </div>
          <div className="suggestions">
            {st.suggestions.map((s, i) => (
              <SuggestionCard key={i} index={i} s={s} running={running}>
                {st.compare && st.baselineStatus !== 'idle' && <WithoutVoice s={st.baseline[i]} />}
                <ClosestDocuments index={i} docs={s.done && runUsedDocuments(st.lastRun) ? s.closest : null} />
              </SuggestionCard>
            ))}
          </div>
        </section>
      ) : (
        <p className="muted center small">{st.count === 1 ? 'A suggestion' : `${plural(st.count, 'suggestion')}`} will appear here, written as they are generated.</p>
      )}
    </>
  );
}
