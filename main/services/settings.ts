// Settings and the user's data as a whole: the thread count and output filter, the
// JSON export, delete all, and recomputing the means.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as store from '../store/index.js';
import { ServiceError } from './errors.js';
import type { ServiceContext } from './context.js';
import type { Exports } from './exports.js';
import type { Imports } from './imports.js';
import type { Packs } from './packs.js';
import type { Preferences } from './preferences.js';
import type { DeleteAllResult, SettingsInfo, SettingsService } from './types.js';

export interface SettingsDeps {
  dataDir: string;
  dbPath: string;
  packDirs: string[];
  prefs: Preferences;
  packs: Pick<Packs, 'activePackId' | 'reload'>;
  imports: Pick<Imports, 'abortAll'>;
  exporter: Exports;
  /** Whether the services have closed (a late checkpoint must not touch a closed database). */
  isClosed: () => boolean;
}

export function createSettings({ db, storeCall, emit, client }: ServiceContext, { dataDir, dbPath, packDirs, prefs, packs, imports, exporter, isClosed }: SettingsDeps): SettingsService {
  function settingsInfo(): SettingsInfo {
    let dbBytes = 0;
    for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) dbBytes += statSync(f).size;
    return {
      dataDir,
      dbPath,
      dbBytes,
      schemaVersion: store.schemaVersion(db),
      activePackId: packs.activePackId(),
      threads: prefs.threads,
      threadsInUse: client.info?.threads ?? null,
      maxThreads: availableParallelism(),
      provider: client.info?.provider ?? null,
      packDirs,
      filterOffensive: prefs.filterOffensive,
    };
  }

  return {
    get: () => settingsInfo(),
    update: async (patch) => {
      if (patch.threads !== undefined) {
        const max = availableParallelism();
        if (typeof patch.threads !== 'number' || !Number.isInteger(patch.threads) || patch.threads < 0 || patch.threads > max) {
          throw new ServiceError('INVALID_INPUT', `threads must be 0 (automatic) or a whole number from 1 to ${max}, the processors this computer has; got ${JSON.stringify(patch.threads)}`);
        }
        prefs.threads = patch.threads;
        storeCall(() => store.setSetting(db, 'threads', prefs.threads));
        await packs.reload();
      }
      if (patch.filterOffensive !== undefined) {
        if (typeof patch.filterOffensive !== 'boolean') throw new ServiceError('INVALID_INPUT', 'filterOffensive must be true or false');
        prefs.filterOffensive = patch.filterOffensive;
        storeCall(() => store.setSetting(db, 'filterOffensive', prefs.filterOffensive));
      }
      emit({ type: 'data-changed', what: 'settings' });
      return settingsInfo();
    },
    exportAll: (path) => exporter.write(path),
    listExports: () => exporter.list(),
    deleteAll: (o = {}) =>
      storeCall((): DeleteAllResult => {
        imports.abortAll();
        // An export still running would write the data being deleted to a file after the delete.
        const stopped = exporter.stopAll();
        const files = exporter.list();
        // The pack choice, thread count and output filter are app configuration, not the user's data; they stay.
        store.deleteUserData(db);
        // TRUNCATE scrubs the deleted rows from the WAL file, but waits (busy_timeout) for every reader of an
        // older snapshot: a stopped export's connection closes only once its current write returns. Then.
        if (!stopped) store.checkpointWal(db, 'TRUNCATE');
        else {
          store.checkpointWal(db, 'PASSIVE');
          void stopped.then(() => {
            try {
              if (!isClosed()) store.checkpointWal(db, 'TRUNCATE');
            } catch {
              // Another process holds the folder: SQLite checkpoints again on its own as the WAL grows.
            }
          });
        }
        const { exportsDeleted, exportsKept } = exporter.afterDeleteAll(files, o.exports === true);
        emit({ type: 'data-changed', what: 'profiles' });
        emit({ type: 'data-changed', what: 'history' });
        return { exportsDeleted, exportsKept };
      }),
    recompute: () =>
      storeCall(() => {
        const t0 = performance.now();
        const r = store.recomputeMeans(db);
        return { ...r, ms: Math.round((performance.now() - t0) * 10) / 10 };
      }),
  };
}
