// The command palette (Ctrl/Cmd+K), written here rather than taken from a library:
// cmdk, the maintained React one, is not among this project's dependencies, and what
// is needed is small: a modal <dialog> (focus trap, Escape and focus return come from
// the platform), a combobox input and a listbox of options, following the WAI-ARIA
// combobox pattern with aria-activedescendant so focus stays in the input.
import { Fragment, useEffect, useId, useMemo, useRef, useState } from 'react';
import { buildCommands, filterCommands, type Command } from '../lib/commands';
import { useUiStore } from '../stores/use-ui-store';
import { Icon } from './Icon';

function Keys({ c }: { c: Command }) {
  if (!c.keys) return null;
  return (
    <span className="palette-keys" aria-label={`shortcut ${c.keys.join(c.sequence ? ' then ' : ' + ')}`} data-testid="palette-keys">
      {c.keys.map((k, i) => (
        <Fragment key={i}>
          {i > 0 && <span className="palette-then">{c.sequence ? 'then' : '+'}</span>}
          <kbd>{k}</kbd>
        </Fragment>
      ))}
    </span>
  );
}

export function CommandPalette() {
  const open = useUiStore((s) => s.paletteOpen);
  const ref = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  // Built when it opens (which shortcuts apply depends on where the user is), in the same render, so the first paint is current.
  const commands = useMemo<Command[]>(() => (open ? buildCommands() : []), [open]);
  const listId = useId();
  const optionId = (i: number) => `${listId}-o${i}`;

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      d.showModal();
      inputRef.current?.focus();
    } else if (!open) {
      if (d.open) d.close();
      // Reset while closed, so the next opening starts empty.
      setQuery('');
      setActive(0);
    }
  }, [open]);

  const shown = useMemo(() => filterCommands(commands, query), [commands, query]);
  useEffect(() => setActive(0), [query]);
  useEffect(() => {
    listRef.current?.querySelector(`[id="${CSS.escape(`${listId}-o${active}`)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [active, shown, listId]);

  const close = () => useUiStore.setState({ paletteOpen: false });
  const runCommand = (c: Command | undefined) => {
    if (!c) return;
    close();
    c.run();
  };

  return (
    <dialog ref={ref} className="dialog palette" aria-label="Command palette" onClose={close} onCancel={close} onClick={(e) => e.target === ref.current && close()}>
      <div className="palette-search">
        <Icon name="search" size={16} />
        <input
          ref={inputRef}
          className="palette-input"
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={shown.length ? optionId(active) : undefined}
          aria-label="Type a command"
          placeholder="Type a command or a page…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            const last = shown.length - 1;
            if (e.key === 'ArrowDown') setActive(active >= last ? 0 : active + 1);
            else if (e.key === 'ArrowUp') setActive(active <= 0 ? last : active - 1);
            else if (e.key === 'Home' && e.ctrlKey) setActive(0);
            else if (e.key === 'End' && e.ctrlKey) setActive(last);
            else if (e.key === 'PageDown') setActive(Math.min(last, active + 8));
            else if (e.key === 'PageUp') setActive(Math.max(0, active - 8));
            else if (e.key === 'Enter') runCommand(shown[active]);
            else return;
            e.preventDefault();
          }}
        />
      </div>
      <ul ref={listRef} id={listId} className="palette-list" role="listbox" aria-label="Commands">
        {shown.map((c, i) => (
          <li
            key={c.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'palette-option active' : 'palette-option'}
            data-command={c.id}
            onMouseMove={() => i !== active && setActive(i)}
            onClick={() => runCommand(c)}
          >
            <span className="palette-group">{c.group}</span>
            <span className="palette-title">{c.title}</span>
            <Keys c={c} />
          </li>
        ))}
      </ul>
      {shown.length === 0 && (
        <p className="muted center pad" role="status">
          No command matches “{query}”.
        </p>
      )}
      <p className="palette-foot muted small">
        <kbd>↑</kbd> <kbd>↓</kbd> to choose · <kbd>Enter</kbd> to run · <kbd>Esc</kbd> to close
      </p>
    </dialog>
  );
}
