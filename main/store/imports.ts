import type { Database } from 'better-sqlite3';
import { stmt } from './db.js';
import { deleteDocuments } from './documents.js';

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
  /** The session (store/sessions.ts) running it; null for rows written before schema v2. */
  owner: string | null;
  /** 1 when the user cancelled it: its documents stay but are not learned (schema v3). */
  held: number;
}

/** Records the start of an import by a session (its owner); its documents point at the returned id. */
export function beginImport(db: Database, profileId: number, file: string, format: string | null, options: unknown, owner: string | null = null): number {
  return Number(
    stmt(db, "INSERT INTO imports (profile_id, file, format, options, status, owner) VALUES (?, ?, ?, ?, 'running', ?)").run(profileId, file, format, JSON.stringify(options ?? {}), owner)
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

/**
 * Saves a running import's counters (called with each committed batch and at the
 * end). Returns false, changing nothing, when the row is no longer running: some
 * other process declared it interrupted, so its documents may be gone.
 */
export function updateImport(db: Database, id: number, c: ImportCounts, status: ImportStatus = 'running', message: string | null = null): boolean {
  return (
    stmt(
      db,
      `UPDATE imports SET parsed = ?, stored = ?, duplicates = ?, skipped = ?, error_count = ?, errors = ?, status = ?, message = ?,
       finished_at = CASE WHEN ? = 'running' THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now') END
     WHERE id = ? AND status = 'running'`,
    ).run(c.parsed, c.stored, c.duplicates, c.skipped, c.errorCount, JSON.stringify(c.errors.slice(0, 100)), status, message, status, id).changes === 1
  );
}

export interface RecoveryResult {
  /** Imports whose owner was gone, now marked interrupted. */
  interrupted: number;
  /** Documents removed because such an import had asked for all or nothing. */
  removed: number;
}

/**
 * Imports left 'running' by a process that is gone (ownerAlive says which): mark
 * them interrupted, and for those that asked for all-or-nothing remove what they
 * had stored; the committed batches of the others stay (re-importing completes
 * them). An import whose owner still runs (another process on this folder) is not
 * touched. Each import is claimed and cleaned in one transaction, so two processes
 * recovering at once do it once.
 */
export function recoverInterruptedImports(db: Database, ownerAlive: (owner: string | null) => boolean): RecoveryResult {
  const out: RecoveryResult = { interrupted: 0, removed: 0 };
  const rows = stmt(db, "SELECT id, options, owner FROM imports WHERE status = 'running'").all() as Array<{ id: number; options: string; owner: string | null }>;
  for (const r of rows) {
    if (ownerAlive(r.owner)) continue;
    let abort = false;
    try {
      abort = (JSON.parse(r.options) as { onBadRow?: string }).onBadRow === 'abort';
    } catch {
      abort = false;
    }
    db.transaction(() => {
      const claimed = stmt(db, "UPDATE imports SET status = 'interrupted', finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND status = 'running'").run(r.id).changes;
      if (!claimed) return;
      out.interrupted++;
      if (abort) {
        const ids = (stmt(db, 'SELECT id FROM documents WHERE import_id = ?').all(r.id) as Array<{ id: number }>).map((x) => x.id);
        out.removed += deleteDocuments(db, ids);
        stmt(db, 'UPDATE imports SET stored = 0 WHERE id = ?').run(r.id);
      }
    }).immediate();
  }
  return out;
}

/** Recent imports, newest first. */
export function listImports(db: Database, limit = 50): ImportRow[] {
  return stmt(db, 'SELECT * FROM imports ORDER BY id DESC LIMIT ?').all(limit) as ImportRow[];
}

/**
 * Holds an import's documents back from learning (the user cancelled it), or lets
 * them be learned again (held false). Documents it stores later are held too: the
 * flag is on the import, not on each document. Returns false when there is no such import.
 */
export function setImportHeld(db: Database, id: number, held: boolean): boolean {
  return stmt(db, 'UPDATE imports SET held = ? WHERE id = ?').run(held ? 1 : 0, id).changes === 1;
}

/**
 * Removes part of what an import added: up to `limit` of the documents it inserted,
 * with their compressions, each subtracted from its running mean (deleteDocuments),
 * in one transaction. A document that was in the profile before the import (counted
 * as a duplicate) was never inserted by it and stays. Returns how many were removed;
 * call again until 0 (a host yields between calls).
 */
export function removeImportDocuments(db: Database, id: number, limit = 1000): number {
  const ids = (stmt(db, 'SELECT id FROM documents WHERE import_id = ? ORDER BY id LIMIT ?').all(id, limit) as Array<{ id: number }>).map((r) => r.id);
  return ids.length ? deleteDocuments(db, ids) : 0;
}

/** Removes every document an import inserted, in one transaction (a failed import leaves nothing behind). Returns how many. */
export function rollbackImport(db: Database, importId: number): number {
  const ids = (stmt(db, 'SELECT id FROM documents WHERE import_id = ?').all(importId) as Array<{ id: number }>).map((r) => r.id);
  return ids.length ? deleteDocuments(db, ids) : 0;
}

/** Marks a finished import as cancelled after the fact (the user stopped the learning of its documents), with why. */
export function markImportCancelled(db: Database, id: number, message: string): void {
  stmt(db, "UPDATE imports SET status = 'cancelled', message = ? WHERE id = ?").run(message, id);
}

/** How many documents of an import are still in the store. */
export function importDocumentCount(db: Database, id: number): number {
  return (stmt(db, 'SELECT count(*) AS n FROM documents WHERE import_id = ?').get(id) as { n: number }).n;
}

/** An import the user cancelled whose documents are still in the store (held back from learning). */
export interface HeldImportRow {
  id: number;
  /** The file as the user named it (what they dropped or picked), never a temp path. */
  file: string;
  started_at: string;
  status: ImportStatus;
  /** Its documents still in the store. */
  documents: number;
  /** How many of them have a compression with the pack asked about (learned before the cancel). */
  learned: number;
}

/**
 * A profile's held imports that still have documents, oldest first, with how many of
 * their documents are left and how many of those are learned with `packId` (0 when no
 * pack is in use). An import whose documents were all removed is not listed.
 */
export function listHeldImports(db: Database, profileId: number, packId: string | null): HeldImportRow[] {
  return stmt(
    db,
    `SELECT i.id, i.file, i.started_at, i.status, count(*) AS documents, count(c.document_id) AS learned
     FROM imports i JOIN documents d ON d.import_id = i.id
     LEFT JOIN compressions c ON c.document_id = d.id AND c.pack_id = ?
     WHERE i.held = 1 AND i.profile_id = ?
     GROUP BY i.id ORDER BY i.id`,
  ).all(packId, profileId) as HeldImportRow[];
}

/** One import's row, or undefined when there is no such import. */
export function getImport(db: Database, id: number): ImportRow | undefined {
  return stmt(db, 'SELECT * FROM imports WHERE id = ?').get(id) as ImportRow | undefined;
}
