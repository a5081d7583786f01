import type { Database } from 'better-sqlite3';
import { firstNonFinite } from '../core/running-mean.js';
import { stmt } from './db.js';
import { StoreError } from './errors.js';
import { applyToMean } from './means.js';
import { f32ToBlob } from './vectors.js';
import type { DocKind } from '../core/inputs.js';

/** SQL condition on a documents row `d`: its import was not cancelled (imports.held), so it may be learned. */
export const NOT_HELD = 'NOT EXISTS (SELECT 1 FROM imports i WHERE i.id = d.import_id AND i.held = 1)';

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
 * A document whose import the user cancelled meanwhile is skipped too: a batch that
 * was in flight at the cancel adds nothing of it. Returns how many were added.
 */
export function addCompressions(db: Database, packId: string, k: number, dim: number, items: readonly NewCompression[]): number {
  const getDoc = stmt(db, `SELECT profile_id, kind FROM documents d WHERE id = ? AND ${NOT_HELD}`);
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

const UNCOMPRESSED = 'NOT EXISTS (SELECT 1 FROM compressions c WHERE c.document_id = d.id AND c.pack_id = ?)';

/** The next documents (by id, after a cursor) that have no compression with a pack and are not held back by a cancelled import. */
export function pendingDocuments(db: Database, packId: string, afterId: number, limit: number): Array<{ id: number; text: string }> {
  return stmt(db, `SELECT d.id, d.text FROM documents d WHERE d.id > ? AND ${UNCOMPRESSED} AND ${NOT_HELD} ORDER BY d.id LIMIT ?`).all(afterId, packId, limit) as Array<{
    id: number;
    text: string;
  }>;
}

/**
 * How many documents (all profiles) have / lack a compression with a pack. `held`
 * documents (kept from a cancelled import, not learned) are in neither `pending`
 * nor `total`: the queue will not learn them, so they are not work left.
 */
export function compressionTotals(db: Database, packId: string): { total: number; done: number; pending: number; held: number } {
  const all = (stmt(db, 'SELECT count(*) AS n FROM documents').get() as { n: number }).n;
  const done = (stmt(db, 'SELECT count(*) AS n FROM compressions WHERE pack_id = ?').get(packId) as { n: number }).n;
  const held = heldUncompressed(db, packId, null);
  const pending = all - done - held;
  return { total: done + pending, done, pending, held };
}

/** Whether a document has a committed compression with a pack. */
export function hasCompression(db: Database, documentId: number, packId: string): boolean {
  return stmt(db, 'SELECT 1 FROM compressions WHERE document_id = ? AND pack_id = ?').get(documentId, packId) !== undefined;
}

/**
 * Documents (of one profile, or all) that are not compressed with the pack because
 * their import was cancelled. Counting them walks every held document (tens of ms for
 * a cancelled 50,000-tweet import), and the queue asks with every batch; but the count
 * can only change when documents come or go, compressions of the pack come or go, or a
 * hold is set or lifted. So it is kept per database and recounted only when the
 * cheap fingerprint of those changes (all read from indexes) moves.
 */
function heldUncompressed(db: Database, packId: string, profileId: number | null): number {
  const f = stmt(
    db,
    `SELECT (SELECT count(*) || ':' || total(id) FROM imports WHERE held = 1) AS holds,
       (SELECT count(*) FROM documents) AS docs, (SELECT max(id) FROM documents) AS last,
       (SELECT count(*) FROM compressions WHERE pack_id = ?) AS comps`,
  ).get(packId) as { holds: string; docs: number; last: number | null; comps: number };
  if (f.holds.startsWith('0:')) return 0;
  const fingerprint = `${f.holds}|${f.docs}|${f.last}|${f.comps}`;
  let cache = heldCounts.get(db);
  if (!cache) heldCounts.set(db, (cache = new Map()));
  const key = `${packId}\u0000${profileId ?? ''}`;
  const hit = cache.get(key);
  if (hit?.fingerprint === fingerprint) return hit.n;
  const n = (
    stmt(
      db,
      `SELECT count(*) AS n FROM documents d
       WHERE d.import_id IN (SELECT id FROM imports WHERE held = 1) AND (? IS NULL OR d.profile_id = ?) AND ${UNCOMPRESSED}`,
    ).get(profileId, profileId, packId) as { n: number }
  ).n;
  if (cache.size > 256) cache.clear();
  cache.set(key, { fingerprint, n });
  return n;
}
const heldCounts = new WeakMap<Database, Map<string, { fingerprint: string; n: number }>>();

/** Compressed / pending / held counts of one profile for a pack (held: kept from a cancelled import, not learned, not pending). */
export function profileCompressionCounts(db: Database, profileId: number, packId: string): { compressed: number; pending: number; held: number } {
  const r = stmt(
    db,
    `SELECT count(*) AS total,
       (SELECT count(*) FROM compressions c JOIN documents d2 ON d2.id = c.document_id WHERE d2.profile_id = ? AND c.pack_id = ?) AS done
     FROM documents WHERE profile_id = ?`,
  ).get(profileId, packId, profileId) as { total: number; done: number };
  const held = heldUncompressed(db, packId, profileId);
  return { compressed: r.done, pending: r.total - r.done - held, held };
}

/**
 * Documents still to be learned up to and including an import's last document: the
 * queue goes by id, so this is the work left before that import is learned.
 */
export function pendingThroughImport(db: Database, importId: number, packId: string): number {
  const last = (stmt(db, 'SELECT max(id) AS id FROM documents WHERE import_id = ?').get(importId) as { id: number | null }).id;
  if (last === null) return 0;
  return (stmt(db, `SELECT count(*) AS n FROM documents d WHERE d.id <= ? AND ${UNCOMPRESSED} AND ${NOT_HELD}`).get(last, packId) as { n: number }).n;
}

/** Compressed count among the documents of one import, for its progress. */
export function importCompressedCount(db: Database, importId: number, packId: string): number {
  return (
    stmt(db, 'SELECT count(*) AS n FROM documents d JOIN compressions c ON c.document_id = d.id AND c.pack_id = ? WHERE d.import_id = ?').get(packId, importId) as {
      n: number;
    }
  ).n;
}
