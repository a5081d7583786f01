// Crash recovery and housekeeping when the services open.
import * as store from '../store/index.js';
import type { Database } from '../store/index.js';

/** Deleted history entries can be restored for this long. */
export const UNDO_DAYS = 30;

/**
 * Start-up housekeeping: recover the imports of processes that died (never those
 * of another process still running on this folder) and purge old undo history.
 * Both can wait for the next start if another process holds the write lock.
 */
export function startupCleanup(db: Database, dataDir: string): void {
  try {
    store.recoverInterruptedImports(db, (owner) => store.ownerAlive(dataDir, owner));
    store.pruneDeadSessions(dataDir);
    store.purgeDeletedGenerations(db, new Date(Date.now() - UNDO_DAYS * 86400_000).toISOString());
  } catch (err) {
    if (!store.isBusyError(err)) throw err;
  }
}
