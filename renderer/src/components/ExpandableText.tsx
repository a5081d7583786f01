import { Fragment, useId, useState, type ReactNode } from 'react';

/** `text` with every case-insensitive occurrence of `query` marked (a search's hits). */
export function Highlight({ text, query }: { text: string; query?: string }) {
  const q = query?.trim().toLowerCase();
  if (!q) return <>{text}</>;
  const lower = text.toLowerCase();
  const parts: ReactNode[] = [];
  let at = 0;
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) {
    parts.push(<Fragment key={parts.length}>{text.slice(at, i)}</Fragment>, <mark key={parts.length + 1}>{text.slice(i, i + q.length)}</mark>);
    at = i + q.length;
  }
  parts.push(<Fragment key={parts.length}>{text.slice(at)}</Fragment>);
  return <>{parts}</>;
}

/** Texts longer than this are shown cut at a word boundary, with "Show all". */
export const SHORT_CHARS = 180;

/** Where to cut `text` for its short form: the last word boundary at or before `max` characters. */
export function shortForm(text: string, max = SHORT_CHARS): string | null {
  if (text.length <= max) return null;
  const cut = text.slice(0, max + 1);
  const space = cut.search(/\s\S*$/);
  return `${(space > max / 2 ? cut.slice(0, space) : text.slice(0, max)).trimEnd()}…`;
}

/** A long text (a pasted article as a draft) shortened, with a button that shows it all and back. */
export function ExpandableText({ text, label, highlight }: { text: string; label: string; highlight?: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const short = shortForm(text);
  if (short === null)
    return (
      <span>
        <Highlight text={text} query={highlight} />
      </span>
    );
  return (
    <>
      <span id={id} data-testid="expandable-text" data-state={open ? 'all' : 'short'}>
        <Highlight text={open ? text : short} query={highlight} />
      </span>{' '}
      <button
        type="button"
        className="link"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
        aria-label={open ? `Show less of the ${label}` : `Show all of the ${label} (${text.length} characters)`}
      >
        {open ? 'Show less' : 'Show all'}
      </button>
    </>
  );
}
