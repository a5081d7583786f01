import { useState, type ReactNode } from 'react';
import { copyText } from '../lib/clipboard';
import type { Suggestion } from '../stores/use-restyle-store';
import { useUiStore } from '../stores/use-ui-store';
import { Icon } from './Icon';

/** One suggestion; `children` go under its text (the comparison and the closest documents). */
export function SuggestionCard({ index, s, running, children }: { index: number; s: Suggestion; running: boolean; children?: ReactNode }) {
  const [copied, setCopied] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  const toast = useUiStore((st) => st.toast);
  const streaming = running && !s.done;
  const empty = s.text.trim() === '';
  // A garbled suggestion is folded away once finished; "Show it" opens this text (a new run folds again).
  const folded = s.garbled != null && shown !== s.text;
  return (
    <article className="card suggestion" aria-busy={streaming} data-testid="suggestion" data-finish={s.finishReason ?? ''} data-tokens={s.tokens}>
      <header className="suggestion-head">
        <span className="suggestion-num">Suggestion {index + 1}</span>
        <span className="suggestion-chips">
          {s.hidden > 0 && (
            <span className="chip" data-testid="hidden-note" title="Offensive words are hidden in suggestions; Settings can turn this off.">
              {s.hidden === 1 ? '1 word hidden' : `${s.hidden} words hidden`}
            </span>
          )}
          {s.garbled != null && (
            <span className="chip" data-testid="garbled-note" title={`Looks garbled: ${s.garbled}`}>
              Looks garbled
            </span>
          )}
          {streaming ? <span className="chip chip-live">Writing…</span> : s.done ? null : <span className="chip">Stopped</span>}
        </span>
      </header>
      {folded && (
        <p className="suggestion-text muted" data-testid="garbled-fold">
          Hidden: this suggestion looks garbled ({s.garbled}).{' '}
          <button type="button" className="btn btn-small" onClick={() => setShown(s.text)}>
            Show it
          </button>
        </p>
      )}
      {/* Kept in the page while folded (hidden), so the card's text is the same element either way. */}
      <p className={empty ? 'suggestion-text muted' : 'suggestion-text'} data-testid="suggestion-text" hidden={folded}>
        {empty ? (streaming ? 'Thinking…' : '(no text)') : s.text}
        {streaming && <span className="caret" aria-hidden="true" />}
      </p>
      {children}
      <footer className="suggestion-foot">
        <button
          type="button"
          className="btn btn-small"
          disabled={empty || folded}
          aria-label={`Copy suggestion ${index + 1}`}
          onClick={async () => {
            try {
              await copyText(s.text.trim());
              setCopied(true);
              setTimeout(() => setCopied(false), 1600);
            } catch (e) {
              toast({ tone: 'error', message: e instanceof Error ? e.message : String(e) });
            }
          }}
        >
          <Icon name={copied ? 'check' : 'copy'} size={16} />
          {copied ? 'Copied' : 'Copy'}
        </button>
      </footer>
    </article>
  );
}
