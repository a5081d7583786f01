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
  setView(view: View): void;
  toast(t: Omit<Toast, 'id'>, ms?: number): number;
  dismiss(id: number): void;
}

let nextToast = 1;

export const useUiStore = create<UiState>((set, get) => ({
  view: 'restyle',
  toasts: [],
  setView: (view) => set({ view }),
  toast: (t, ms = 5000) => {
    const id = nextToast++;
    set({ toasts: [...get().toasts, { ...t, id }].slice(-4) });
    if (ms > 0) setTimeout(() => get().dismiss(id), ms);
    return id;
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));
