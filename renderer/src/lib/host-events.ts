import { api, type ImportProgress } from '../api';
import { useHeldImportsStore } from '../stores/use-held-imports-store';
import { useHistoryStore } from '../stores/use-history-store';
import { isRunning, useImportStore } from '../stores/use-import-store';
import { useLibraryStore } from '../stores/use-library-store';
import { useProfilesStore } from '../stores/use-profiles-store';
import { useSettingsStore } from '../stores/use-settings-store';
import { useUiStore } from '../stores/use-ui-store';
import { assertNever } from './assert-never';
import { finishedMessage, summarize } from './import-summary';
import { undoImports } from './import-actions';

const ACTIVE_PHASES = new Set(['queued', 'parsing', 'storing', 'compressing']);

/**
 * Routes the host's events into the stores. Progress during a big import arrives
 * many times a second, so store updates are coalesced to one per animation frame
 * and the list refreshes they trigger are throttled: the window keeps painting
 * while 10,000 tweets stream in.
 */
export function subscribeToHost(): () => void {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const throttled = (key: string, ms: number, fn: () => void) => {
    if (timers.has(key)) return;
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        fn();
      }, ms),
    );
  };
  const refreshProfiles = () => throttled('profiles', 500, () => void useProfilesStore.getState().refresh());
  const refreshLibrary = (profileId?: number) =>
    throttled('library', 800, () => {
      const lib = useLibraryStore.getState();
      if (profileId === undefined || lib.profileId === profileId) void lib.load(lib.profileId, lib.query);
    });
  // The Library's notices of cancelled imports: they come with a cancel and go with a learn, a remove or a delete.
  const refreshHeld = (profileId?: number) =>
    throttled('held', 800, () => {
      const held = useHeldImportsStore.getState();
      if (profileId === undefined || held.profileId === profileId) void held.load(held.profileId);
    });
  const refreshHistory = () => throttled('history', 500, () => void useHistoryStore.getState().load(useProfilesStore.getState().activeId));
  const refreshSettings = () => throttled('settings', 300, () => void useSettingsStore.getState().refresh());

  let pending = new Map<string, ImportProgress>();
  let frame = 0;
  const flushImports = () => {
    frame = 0;
    const batch = pending;
    pending = new Map();
    const store = useImportStore.getState();
    for (const p of batch.values()) store.apply(p);
  };
  // However a drop ends (its last event, or the start call finding it already over), say how it went:
  // the card's own heading and line, word for word, and the same undo the card offers.
  const offFinished = useImportStore.subscribe((s, prev) => {
    const files = s.files;
    if (isRunning(prev.files) && !isRunning(files) && files.length > 0) {
      const summary = summarize(files);
      const jobIds = files.flatMap((f) => (f.jobId ? [f.jobId] : []));
      useUiStore.getState().toast(
        {
          tone: summary.tone,
          message: finishedMessage(summary),
          action: summary.canUndo ? { label: 'Undo', run: () => void undoImports(jobIds) } : undefined,
        },
        summary.canUndo ? 12_000 : 5000,
      );
      void useProfilesStore.getState().refresh();
    }
  });

  const offs = [
    api().onImportProgress((p) => {
      pending.set(p.jobId, p);
      if (!ACTIVE_PHASES.has(p.phase)) {
        if (frame) cancelAnimationFrame(frame);
        flushImports();
      } else if (!frame) {
        frame = requestAnimationFrame(flushImports);
      }
      refreshProfiles();
      refreshLibrary(p.profileId);
      if (!ACTIVE_PHASES.has(p.phase)) refreshHeld(p.profileId);
    }),
    api().onQueueProgress((status) => {
      useSettingsStore.getState().setQueue(status);
      refreshProfiles();
    }),
    api().onDataChanged((e) => {
      switch (e.what) {
        case 'profiles':
          refreshProfiles();
          break;
        case 'documents':
          refreshProfiles();
          refreshLibrary(e.profileId);
          refreshHeld(e.profileId);
          break;
        case 'history':
          refreshHistory();
          break;
        case 'packs':
        case 'settings':
          refreshSettings();
          refreshProfiles();
          // What counts as learned is per pack.
          refreshHeld();
          break;
        default:
          assertNever(e.what);
      }
    }),
    api().onNotice((n) => {
      useUiStore.getState().toast({ tone: n.level === 'error' ? 'error' : 'info', message: n.message }, 8000);
    }),
  ];
  return () => {
    offFinished();
    for (const off of offs) off();
    if (frame) cancelAnimationFrame(frame);
    for (const t of timers.values()) clearTimeout(t);
  };
}
