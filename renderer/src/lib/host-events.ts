import { api, type ServiceEvent } from '../api';
import { useHistoryStore } from '../stores/use-history-store';
import { isRunning, totals, useImportStore } from '../stores/use-import-store';
import { useLibraryStore } from '../stores/use-library-store';
import { useProfilesStore } from '../stores/use-profiles-store';
import { useSettingsStore } from '../stores/use-settings-store';
import { useUiStore } from '../stores/use-ui-store';
import { assertNever } from './assert-never';
import { plural } from './format';

/**
 * Routes the host's event stream into the stores. Progress during a big import
 * arrives many times a second, so list refreshes it triggers are throttled: the
 * window keeps painting while 10,000 tweets stream in.
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

  let pendingImport = new Map<string, Extract<ServiceEvent, { type: 'import' }>['progress']>();
  let frame = 0;
  const flushImports = () => {
    frame = 0;
    const batch = pendingImport;
    pendingImport = new Map();
    const store = useImportStore.getState();
    const wasRunning = isRunning(store.files);
    for (const p of batch.values()) store.apply(p);
    const files = useImportStore.getState().files;
    if (wasRunning && !isRunning(files) && files.length > 0) {
      const t = totals(files);
      useUiStore.getState().toast({
        tone: t.errorCount ? 'error' : 'success',
        message: `Import finished: ${plural(t.stored, 'new document')}${t.errorCount ? `, ${plural(t.errorCount, 'problem')}` : ''}.`,
      });
      void useProfilesStore.getState().refresh();
    }
  };

  const off = api().onEvent((e) => {
    switch (e.type) {
      case 'import': {
        pendingImport.set(e.progress.jobId, e.progress);
        const finishing = !['queued', 'parsing', 'storing', 'compressing'].includes(e.progress.phase);
        if (finishing || typeof requestAnimationFrame !== 'function') {
          if (frame) cancelAnimationFrame(frame);
          flushImports();
        } else if (!frame) {
          frame = requestAnimationFrame(flushImports);
        }
        refreshProfiles();
        refreshLibrary(e.progress.profileId);
        break;
      }
      case 'queue':
        useSettingsStore.getState().setQueue(e.status);
        refreshProfiles();
        break;
      case 'data-changed':
        switch (e.what) {
          case 'profiles':
            refreshProfiles();
            break;
          case 'documents':
            refreshProfiles();
            refreshLibrary(e.profileId);
            break;
          case 'history':
            throttled('history', 500, () => {
              const pid = useProfilesStore.getState().activeId;
              void useHistoryStore.getState().load(pid);
            });
            break;
          case 'packs':
          case 'settings':
            throttled('settings', 300, () => void useSettingsStore.getState().refresh());
            break;
          default:
            assertNever(e.what);
        }
        break;
      default:
        assertNever(e);
    }
  });
  return () => {
    off();
    if (frame) cancelAnimationFrame(frame);
    for (const t of timers.values()) clearTimeout(t);
  };
}
