import { create } from 'zustand';
import { api, errorMessage, unwrap, type GenerationItem } from '../api';

interface HistoryState {
  items: GenerationItem[];
  total: number;
  /** The search the items answer ('' = all). */
  query: string;
  loading: boolean;
  error: string | null;
  /** Loads the profile's history; with no query, the current one (a refresh keeps the search). */
  load(profileId: number | null, query?: string): Promise<void>;
  remove(item: GenerationItem): Promise<void>;
  restore(item: GenerationItem): Promise<void>;
}

let generation = 0;

export const useHistoryStore = create<HistoryState>((set, get) => ({
  items: [],
  total: 0,
  query: '',
  loading: false,
  error: null,
  load: async (profileId, query = get().query) => {
    const mine = ++generation;
    set({ loading: true, error: null, query });
    try {
      const search = query.trim();
      const r = await unwrap(api().listHistory({ ...(profileId != null ? { profileId } : {}), ...(search ? { search } : {}), offset: 0, limit: 200 }));
      // A newer search answered first: this answer is stale.
      if (mine !== generation) return;
      set({ items: r.items, total: r.total, loading: false });
    } catch (e) {
      if (mine !== generation) return;
      set({ loading: false, error: errorMessage(e) });
    }
  },
  remove: async (item) => {
    await unwrap(api().deleteGenerations({ ids: [item.id] }));
    set({ items: get().items.filter((x) => x.id !== item.id), total: get().total - 1 });
  },
  restore: async (item) => {
    await unwrap(api().restoreGenerations({ ids: [item.id] }));
    const items = [...get().items, item].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
    set({ items, total: get().total + 1 });
  },
}));
