import { useId, useState } from 'react';

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
export function ExpandableText({ text, label }: { text: string; label: string }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const short = shortForm(text);
  if (short === null) return <span>{text}</span>;
  return (
    <>
      <span id={id} data-testid="expandable-text" data-state={open ? 'all' : 'short'}>
        {open ? text : short}
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
