import { useId } from 'react';
import type { Suggestion } from '../stores/use-restyle-store';
import { runUsedDocuments, useRestyleStore } from '../stores/use-restyle-store';

/**
 * The "Compare without my voice" switch beside the suggestions. On, each suggestion shows
 * what the same model writes from the same draft and seed with no documents (the n = 0
 * generation); those texts are never saved to History.
 */
export function CompareToggle() {
  const id = useId();
  const compare = useRestyleStore((s) => s.compare);
  const setCompare = useRestyleStore((s) => s.setCompare);
  const lastRun = useRestyleStore((s) => s.lastRun);
  const baselineStatus = useRestyleStore((s) => s.baselineStatus);
  const baselineError = useRestyleStore((s) => s.baselineError);
  // Known generic (no document used): there is no voice to take away.
  const generic = lastRun !== null && lastRun.usedDocs !== null && !runUsedDocuments(lastRun);
  return (
    <div className="compare-toggle">
      <label htmlFor={id} className={generic ? 'radio disabled' : 'radio'} title={generic ? 'These suggestions used no documents: they already are what the model writes without a voice.' : undefined}>
        <input id={id} type="checkbox" role="switch" checked={compare && !generic} disabled={generic} onChange={(e) => setCompare(e.target.checked)} />
        Compare without my voice
      </label>
      {compare && !generic && baselineStatus === 'running' && <span className="muted small">writing without your voice…</span>}
      {compare && baselineError && (
        <span className="compare-error small" role="alert">
          {baselineError}
        </span>
      )}
    </div>
  );
}

/** Under one suggestion: the same draft and seed with no documents, clearly labelled. */
export function WithoutVoice({ s }: { s: Suggestion | undefined }) {
  const streaming = useRestyleStore((st) => st.baselineStatus === 'running') && !!s && !s.done;
  const empty = !s || s.text.trim() === '';
  return (
    <div className="without-voice" data-testid="without-voice" aria-busy={streaming} data-finish={s?.finishReason ?? ''}>
      <p className="without-voice-label">
        Without my voice <span className="muted">· same draft and seed, no documents · not saved</span>
      </p>
      <p className={empty ? 'without-voice-text muted' : 'without-voice-text'} data-testid="without-voice-text">
        {empty ? (streaming || !s ? 'Waiting…' : '(no text)') : s.text}
        {streaming && <span className="caret" aria-hidden="true" />}
      </p>
    </div>
  );
}
