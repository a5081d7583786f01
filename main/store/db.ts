import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index.js';
import { StoreError, translateSqliteError } from './errors.js';

export type { Database } from 'better-sqlite3';

export interface OpenOptions {
  /** Caps the file at this many pages (tests use it to simulate a full disk). */
  maxPageCount?: number;
  /** How long one statement waits for another process's write lock (default COMMER_BUSY_TIMEOUT_MS or 5000 ms). */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

function busyTimeout(opts: OpenOptions): number {
  if (opts.busyTimeoutMs !== undefined) return Math.max(0, Math.floor(opts.busyTimeoutMs));
  const env = Number(process.env.COMMER_BUSY_TIMEOUT_MS);
  return Number.isFinite(env) && env >= 0 ? Math.floor(env) : DEFAULT_BUSY_TIMEOUT_MS;
}

/**
 * Opens (creating if needed) the database, turns on WAL and foreign keys, and
 * migrates it forward. A file written by a newer schema is refused, never touched.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(file);
  } catch (err) {
    translateSqliteError(err, `opening ${file}`);
  }
  try {
    // First: everything below may need a lock that another process on this folder holds for a moment.
    db.pragma(`busy_timeout = ${busyTimeout(opts)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_SCHEMA_VERSION) {
      throw new StoreError(
        'SCHEMA_TOO_NEW',
        `${file} was written by a newer version of ComMer Studio (schema version ${version}; this version knows up to ${LATEST_SCHEMA_VERSION}). ` +
          'Update the app or choose another data folder; the file was left untouched.',
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // SQLite's default page cache is 2 MB; a profile of 10k compressions is ~17 MB, and evicting its
    // B-tree pages would make adding a document slower as the profile grows.
    db.pragma('cache_size = -65536');
    if (opts.maxPageCount) db.pragma(`max_page_count = ${Math.floor(opts.maxPageCount)}`);
    migrate(db, version);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    translateSqliteError(err, `opening ${file}`);
  }
}

/**
 * A second, read-only connection to an existing database, for long reads (an export)
 * that stream rows with an iterator: better-sqlite3 lets no other statement run on a
 * connection while one of its iterators is open, so such a read must not use the
 * shared one. In WAL mode it reads a snapshot while the main connection keeps writing.
 */
export function openReadOnly(file: string, opts: OpenOptions = {}): Database {
  let db: Database;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    translateSqliteError(err, `opening ${file} for reading`);
  }
  try {
    db.pragma(`busy_timeout = ${busyTimeout(opts)}`);
    return db;
  } catch (err) {
    db.close();
    translateSqliteError(err, `opening ${file} for reading`);
  }
}

function migrate(db: Database, from: number): void {
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    // Each step and its version bump commit together, so a crash never leaves a half-migrated file.
    // The version is read again under the write lock: another process may have just run this step.
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}

/** The schema version of an open database. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

// Preparing costs more than running the small statements the hot paths use.
const cache = new WeakMap<Database, Map<string, BetterSqlite3.Statement>>();

/** The prepared statement for sql on this connection, prepared once and cached. */
export function stmt(db: Database, sql: string): BetterSqlite3.Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
