import { create } from 'zustand';
import { api, errorMessage, unwrap, type DocKind, type DocumentItem } from '../api';

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
  load(profileId: number | null, query: string): Promise<void>;
  setKind(kind: DocKind | 'all'): void;
  ensureRange(start: number, end: number): void;
  remove(id: number): Promise<void>;
}

const inFlight = new Set<string>();
let visibleStart = 0;
/** The kind filter of the rows on screen (the store's `kind` may be ahead of it while loading). */
let shownKind: DocKind | 'all' = 'all';

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
  load: async (profileId, query) => {
    const generation = get().generation + 1;
    const sameList = get().profileId === profileId && get().query === query && get().kind === shownKind;
    shownKind = get().kind;
    const kind = shownKind === 'all' ? {} : { kind: shownKind };
    // A refresh of the same list must not end a new search that is still loading:
    // the count on screen belongs to the old query until that search answers.
    set({ profileId, query, generation, loading: true, searching: !sameList || get().searching, error: null });
    if (profileId == null) {
      set({ total: 0, rows: [], loading: false, searching: false });
      return;
    }
    // A refresh of the same list (new documents arriving during an import) also
    // re-reads the page the user is looking at, so the rows never blank out.
    const offsets = [0];
    const seen = Math.floor(visibleStart / PAGE) * PAGE;
    if (sameList && seen > 0) offsets.push(seen);
    try {
      const pages = await Promise.all(offsets.map((offset) => unwrap(api().listDocuments({ profileId, search: query, offset, limit: PAGE, ...kind }))));
      if (get().generation !== generation) return;
      const total = pages[0]!.total;
      const rows: (DocumentItem | undefined)[] = new Array(total);
      pages.forEach((page, k) => page.items.forEach((d, i) => (rows[offsets[k]! + i] = d)));
      set({ total, rows, loading: false, searching: false });
    } catch (e) {
      if (get().generation === generation) set({ loading: false, searching: false, error: errorMessage(e), total: 0, rows: [] });
    }
  },
  setKind: (kind) => {
    set({ kind });
    void get().load(get().profileId, get().query);
  },
  ensureRange: (start, end) => {
    visibleStart = start;
    const { rows, profileId, query, generation } = get();
    if (profileId == null) return;
    for (let page = Math.floor(start / PAGE); page * PAGE <= end; page++) {
      const offset = page * PAGE;
      if (offset >= rows.length || rows[offset] !== undefined) continue;
      const key = `${generation}:${offset}`;
      if (inFlight.has(key)) continue;
      inFlight.add(key);
      void unwrap(api().listDocuments({ profileId, search: query, offset, limit: PAGE, ...(shownKind === 'all' ? {} : { kind: shownKind }) }))
        .then((p) => {
          if (get().generation !== generation) return;
          const next = get().rows.slice();
          p.items.forEach((d, i) => (next[offset + i] = d));
          set({ rows: next });
        })
        .catch((e) => set({ error: errorMessage(e) }))
        .finally(() => inFlight.delete(key));
    }
  },
  remove: async (id) => {
    await unwrap(api().deleteDocuments({ ids: [id] }));
    // Reload rather than splice: rows are sparse and offsets shift after a delete.
    await get().load(get().profileId, get().query);
  },
}));
