// Every action the command palette offers, and the keyboard shortcuts of the window.
// The palette lists a command's shortcut only when that shortcut runs the same
// command from where the user is now (useGlobalShortcuts below handles each one),
// so what it shows always works.
import { useEffect } from 'react';
import { api, errorMessage, unwrap } from '../api';
import { useHistoryStore } from '../stores/use-history-store';
import { useProfilesStore } from '../stores/use-profiles-store';
import { useSettingsStore } from '../stores/use-settings-store';
import { useUiStore, type View } from '../stores/use-ui-store';
import { exportAllData } from './export-data';

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
/** The palette's shortcut as the platform spells it. */
export const PALETTE_KEYS = [IS_MAC ? '⌘' : 'Ctrl', 'K'];

export interface Command {
  id: string;
  group: 'Go to' | 'Actions' | 'Write as';
  title: string;
  /** Extra words it is found by. */
  keywords?: string;
  /** Keys to press, shown as <kbd>s; a sequence ("G then L") is written ['G', 'L'] with sequence true. */
  keys?: string[];
  sequence?: boolean;
  run(): void;
}

/** The views and their "G then <key>" shortcuts (GitHub's and Gmail's go-to keys: no browser or OS uses them). */
export const GO_TO: ReadonlyArray<{ view: View; label: string; key: string; keywords: string }> = [
  { view: 'restyle', label: 'Restyle', key: 'r', keywords: 'draft write suggestions generate paraphrase headline' },
  { view: 'library', label: 'Library', key: 'l', keywords: 'documents tweets articles' },
  { view: 'import', label: 'Import', key: 'i', keywords: 'files upload archive csv' },
  { view: 'history', label: 'History', key: 'h', keywords: 'past suggestions' },
  { view: 'profiles', label: 'Profiles', key: 'p', keywords: 'people personas' },
  { view: 'model', label: 'Model', key: 'm', keywords: 'evaluation pack quality' },
  { view: 'settings', label: 'Settings', key: 's', keywords: 'preferences threads packs data' },
];

/** The view whose search "/" focuses from `view`: History's own while it shows one (it has entries), else the library's. */
export function searchTarget(view: View): View {
  const h = useHistoryStore.getState();
  return view === 'history' && (h.items.length > 0 || h.query !== '') ? 'history' : 'library';
}

/** The commands as they apply now (the current view, the profiles, the learning queue). */
export function buildCommands(): Command[] {
  const ui = useUiStore.getState();
  const { profiles, activeId, select } = useProfilesStore.getState();
  const queue = useSettingsStore.getState().queue;
  const toast = ui.toast;
  const out: Command[] = GO_TO.map((g) => ({
    id: `go:${g.view}`,
    group: 'Go to',
    title: g.label,
    keywords: g.keywords,
    keys: ['G', g.key.toUpperCase()],
    sequence: true,
    run: () => ui.setView(g.view),
  }));
  const slashGoesTo = searchTarget(ui.view);
  out.push(
    { id: 'palette', group: 'Actions', title: 'Show all commands', keywords: 'palette keyboard shortcuts help', keys: PALETTE_KEYS, run: () => useUiStore.setState({ paletteOpen: true }) },
    {
      id: 'search:library',
      group: 'Actions',
      title: 'Search the library',
      keywords: 'find documents',
      ...(slashGoesTo === 'library' ? { keys: ['/'] } : {}),
      run: () => ui.focusSearch('library'),
    },
    {
      id: 'search:history',
      group: 'Actions',
      title: 'Search history',
      keywords: 'find past suggestions drafts',
      ...(slashGoesTo === 'history' ? { keys: ['/'] } : {}),
      run: () => ui.focusSearch('history'),
    },
    {
      id: 'draft',
      group: 'Actions',
      title: 'Write a new draft',
      keywords: 'restyle compose',
      run: () => {
        ui.setView('restyle');
        // After the view has rendered.
        requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>('textarea.textarea')?.focus());
      },
    },
    { id: 'profile:new', group: 'Actions', title: 'Create a profile', keywords: 'new person persona add', run: () => ui.setView('profiles') },
    { id: 'export', group: 'Actions', title: 'Export all data', keywords: 'backup download json save', run: () => void exportAllData() },
    {
      id: 'delete-all',
      group: 'Actions',
      title: 'Delete all data…',
      keywords: 'erase remove wipe reset privacy',
      run: () => {
        ui.setView('settings');
        useUiStore.setState({ dialog: 'delete-all' });
      },
    },
  );
  if (queue?.state === 'running' || queue?.state === 'idle') {
    out.push({ id: 'queue:pause', group: 'Actions', title: 'Pause learning', keywords: 'queue compression stop background', run: () => void queueCall('pause') });
  } else if (queue?.state === 'paused') {
    out.push({ id: 'queue:resume', group: 'Actions', title: 'Resume learning', keywords: 'queue compression start background', run: () => void queueCall('resume') });
  }
  for (const p of profiles) {
    if (p.id === activeId) continue;
    out.push({ id: `profile:${p.id}`, group: 'Write as', title: p.name, keywords: 'switch profile', run: () => select(p.id) });
  }
  return out;

  async function queueCall(what: 'pause' | 'resume') {
    try {
      const st = await unwrap(what === 'pause' ? api().pauseQueue() : api().resumeQueue());
      useSettingsStore.getState().setQueue(st);
      toast({ tone: 'info', message: what === 'pause' ? 'Learning paused; documents wait until you resume.' : 'Learning resumed.' });
    } catch (e) {
      toast({ tone: 'error', message: errorMessage(e) });
    }
  }
}

