import { create } from 'zustand';
import { ApiError, api, errorMessage, unwrap, type PackSummary, type QueueStatus, type SettingsInfo } from '../api';

interface SettingsState {
  settings: SettingsInfo | null;
  packs: PackSummary[];
  queue: QueueStatus | null;
  loaded: boolean;
  error: string | null;
  busyPack: string | null;
  refresh(): Promise<void>;
  validate(p: PackSummary): Promise<PackSummary>;
  activate(id: string): Promise<void>;
  setThreads(n: number): Promise<void>;
  setQueue(q: QueueStatus): void;
}

export const useSettingsStore = create<SettingsState>((set, get) => ({
  settings: null,
  packs: [],
  queue: null,
  loaded: false,
  error: null,
  busyPack: null,
  refresh: async () => {
    try {
      const [settings, packs, queue] = await Promise.all([unwrap(api().getSettings()), unwrap(api().listPacks()), unwrap(api().getQueueStatus())]);
      set({ settings, packs, queue, loaded: true, error: null });
    } catch (e) {
      set({ loaded: true, error: errorMessage(e) });
    }
  },
  validate: async (p) => {
    set({ busyPack: p.id });
    try {
      let updated: PackSummary;
      try {
        const r = await unwrap(api().validatePack({ id: p.id }));
        updated = { ...r, active: p.active };
      } catch (e) {
        // A pack that fails validation is an answer, not a failure of the call: show why on its row.
        if (!(e instanceof ApiError) || e.code !== 'PACK_INVALID') throw e;
        updated = { ...p, valid: false, error: e.message };
      }
      set({ packs: get().packs.map((x) => (x.id === p.id ? updated : x)) });
      return updated;
    } finally {
      set({ busyPack: null });
    }
  },
  activate: async (id) => {
    set({ busyPack: id });
    try {
      await unwrap(api().setActivePack({ id }));
      await get().refresh();
    } finally {
      set({ busyPack: null });
    }
  },
  setThreads: async (threads) => {
    const settings = await unwrap(api().updateSettings({ threads }));
    set({ settings });
  },
  setQueue: (queue) => set({ queue }),
}));

export function useActivePack(): PackSummary | null {
  return useSettingsStore((s) => s.packs.find((p) => p.active) ?? null);
}
