import { create } from 'zustand';

export type View = 'restyle' | 'library' | 'import' | 'history' | 'profiles' | 'model' | 'settings';

export interface Toast {
  id: number;
  tone: 'info' | 'success' | 'error';
  message: string;
  action?: { label: string; run: () => void };
}

interface UiState {
  view: View;
  toasts: Toast[];
  /** A search field asked to take focus (the "/" key): its view focuses it once shown, then clears this. */
  searchFocus: { view: View; seq: number } | null;
  /** The command palette (Ctrl/Cmd+K) is open. */
  paletteOpen: boolean;
  /** A dialog a command asked for; its view opens it once shown. */
  dialog: 'delete-all' | null;
  /** An export of all data is running (one at a time, from Settings or the palette). */
  exporting: boolean;
  setView(view: View): void;
  focusSearch(view: View): void;
  toast(t: Omit<Toast, 'id'>, ms?: number): number;
  dismiss(id: number): void;
}

let nextToast = 1;

export const useUiStore = create<UiState>((set, get) => ({
  view: 'restyle',
  toasts: [],
  searchFocus: null,
  paletteOpen: false,
  dialog: null,
  exporting: false,
  // A search request is for the view it named: leaving that view drops it.
  setView: (view) => set({ view, searchFocus: get().searchFocus?.view === view ? get().searchFocus : null }),
  focusSearch: (view) => set({ view, searchFocus: { view, seq: (get().searchFocus?.seq ?? 0) + 1 } }),
  toast: (t, ms = 5000) => {
    const id = nextToast++;
    set({ toasts: [...get().toasts, { ...t, id }].slice(-4) });
    if (ms > 0) setTimeout(() => get().dismiss(id), ms);
    return id;
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));