/**
 * How well `query` matches a command: every word of the query must start a word of
 * the title or keywords (title hits rank first), else the query's letters must appear
 * in order in the title. null: no match.
 */
export function matchScore(c: Pick<Command, 'title' | 'keywords' | 'group'>, query: string): number | null {
  const q = query.trim().toLowerCase();
  if (!q) return 0;
  const title = c.title.toLowerCase();
  const words = (s: string) =>
    s
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean);
  const titleWords = words(c.title);
  const allWords = [...titleWords, ...words(c.keywords ?? ''), ...words(c.group)];
  const parts = words(q);
  if (title.startsWith(q)) return 0;
  if (parts.length && parts.every((p) => titleWords.some((w) => w.startsWith(p)))) return 1;
  if (parts.length && parts.every((p) => allWords.some((w) => w.startsWith(p)))) return 2;
  let i = 0;
  for (const ch of title) if (ch === q[i]) i++;
  return i === q.length ? 3 : null;
}

/** The commands matching a query, best first (stable within a rank, so groups keep their order). */
export function filterCommands(commands: readonly Command[], query: string): Command[] {
  return commands
    .map((c, i) => ({ c, i, s: matchScore(c, query) }))
    .filter((x): x is { c: Command; i: number; s: number } => x.s !== null)
    .sort((a, b) => a.s - b.s || a.i - b.i)
    .map((x) => x.c);
}

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/**
 * The window's shortcuts: Ctrl/Cmd+K opens the palette (also from a text field, as in
 * editors), "/" focuses the search, "G" then a letter goes to a view. Plain keys are
 * left alone while the user types in a field or a modal dialog is open.
 */
export function useGlobalShortcuts(): void {
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const ui = useUiStore.getState();
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        useUiStore.setState({ paletteOpen: !ui.paletteOpen });
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || ui.paletteOpen || document.querySelector('dialog[open]')) {
        pendingG = 0;
        return;
      }
      if (e.key === '/') {
        e.preventDefault();
        ui.focusSearch(searchTarget(ui.view));
        return;
      }
      const key = e.key.toLowerCase();
      if (pendingG && Date.now() - pendingG < 1500) {
        pendingG = 0;
        const go = GO_TO.find((g) => g.key === key);
        if (go) {
          e.preventDefault();
          ui.setView(go.view);
        }
        return;
      }
      pendingG = key === 'g' && !e.shiftKey ? Date.now() : 0;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
