// Undo for deleting documents. A deleted document leaves the running means at once
// (the style must stop using it), so "soft delete" would mean teaching every count,
// mean, search and relevance query to skip hidden rows. Instead the delete hands back
// everything needed to put the rows back exactly: the document row and its stored
// compressions, which restoring adds to the means again (no re-compression needed).
import type { Database } from 'better-sqlite3';
import { stmt } from './db.js';
import { applyToMean } from './means.js';
import { blobToF32 } from './vectors.js';
import type { DocKind } from '../core/inputs.js';
import type { DocumentRow } from './documents.js';

export interface DeletedDocument {
  row: DocumentRow & { sha256: string; import_id: number | null };
  compressions: Array<{ pack_id: string; k: number; dim: number; data: Buffer; created_at: string }>;
}

/**
 * Deletes documents like deleteDocuments (compressions subtracted from their means
 * in the same transaction) and returns what was deleted, for restoreDocuments.
 */
export function takeDocuments(db: Database, ids: readonly number[]): DeletedDocument[] {
  const getDoc = stmt(db, 'SELECT id, profile_id, kind, text, source, sha256, written_at, imported_at, import_id FROM documents WHERE id = ?');
  const comps = stmt(db, 'SELECT pack_id, k, dim, data, created_at FROM compressions WHERE document_id = ?');
  const del = stmt(db, 'DELETE FROM documents WHERE id = ?');
  return db
    .transaction((): DeletedDocument[] => {
      const out: DeletedDocument[] = [];
      for (const id of ids) {
        const row = getDoc.get(id) as DeletedDocument['row'] | undefined;
        if (!row) continue;
        const compressions = comps.all(id) as DeletedDocument['compressions'];
        for (const c of compressions) applyToMean(db, row.profile_id, c.pack_id, row.kind, c.k, c.dim, blobToF32(c.data), -1);
        del.run(id);
        out.push({ row, compressions });
      }
      return out;
    })
    .immediate();
}

export interface RestoreResult {
  restored: number;
  /** Already back (the same text was imported again meanwhile): nothing to restore. */
  alreadyThere: number;
  /** Their profile was deleted meanwhile. */
  profileGone: number;
}

/**
 * Puts documents taken by takeDocuments back, with their compressions added to the
 * running means again, in one transaction. A document keeps its id unless another
 * row took it meanwhile; one whose text the profile has again, or whose profile is
 * gone, is counted and skipped.
 */
export function restoreDocuments(db: Database, docs: readonly DeletedDocument[]): RestoreResult {
  const profile = stmt(db, 'SELECT 1 FROM profiles WHERE id = ?');
  const dup = stmt(db, 'SELECT 1 FROM documents WHERE profile_id = ? AND sha256 = ?');
  const idTaken = stmt(db, 'SELECT 1 FROM documents WHERE id = ?');
  const importExists = stmt(db, 'SELECT 1 FROM imports WHERE id = ?');
  const ins = stmt(
    db,
    'INSERT INTO documents (id, profile_id, kind, text, source, sha256, written_at, imported_at, import_id) VALUES (@id, @profile_id, @kind, @text, @source, @sha256, @written_at, @imported_at, @import_id)',
  );
  const insComp = stmt(db, 'INSERT INTO compressions (document_id, pack_id, k, dim, data, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  return db
    .transaction((): RestoreResult => {
      const r: RestoreResult = { restored: 0, alreadyThere: 0, profileGone: 0 };
      for (const { row, compressions } of docs) {
        if (!profile.get(row.profile_id)) {
          r.profileGone++;
          continue;
        }
        if (dup.get(row.profile_id, row.sha256)) {
          r.alreadyThere++;
          continue;
        }
        const id = Number(
          ins.run({
            ...row,
            id: idTaken.get(row.id) ? null : row.id,
            import_id: row.import_id !== null && importExists.get(row.import_id) ? row.import_id : null,
          }).lastInsertRowid,
        );
        for (const c of compressions) {
          if (insComp.run(id, c.pack_id, c.k, c.dim, c.data, c.created_at).changes) applyToMean(db, row.profile_id, c.pack_id, row.kind as DocKind, c.k, c.dim, blobToF32(c.data), 1);
        }
        r.restored++;
      }
      return r;
    })
    .immediate();
}
