import type { Database } from 'better-sqlite3';

/**
 * Deletes all of the user's data in one transaction: history, profiles (their
 * documents, compressions and means go with them), import records and settings.
 * The pack choice, thread count and output filter are app configuration, not the
 * user's data; they stay.
 */
export function deleteUserData(db: Database): void {
  db.transaction(() => {
    db.prepare('DELETE FROM generations').run();
    db.prepare('DELETE FROM profiles').run();
    db.prepare('DELETE FROM imports').run();
    db.prepare("DELETE FROM settings WHERE key NOT IN ('activePackId', 'threads', 'filterOffensive')").run();
  })();
}

/**
 * Checkpoints the write-ahead log. TRUNCATE also scrubs the deleted rows from the WAL
 * file, but waits (busy_timeout) for every reader of an older snapshot; PASSIVE does
 * what it can without waiting.
 */
export function checkpointWal(db: Database, mode: 'TRUNCATE' | 'PASSIVE'): void {
  db.pragma(`wal_checkpoint(${mode})`);
}
