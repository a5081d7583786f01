import type { Database } from 'better-sqlite3';
import { firstNonFinite } from '../core/running-mean.js';
import { stmt } from './db.js';
import { StoreError } from './errors.js';
import { applyToMean } from './means.js';
import { f32ToBlob } from './vectors.js';
import type { DocKind } from './documents.js';

export interface NewCompression {
  documentId: number;
  /** float32 [k*dim] */
  data: Float32Array;
}

/**
 * Stores compressions of one pack and adds each to its profile's running mean in
 * the same transaction. A document deleted meanwhile, or one that already has a
 * compression with this pack, is skipped, which makes a retried batch harmless.
 * A vector holding NaN or an infinity is never stored: the whole batch is refused
 * (StoreError INVALID_INPUT), since one such vector makes the profile's mean NaN.
 * Returns how many were added.
 */
export function addCompressions(db: Database, packId: string, k: number, dim: number, items: readonly NewCompression[]): number {
  const getDoc = stmt(db, 'SELECT profile_id, kind FROM documents WHERE id = ?');
  const ins = stmt(db, 'INSERT INTO compressions (document_id, pack_id, k, dim, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  return db
    .transaction((): number => {
      let added = 0;
      for (const it of items) {
        if (it.data.length !== k * dim) throw new Error(`compression of document ${it.documentId} has ${it.data.length} floats, expected ${k}*${dim}`);
        const bad = firstNonFinite(it.data);
        if (bad >= 0) throw new StoreError('INVALID_INPUT', `compression of document ${it.documentId} holds a non-finite value (${it.data[bad]} at index ${bad}); not stored`);
        const d = getDoc.get(it.documentId) as { profile_id: number; kind: DocKind } | undefined;
        if (!d) continue;
        if (ins.run(it.documentId, packId, k, dim, f32ToBlob(it.data)).changes === 0) continue;
        applyToMean(db, d.profile_id, packId, d.kind, k, dim, it.data, 1);
        added++;
      }
      return added;
    })
    .immediate();
}

/** The next documents (by id, after a cursor) that have no compression with a pack. */
export function pendingDocuments(db: Database, packId: string, afterId: number, limit: number): Array<{ id: number; text: string }> {
  return stmt(db, 'SELECT d.id, d.text FROM documents d WHERE d.id > ? AND NOT EXISTS (SELECT 1 FROM compressions c WHERE c.document_id = d.id AND c.pack_id = ?) ORDER BY d.id LIMIT ?').all(
    afterId,
    packId,
    limit,
  ) as Array<{ id: number; text: string }>;
}

/** How many documents (all profiles) have / lack a compression with a pack. */
export function compressionTotals(db: Database, packId: string): { total: number; done: number; pending: number } {
  const total = (stmt(db, 'SELECT count(*) AS n FROM documents').get() as { n: number }).n;
  const done = (stmt(db, 'SELECT count(*) AS n FROM compressions WHERE pack_id = ?').get(packId) as { n: number }).n;
  return { total, done, pending: total - done };
}

/** Whether a document has a committed compression with a pack. */
export function hasCompression(db: Database, documentId: number, packId: string): boolean {
  return stmt(db, 'SELECT 1 FROM compressions WHERE document_id = ? AND pack_id = ?').get(documentId, packId) !== undefined;
}

/** Compressed / pending counts of one profile for a pack. */
export function profileCompressionCounts(db: Database, profileId: number, packId: string): { compressed: number; pending: number } {
  const r = stmt(
    db,
    `SELECT count(*) AS total,
       (SELECT count(*) FROM compressions c JOIN documents d2 ON d2.id = c.document_id WHERE d2.profile_id = ? AND c.pack_id = ?) AS done
     FROM documents WHERE profile_id = ?`,
  ).get(profileId, packId, profileId) as { total: number; done: number };
  return { compressed: r.done, pending: r.total - r.done };
}

/** Compressed count among the documents of one import, for its progress. */
export function importCompressedCount(db: Database, importId: number, packId: string): number {
  return (
    stmt(db, 'SELECT count(*) AS n FROM documents d JOIN compressions c ON c.document_id = d.id AND c.pack_id = ? WHERE d.import_id = ?').get(packId, importId) as {
      n: number;
    }
  ).n;
}
