import { create } from 'zustand';
import { api, errorMessage, unwrap, type HeldImport } from '../api';
import { useLibraryStore } from './use-library-store';
import { useProfilesStore } from './use-profiles-store';

interface HeldImportsState {
  /** The profile the list belongs to. */
  profileId: number | null;
  /** That profile's cancelled imports whose kept documents are there, not learned (read from the host's store, so they outlive a restart). */
  items: HeldImport[];
  error: string | null;
  /** The import a Learn or Remove is under way for (its buttons wait for it). */
  busy: { importId: number; action: 'release' | 'remove' } | null;
  load(profileId: number | null): Promise<void>;
  /** Lets an import's kept documents be learned; resolves with how many will be. */
  release(importId: number): Promise<number>;
  /** Removes what an import added; resolves with how many documents went. */
  remove(importId: number): Promise<number>;
}

let generation = 0;

export const useHeldImportsStore = create<HeldImportsState>((set, get) => {
  /** After a change: this list, the Library's rows (their "not learned" chips) and the profile's counts. */
  const refreshAll = async () => {
    const lib = useLibraryStore.getState();
    await Promise.all([get().load(get().profileId), lib.load(lib.profileId, lib.query), useProfilesStore.getState().refresh()]);
  };
  const run = async (importId: number, action: 'release' | 'remove', call: () => Promise<number>): Promise<number> => {
    if (get().busy) throw new Error('another import is being learned or removed; wait until it has finished');
    set({ busy: { importId, action } });
    try {
      return await call();
    } finally {
      set({ busy: null });
      await refreshAll();
    }
  };
  return {
    profileId: null,
    items: [],
    error: null,
    busy: null,
    load: async (profileId) => {
      const mine = ++generation;
      if (profileId !== get().profileId) set({ profileId, items: [], error: null });
      if (profileId === null) return;
      try {
        const items = await unwrap(api().listHeldImports({ profileId }));
        if (mine === generation) set({ items, error: null });
      } catch (e) {
        if (mine === generation) set({ error: errorMessage(e) });
      }
    },
    release: (importId) => run(importId, 'release', async () => (await unwrap(api().releaseHeldImport({ importId }))).toLearn),
    remove: (importId) => run(importId, 'remove', async () => (await unwrap(api().removeHeldImport({ importId }))).removed),
  };
});
