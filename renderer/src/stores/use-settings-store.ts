import { create } from 'zustand';
import { ApiError, api, errorMessage, unwrap, type PackSummary, type QueueStatus, type SettingsInfo } from '../api';

/** The outcome of a full validation (files, sizes, hashes, shapes) of one pack. */
export interface PackCheck {
  valid: boolean;
  error: string | null;
}

interface SettingsState {
  settings: SettingsInfo | null;
  /** Packs as listed, with the results of full validations merged in. */
  packs: PackSummary[];
  /**
   * Full validation results by pack id. The list itself only reads manifests (cheap);
   * a pack's files are checked when Settings opens or the user asks, and the result
   * sticks to its row across refreshes.
   */
  checks: Record<string, PackCheck>;
  checking: ReadonlySet<string>;
  queue: QueueStatus | null;
  loaded: boolean;
  error: string | null;
  busyPack: string | null;
  refresh(): Promise<void>;
  validate(p: PackSummary): Promise<PackSummary>;
  validateAll(): Promise<void>;
  activate(id: string): Promise<void>;
  setThreads(n: number): Promise<void>;
  setFilterOffensive(on: boolean): Promise<void>;
  setQueue(q: QueueStatus): void;
}

function merge(list: PackSummary[], checks: Record<string, PackCheck>): PackSummary[] {
  return list.map((p) => {
    const c = checks[p.id];
    // A manifest that is already broken stays broken whatever an older check said.
    return c && p.valid ? { ...p, valid: c.valid, error: c.error } : p;
  });
}

export const useSettingsStore = create<SettingsState>((set, get) => ({
  settings: null,
  packs: [],
  checks: {},
  checking: new Set(),
  queue: null,
  loaded: false,
  error: null,
  busyPack: null,
  refresh: async () => {
    try {
      const [settings, packs, queue] = await Promise.all([unwrap(api().getSettings()), unwrap(api().listPacks()), unwrap(api().getQueueStatus())]);
      set({ settings, packs: merge(packs, get().checks), queue, loaded: true, error: null });
    } catch (e) {
      set({ loaded: true, error: errorMessage(e) });
    }
  },
  validate: async (p) => {
    set({ checking: new Set([...get().checking, p.id]) });
    try {
      let check: PackCheck;
      try {
        await unwrap(api().validatePack({ id: p.id }));
        check = { valid: true, error: null };
      } catch (e) {
        // A pack that fails validation is an answer, not a failure of the call: show why on its row.
        if (!(e instanceof ApiError) || e.code !== 'PACK_INVALID') throw e;
        check = { valid: false, error: e.message };
      }
      const checks = { ...get().checks, [p.id]: check };
      set({ checks, packs: merge(get().packs, checks) });
      return get().packs.find((x) => x.id === p.id) ?? { ...p, ...check };
    } finally {
      const checking = new Set(get().checking);
      checking.delete(p.id);
      set({ checking });
    }
  },
  validateAll: async () => {
    // One at a time: each check hashes the pack's files, and the model may be busy.
    for (const p of get().packs) {
      if (!p.valid) continue;
      await get()
        .validate(p)
        .catch(() => undefined);
    }
  },
  activate: async (id) => {
    set({ busyPack: id });
    try {
      await unwrap(api().setActivePack({ id }));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'PACK_INVALID') {
        const checks = { ...get().checks, [id]: { valid: false, error: e.message } };
        set({ checks, packs: merge(get().packs, checks) });
      }
      throw e;
    } finally {
      set({ busyPack: null });
    }
    await get().refresh();
  },
  setThreads: async (threads) => {
    const settings = await unwrap(api().updateSettings({ threads }));
    set({ settings });
  },
  setFilterOffensive: async (filterOffensive) => {
    // The switch flips at once (a checkbox that lags the click reads as broken) and flips back if saving fails.
    const before = get().settings;
    if (before) set({ settings: { ...before, filterOffensive } });
    try {
      set({ settings: await unwrap(api().updateSettings({ filterOffensive })) });
    } catch (e) {
      if (before) set({ settings: { ...(get().settings ?? before), filterOffensive: before.filterOffensive } });
      throw e;
    }
  },
  setQueue: (queue) => set({ queue }),
}));

export function useActivePack(): PackSummary | null {
  return useSettingsStore((s) => s.packs.find((p) => p.active) ?? null);
}
