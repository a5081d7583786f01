import { create } from 'zustand';
import { api, errorMessage, unwrap, type GenerationItem } from '../api';

interface HistoryState {
  items: GenerationItem[];
  total: number;
  loading: boolean;
  error: string | null;
  load(profileId: number | null): Promise<void>;
  remove(item: GenerationItem): Promise<void>;
  restore(item: GenerationItem): Promise<void>;
}

export const useHistoryStore = create<HistoryState>((set, get) => ({
  items: [],
  total: 0,
  loading: false,
  error: null,
  load: async (profileId) => {
    set({ loading: true, error: null });
    try {
      const r = await unwrap(api().listHistory({ ...(profileId != null ? { profileId } : {}), offset: 0, limit: 200 }));
      set({ items: r.items, total: r.total, loading: false });
    } catch (e) {
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
