import type { ReactNode } from 'react';
import type { ClosestDocument } from '../api';
import { when } from '../lib/format';
import { useLibraryStore } from '../stores/use-library-store';
import { useUiStore } from '../stores/use-ui-store';

/** A snippet with the words it shares with the suggestion marked. */
function Marked({ text, marks }: { text: string; marks: Array<[number, number]> }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [a, b] of marks) {
    if (a < at || b > text.length) continue; // overlapping or out of range: leave it plain
    if (a > at) parts.push(text.slice(at, a));
    parts.push(<mark key={a}>{text.slice(a, b)}</mark>);
    at = b;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}

/**
 * "Why it sounds like you": the person's own documents closest to one suggestion (BM25 over
 * the words they share, from the services), each opening the Library on that document.
 */
export function ClosestDocuments({ index, docs }: { index: number; docs: ClosestDocument[] | null }) {
  const openDocument = useLibraryStore((s) => s.openDocument);
  const toast = useUiStore((s) => s.toast);
  if (docs === null) return null;
  return (
    <section className="closest" aria-label={`Why suggestion ${index + 1} sounds like you`} data-testid="closest">
      <h3 className="closest-title">Why it sounds like you</h3>
      {docs.length === 0 ? (
        <p className="muted small" data-testid="closest-none">
          No document it learned from shares a word with it: it comes from their style as a whole.
        </p>
      ) : (
        <ul className="closest-list">
          {docs.map((d) => (
            <li key={d.id}>
              <button
                type="button"
                className="closest-doc"
                data-testid="closest-doc"
                data-doc-id={d.id}
                title="Open in the Library"
                onClick={() => void openDocument(d.id).catch((e: unknown) => toast({ tone: 'error', message: e instanceof Error ? e.message : String(e) }))}
              >
                <span className="closest-snippet">
                  <Marked text={d.snippet} marks={d.marks} />
                </span>
                <span className="closest-meta">
                  <span className={`chip chip-small chip-${d.kind}`}>{d.kind}</span>
                  <span>{when(d.writtenAt ?? d.importedAt)}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
