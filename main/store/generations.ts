import type { Database } from 'better-sqlite3';
import type { Task } from '../core/inputs.js';
import { stmt } from './db.js';

export interface NewGeneration {
  profileId: number | null;
  profileName: string | null;
  task: Task;
  draft: string;
  output: string;
  packId: string;
  settings: unknown;
}

export interface GenerationRow {
  id: number;
  profile_id: number | null;
  profile_name: string | null;
  task: Task;
  draft: string;
  output: string;
  pack_id: string;
  settings: string;
  created_at: string;
}

/** Saves one finished generation to the history; returns its id. */
export function insertGeneration(db: Database, g: NewGeneration): number {
  return Number(
    stmt(db, 'INSERT INTO generations (profile_id, profile_name, task, draft, output, pack_id, settings) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      g.profileId,
      g.profileName,
      g.task,
      g.draft,
      g.output,
      g.packId,
      JSON.stringify(g.settings ?? {}),
    ).lastInsertRowid,
  );
}

/** `text` as a LIKE pattern matching it anywhere, with LIKE's own wildcards taken literally (escape '\\'). */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of the history (not deleted), newest first. `search` keeps the rows whose
 * draft or suggestion contains it (case-insensitive for ASCII letters, as SQLite's LIKE).
 */
export function listGenerations(db: Database, q: { profileId?: number; search?: string; offset: number; limit: number }): { items: GenerationRow[]; total: number } {
  const where = ['deleted_at IS NULL'];
  if (q.profileId !== undefined) where.push('profile_id = @profileId');
  const search = q.search?.trim();
  if (search) where.push("(output LIKE @pattern ESCAPE '\\' OR draft LIKE @pattern ESCAPE '\\')");
  const w = where.join(' AND ');
  const params = { profileId: q.profileId ?? null, pattern: search ? containsPattern(search) : null, offset: q.offset, limit: q.limit };
  const total = (stmt(db, `SELECT count(*) AS n FROM generations WHERE ${w}`).get(params) as { n: number }).n;
  const items = stmt(db, `SELECT id, profile_id, profile_name, task, draft, output, pack_id, settings, created_at FROM generations WHERE ${w} ORDER BY id DESC LIMIT @limit OFFSET @offset`).all(
    params,
  ) as GenerationRow[];
  return { items, total };
}

/** Soft-deletes history rows (undo restores them); returns how many changed. */
export function softDeleteGenerations(db: Database, ids: readonly number[]): number {
  const s = stmt(db, "UPDATE generations SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND deleted_at IS NULL");
  return db.transaction(() => ids.reduce((n, id) => n + s.run(id).changes, 0)).immediate();
}

/** Restores soft-deleted history rows; returns how many changed. */
export function restoreGenerations(db: Database, ids: readonly number[]): number {
  const s = stmt(db, 'UPDATE generations SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL');
  return db.transaction(() => ids.reduce((n, id) => n + s.run(id).changes, 0)).immediate();
}

/** Removes rows soft-deleted before a time for good (called at startup so undo survives a session but not forever). */
export function purgeDeletedGenerations(db: Database, beforeIso: string): number {
  // Looked for first: a DELETE takes the write lock even when it matches nothing, and a start-up that only
  // reads must not wait for (or fail on) another process writing to the same folder.
  if (!stmt(db, 'SELECT 1 FROM generations WHERE deleted_at IS NOT NULL AND deleted_at < ? LIMIT 1').get(beforeIso)) return 0;
  return stmt(db, 'DELETE FROM generations WHERE deleted_at IS NOT NULL AND deleted_at < ?').run(beforeIso).changes;
}
