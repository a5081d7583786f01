import type { Database } from 'better-sqlite3';
import { stmt } from './db.js';
import { profileNameSchema } from '../core/inputs.js';
import { StoreError } from './errors.js';

export interface ProfileRow {
  id: number;
  name: string;
  created_at: string;
}

/** The name as stored (NFC, trimmed), checked with the same schema every host parses it with. */
function cleanName(name: string): string {
  const r = profileNameSchema.safeParse(typeof name === 'string' ? name.normalize('NFC') : name);
  if (!r.success) throw new StoreError('INVALID_INPUT', r.error.issues[0]?.message ?? 'not a profile name');
  return r.data;
}

/** All profiles, oldest first. */
export function listProfiles(db: Database): ProfileRow[] {
  return stmt(db, 'SELECT id, name, created_at FROM profiles ORDER BY id').all() as ProfileRow[];
}

/** One profile by id, or undefined. */
export function getProfile(db: Database, id: number): ProfileRow | undefined {
  return stmt(db, 'SELECT id, name, created_at FROM profiles WHERE id = ?').get(id) as ProfileRow | undefined;
}

/** One profile by name (case-insensitive), or undefined. */
export function findProfileByName(db: Database, name: string): ProfileRow | undefined {
  return stmt(db, 'SELECT id, name, created_at FROM profiles WHERE name = ?').get(name.normalize('NFC').trim()) as ProfileRow | undefined;
}

/** Creates a profile; a taken name (case-insensitive) is a CONFLICT. */
export function createProfile(db: Database, name: string): ProfileRow {
  const n = cleanName(name);
  if (findProfileByName(db, n)) throw new StoreError('CONFLICT', `a profile named "${n}" already exists`);
  const id = Number(stmt(db, 'INSERT INTO profiles (name) VALUES (?)').run(n).lastInsertRowid);
  return getProfile(db, id)!;
}

/** Renames a profile. */
export function renameProfile(db: Database, id: number, name: string): ProfileRow {
  const n = cleanName(name);
  const other = findProfileByName(db, n);
  if (other && other.id !== id) throw new StoreError('CONFLICT', `a profile named "${n}" already exists`);
  if (stmt(db, 'UPDATE profiles SET name = ? WHERE id = ?').run(n, id).changes === 0) {
    throw new StoreError('NOT_FOUND', `no profile with id ${id}`);
  }
  return getProfile(db, id)!;
}

/**
 * Deletes a profile; its documents, compressions, means and imports go with it
 * (ON DELETE CASCADE), which keeps the means consistent because they go as a whole.
 */
export function deleteProfile(db: Database, id: number): void {
  if (stmt(db, 'DELETE FROM profiles WHERE id = ?').run(id).changes === 0) {
    throw new StoreError('NOT_FOUND', `no profile with id ${id}`);
  }
}
