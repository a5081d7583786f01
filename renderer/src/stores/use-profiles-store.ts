import { create } from 'zustand';
import { api, errorMessage, unwrap, type ProfileSummary } from '../api';

const LAST_PROFILE_KEY = 'commer.activeProfile';

interface ProfilesState {
  profiles: ProfileSummary[];
  activeId: number | null;
  loaded: boolean;
  error: string | null;
  refresh(): Promise<void>;
  select(id: number): void;
  create(name: string): Promise<ProfileSummary>;
  rename(id: number, name: string): Promise<void>;
  remove(id: number): Promise<void>;
}

function rememberedId(): number | null {
  try {
    const v = Number(localStorage.getItem(LAST_PROFILE_KEY));
    return Number.isFinite(v) && v > 0 ? v : null;
  } catch {
    return null;
  }
}

export const useProfilesStore = create<ProfilesState>((set, get) => ({
  profiles: [],
  activeId: rememberedId(),
  loaded: false,
  error: null,
  refresh: async () => {
    try {
      const profiles = await unwrap(api().listProfiles());
      const { activeId } = get();
      const stillThere = profiles.some((p) => p.id === activeId);
      set({ profiles, loaded: true, error: null, activeId: stillThere ? activeId : (profiles[0]?.id ?? null) });
    } catch (e) {
      set({ loaded: true, error: errorMessage(e) });
    }
  },
  select: (id) => {
    try {
      localStorage.setItem(LAST_PROFILE_KEY, String(id));
    } catch {
      // Storage may be unavailable (private mode); the choice then lasts for this session.
    }
    set({ activeId: id });
  },
  create: async (name) => {
    const p = await unwrap(api().createProfile({ name }));
    set({ profiles: [...get().profiles, p] });
    get().select(p.id);
    return p;
  },
  rename: async (id, name) => {
    const p = await unwrap(api().renameProfile({ id, name }));
    set({ profiles: get().profiles.map((x) => (x.id === id ? p : x)) });
  },
  remove: async (id) => {
    await unwrap(api().deleteProfile({ id }));
    const profiles = get().profiles.filter((x) => x.id !== id);
    const activeId = get().activeId === id ? (profiles[0]?.id ?? null) : get().activeId;
    set({ profiles, activeId });
  },
}));

export function useActiveProfile(): ProfileSummary | null {
  return useProfilesStore((s) => s.profiles.find((p) => p.id === s.activeId) ?? null);
}
