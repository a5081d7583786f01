import type { Database } from 'better-sqlite3';
import { stmt } from './db.js';

export type ImportStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface ImportRow {
  id: number;
  profile_id: number;
  file: string;
  format: string | null;
  status: ImportStatus;
  parsed: number;
  stored: number;
  duplicates: number;
  skipped: number;
  error_count: number;
  errors: string;
  message: string | null;
  started_at: string;
  finished_at: string | null;
}

/** Records the start of an import; its documents point at the returned id. */
export function beginImport(db: Database, profileId: number, file: string, format: string | null, options: unknown): number {
  return Number(
    stmt(db, "INSERT INTO imports (profile_id, file, format, options, status) VALUES (?, ?, ?, ?, 'running')").run(profileId, file, format, JSON.stringify(options ?? {}))
      .lastInsertRowid,
  );
}

export interface ImportCounts {
  parsed: number;
  stored: number;
  duplicates: number;
  skipped: number;
  errorCount: number;
  errors: unknown[];
}

/** Saves an import's counters (called with each committed batch and at the end). */
export function updateImport(db: Database, id: number, c: ImportCounts, status: ImportStatus = 'running', message: string | null = null): void {
  stmt(
    db,
    `UPDATE imports SET parsed = ?, stored = ?, duplicates = ?, skipped = ?, error_count = ?, errors = ?, status = ?, message = ?,
       finished_at = CASE WHEN ? = 'running' THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END
     WHERE id = ?`,
  ).run(c.parsed, c.stored, c.duplicates, c.skipped, c.errorCount, JSON.stringify(c.errors.slice(0, 100)), status, message, status, id);
}

/** Marks imports left 'running' by a crashed process as interrupted; their committed batches stay (re-importing completes them). */
export function markInterruptedImports(db: Database): number {
  return stmt(db, "UPDATE imports SET status = 'interrupted', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE status = 'running'").run().changes;
}

/** Recent imports, newest first. */
export function listImports(db: Database, limit = 50): ImportRow[] {
  return stmt(db, 'SELECT * FROM imports ORDER BY id DESC LIMIT ?').all(limit) as ImportRow[];
}
