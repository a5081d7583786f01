import { create } from 'zustand';
import { api, errorMessage, unwrap, type DocKind, type DocumentItem } from '../api';
import { useProfilesStore } from './use-profiles-store';
import { useUiStore } from './use-ui-store';

const PAGE = 200;

interface LibraryState {
  profileId: number | null;
  query: string;
  /** Only one kind of document, or both. */
  kind: DocKind | 'all';
  total: number;
  /** Sparse: rows are fetched page by page as the virtual list scrolls to them. */
  rows: (DocumentItem | undefined)[];
  loading: boolean;
  /** A new query or profile is loading (a refresh of the same list is not shown). */
  searching: boolean;
  error: string | null;
  generation: number;
  /** A document opened from elsewhere (a suggestion's closest documents): highlighted and scrolled to in the unfiltered list. */
  focus: { id: number; index: number } | null;
  load(profileId: number | null, query: string): Promise<void>;
  setKind(kind: DocKind | 'all'): void;
  ensureRange(start: number, end: number): void;
  /** Opens the Library on one document: its profile, the unfiltered list, the document highlighted. Throws when it is gone. */
  openDocument(id: number): Promise<void>;
  /** Deletes a document; resolves with the token that undoes it (null when it was already gone). */
  remove(id: number): Promise<string | null>;
  /** Undoes a delete: the documents come back with what the style had learned from them. */
  restore(undoToken: string): Promise<{ restored: number; alreadyThere: number; profileGone: number }>;
}

const inFlight = new Set<string>();
/** The profile of the focused document (the focus belongs to that profile's list). */
let shownFocusProfile: number | null = null;
let visibleStart = 0;
/**
 * The list the rows on screen belong to. The store's profileId/query/kind are the
 * list being asked for and run ahead of it while a load is pending.
 */
type ListKey = { profileId: number | null; query: string; kind: DocKind | 'all' };
let shown: ListKey = { profileId: null, query: '', kind: 'all' };
const isShown = (l: ListKey) => shown.profileId === l.profileId && shown.query === l.query && shown.kind === l.kind;
/** The listDocuments filter for a kind choice. */
const kindFilter = (kind: DocKind | 'all') => (kind === 'all' ? {} : { kind });

export const useLibraryStore = create<LibraryState>((set, get) => ({
  profileId: null,
  query: '',
  kind: 'all',
  total: 0,
  rows: [],
  loading: false,
  searching: false,
  error: null,
  generation: 0,
  focus: null,
  load: async (profileId, query) => {
    const generation = get().generation + 1;
    const wanted = get().kind;
    // The opened document's row is its place in the unfiltered list: a search or another profile ends the focus.
    const focus = get().focus;
    if (focus && (query || wanted !== 'all' || (profileId !== null && profileId !== shownFocusProfile))) set({ focus: null });
    // "Searching" means the rows on screen belong to another list than the one asked
    // for: a refresh of the shown list (documents arriving during an import) is not a
    // search, and it never ends one that is still loading.
    const sameList = isShown({ profileId, query, kind: wanted });
    set({ profileId, query, generation, loading: true, searching: !sameList, error: null });
    if (profileId == null) {
      shown = { profileId, query, kind: wanted };
      set({ total: 0, rows: [], loading: false, searching: false });
      return;
    }
    // A refresh of the same list (new documents arriving during an import) also
    // re-reads the page the user is looking at, so the rows never blank out.
    const offsets = [0];
    const seen = Math.floor(visibleStart / PAGE) * PAGE;
    if (sameList && seen > 0) offsets.push(seen);
    try {
      const pages = await Promise.all(offsets.map((offset) => unwrap(api().listDocuments({ profileId, search: query, offset, limit: PAGE, ...kindFilter(wanted) }))));
      if (get().generation !== generation) return;
      shown = { profileId, query, kind: wanted };
      const total = pages[0]!.total;
      const rows: (DocumentItem | undefined)[] = new Array(total);
      pages.forEach((page, k) => page.items.forEach((d, i) => (rows[offsets[k]! + i] = d)));
      set({ total, rows, loading: false, searching: false });
    } catch (e) {
      if (get().generation !== generation) return;
      shown = { profileId, query, kind: wanted };
      set({ loading: false, searching: false, error: errorMessage(e), total: 0, rows: [] });
    }
  },
  setKind: (kind) => {
    set({ kind, focus: null });
    void get().load(get().profileId, get().query);
  },
  ensureRange: (start, end) => {
    visibleStart = start;
    const { rows, generation } = get();
    // More rows of the list on screen (a new search may be pending; its rows come with it).
    const list = shown;
    const { profileId } = list;
    if (profileId == null) return;
    for (let page = Math.floor(start / PAGE); page * PAGE <= end; page++) {
      const offset = page * PAGE;
      if (offset >= rows.length || rows[offset] !== undefined) continue;
      const key = `${generation}:${offset}`;
      if (inFlight.has(key)) continue;
      inFlight.add(key);
      void unwrap(api().listDocuments({ profileId, search: list.query, offset, limit: PAGE, ...kindFilter(list.kind) }))
        .then((p) => {
          if (get().generation !== generation || !isShown(list)) return;
          const next = get().rows.slice();
          p.items.forEach((d, i) => (next[offset + i] = d));
          set({ rows: next });
        })
        .catch((e) => set({ error: errorMessage(e) }))
        .finally(() => inFlight.delete(key));
    }
  },
  remove: async (id) => {
    const r = await unwrap(api().deleteDocuments({ ids: [id] }));
    // Reload rather than splice: rows are sparse and offsets shift after a delete. The profile's counts (the header) with it.
    await Promise.all([get().load(get().profileId, get().query), useProfilesStore.getState().refresh()]);
    return r.undoToken;
  },
  restore: async (undoToken) => {
    const r = await unwrap(api().restoreDocuments({ undoToken }));
    await Promise.all([get().load(get().profileId, get().query), useProfilesStore.getState().refresh()]);
    return r;
  },
  openDocument: async (id) => {
    const { document, index } = await unwrap(api().locateDocument({ id }));
    shownFocusProfile = document.profileId;
    set({ query: '', kind: 'all', focus: { id, index } });
    const profiles = useProfilesStore.getState();
    if (profiles.activeId !== document.profileId) profiles.select(document.profileId);
    // The Library page loads its list as it opens; the focus is kept by that load (no query, every kind).
    useUiStore.getState().setView('library');
  },
}));
