// The composition of the service layer: one database, one inference host, one
// compression queue, and the task-shaped operations of types.ts on top, one module
// per domain (packs, library, imports, restyle, history, settings, recovery).
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as store from '../store/index.js';
import { StoreError, type Database } from '../store/index.js';
import { CompressionQueue } from '../jobs/compression-queue.js';
import { InferenceClient } from '../jobs/inference-client.js';
import { createWorkerTransport } from '../jobs/worker-transport.js';
import { createEvents, type ServiceContext } from './context.js';
import { ServiceError } from './errors.js';
import { createExports } from './exports.js';
import { createHistory } from './history.js';
import { createImports } from './imports.js';
import { createLibrary } from './library.js';
import type { ServicesOptions } from './options.js';
import { createPacks } from './packs.js';
import { loadPreferences } from './preferences.js';
import { startupCleanup } from './recovery.js';
import { createRestyle } from './restyle.js';
import { createSettings } from './settings.js';
import type { QueueStatus, Services } from './types.js';
import { storeCalls } from './validate.js';

const REPO_PACKS = fileURLToPath(new URL('../../models/packs', import.meta.url));

/** Opens the database and returns the services; the active pack loads in the background. */
export async function createServices(opts: ServicesOptions = {}): Promise<Services> {
  const dataDir = resolve(opts.dataDir ?? store.defaultDataDir());
  const dbPath = join(dataDir, store.DB_FILE_NAME);
  const packDirs = (opts.packDirs ?? [REPO_PACKS, join(dataDir, 'packs')]).map((d) => resolve(d));
  // Registered before the database opens, so that a process waiting on it can be named too.
  const session = store.registerSession(dataDir, opts.processLabel ?? store.defaultProcessLabel());
  let db: Database;
  try {
    db = store.openDatabase(dbPath);
  } catch (err) {
    session.close();
    if (err instanceof StoreError) throw new ServiceError(err.code, err.code === 'BUSY' ? `${store.busyMessage(dataDir, session.info.id)}; try again when it has finished` : err.message);
    throw err;
  }
  store.attachSession(db, session);
  const storeCall = storeCalls(() => store.busyMessage(db));
  const exporter = createExports({ db, dbPath, dataDir, storeCall });
  startupCleanup(db, dataDir);

  const events = createEvents();
  const client = new InferenceClient(opts.createInferenceTransport ?? (() => createWorkerTransport()));
  const queue = new CompressionQueue(db, {
    batchSize: opts.compressBatchSize ?? 8,
    onStatus: (st) => {
      events.emit({ type: 'queue', status: st as QueueStatus });
      imports.onQueueStatus(st as QueueStatus);
    },
  });
  const ctx: ServiceContext = { db, storeCall, emit: events.emit, client, queue };
  const prefs = loadPreferences(db);
  let closed = false;

  // The imports follow the active pack, known once the packs are scanned just below (no job runs before).
  const imports = createImports(ctx, { owner: session.info.id, activePackId: () => packs.activePackId(), queueStatus: () => packs.queueStatus() });
  const packs = createPacks(ctx, { packDirs, prefs, pauseQueue: opts.autoStartQueue === false, loadAtStart: opts.loadModelAtStart !== false });
  const library = createLibrary(ctx, { activePackId: packs.activePackId, abortImportsOf: imports.abortImportsOf });

  return {
    profiles: library.profiles,
    documents: library.documents,
    imports: imports.service,
    queue: packs.queue,
    restyle: createRestyle(ctx, { packs, prefs }),
    history: createHistory(ctx),
    packs: packs.packs,
    settings: createSettings(ctx, { dataDir, dbPath, packDirs, prefs, packs, imports, exporter, isClosed: () => closed }),
    onEvent: events.on,
    close: async () => {
      if (closed) return;
      closed = true;
      imports.abortAll();
      const exportsStopped = exporter.stopAll();
      await imports.allFinished();
      await exportsStopped;
      await queue.close();
      await client.dispose();
      events.clear();
      db.close();
      session.close();
    },
  };
}
