import type { Database } from 'better-sqlite3';
import { firstNonFinite, RunningMean } from '../core/running-mean.js';
import { stmt } from './db.js';
import { blobToF32, blobToF64, f64ToBlob } from './vectors.js';
import type { DocKind } from '../core/inputs.js';

interface MeanRow {
  count: number;
  k: number;
  dim: number;
  sum: Buffer;
}

/**
 * Adds (sign 1) or removes (sign -1) one compression from the running sum of
 * (profile, pack, kind). O(k*dim), independent of how many documents the profile
 * has. Callers run it inside the transaction that inserts or deletes the
 * compression row, so the mean and the rows never disagree.
 */
export function applyToMean(db: Database, profileId: number, packId: string, kind: DocKind, k: number, dim: number, vec: Float32Array, sign: 1 | -1): void {
  const row = stmt(db, 'SELECT count, k, dim, sum FROM profile_means WHERE profile_id = ? AND pack_id = ? AND kind = ?').get(profileId, packId, kind) as MeanRow | undefined;
  if (row && (row.k !== k || row.dim !== dim)) {
    throw new Error(`compression shape [${k},${dim}] differs from the mean's [${row.k},${row.dim}] for pack ${packId}`);
  }
  if (!row && sign < 0) throw new Error(`running mean missing for profile ${profileId}, pack ${packId}, ${kind}`);
  const rm = row ? RunningMean.fromState(blobToF64(row.sum), row.count) : new RunningMean(k * dim);
  if (sign > 0) rm.add(vec);
  else rm.remove(vec);
  if (rm.count === 0) {
    // Dropping the row at zero resets any floating-point residue instead of carrying it forward.
    stmt(db, 'DELETE FROM profile_means WHERE profile_id = ? AND pack_id = ? AND kind = ?').run(profileId, packId, kind);
  } else if (!row) {
    stmt(db, 'INSERT INTO profile_means (profile_id, pack_id, kind, count, k, dim, sum) VALUES (?, ?, ?, ?, ?, ?, ?)').run(profileId, packId, kind, rm.count, k, dim, f64ToBlob(rm.sum));
  } else {
    stmt(db, 'UPDATE profile_means SET count = ?, sum = ? WHERE profile_id = ? AND pack_id = ? AND kind = ?').run(rm.count, f64ToBlob(rm.sum), profileId, packId, kind);
  }
}

export interface Mean {
  count: number;
  k: number;
  dim: number;
  /** The element-wise mean, float32 [k*dim] as the runtime takes it. */
  mean: Float32Array;
}

/**
 * The running mean of a profile for a pack over the given kinds combined; null
 * when none is compressed. A stored sum that is not finite (a NaN compression
 * written by an older version) is repaired here: the pack's means are rebuilt from
 * its compressions, the non-finite ones dropped so their documents compress again.
 */
export function getMean(db: Database, profileId: number, packId: string, kinds: readonly DocKind[]): Mean | null {
  const m = readMean(db, profileId, packId, kinds);
  if (!m || firstNonFinite(m.mean) < 0) return m;
  recomputeMeans(db, packId);
  return readMean(db, profileId, packId, kinds);
}

function readMean(db: Database, profileId: number, packId: string, kinds: readonly DocKind[]): Mean | null {
  let total = 0;
  let acc: Float64Array | null = null;
  let k = 0;
  let dim = 0;
  for (const kind of kinds) {
    const row = stmt(db, 'SELECT count, k, dim, sum FROM profile_means WHERE profile_id = ? AND pack_id = ? AND kind = ?').get(profileId, packId, kind) as MeanRow | undefined;
    if (!row) continue;
    const sum = blobToF64(row.sum);
    if (!acc) {
      acc = sum;
      k = row.k;
      dim = row.dim;
    } else for (let i = 0; i < acc.length; i++) acc[i]! += sum[i]!;
    total += row.count;
  }
  if (!acc || total === 0) return null;
  const mean = new Float32Array(acc.length);
  for (let i = 0; i < acc.length; i++) mean[i] = acc[i]! / total;
  return { count: total, k, dim, mean };
}

/**
 * Mean of specific documents' stored compressions with a pack (the "relevant N"
 * merge); null when none has one. A stored compression that is not finite is left
 * out (recomputeMeans removes it).
 */
export function meanOfDocuments(db: Database, packId: string, documentIds: readonly number[]): Mean | null {
  let acc: Float64Array | null = null;
  let n = 0;
  let k = 0;
  let dim = 0;
  const s = stmt(db, 'SELECT k, dim, data FROM compressions WHERE document_id = ? AND pack_id = ?');
  for (const id of documentIds) {
    const r = s.get(id, packId) as { k: number; dim: number; data: Buffer } | undefined;
    if (!r) continue;
    const v = blobToF32(r.data);
    if (firstNonFinite(v) >= 0) continue;
    if (!acc) {
      acc = new Float64Array(v.length);
      k = r.k;
      dim = r.dim;
    }
    for (let i = 0; i < acc.length; i++) acc[i]! += v[i]!;
    n++;
  }
  if (!acc) return null;
  const mean = new Float32Array(acc.length);
  for (let i = 0; i < acc.length; i++) mean[i] = acc[i]! / n;
  return { count: n, k, dim, mean };
}

interface Group {
  profileId: number;
  packId: string;
  kind: DocKind;
  k: number;
  dim: number;
  count: number;
  sum: Float64Array;
}

/**
 * Sums every stored compression per (profile, pack, kind) from scratch; the ground
 * truth the running sums must match. Compressions holding NaN or an infinity are
 * left out of the sums; pass `nonFinite` to collect them.
 */
export function computeMeansFromScratch(db: Database, packId?: string, nonFinite?: Array<{ documentId: number; packId: string }>): Map<string, Group> {
  const groups = new Map<string, Group>();
  const sql =
    'SELECT d.id AS documentId, d.profile_id AS profileId, c.pack_id AS packId, d.kind AS kind, c.k AS k, c.dim AS dim, c.data AS data ' +
    'FROM compressions c JOIN documents d ON d.id = c.document_id' +
    (packId === undefined ? '' : ' WHERE c.pack_id = ?');
  const it = (packId === undefined ? db.prepare(sql).iterate() : db.prepare(sql).iterate(packId)) as IterableIterator<{
    documentId: number;
    profileId: number;
    packId: string;
    kind: DocKind;
    k: number;
    dim: number;
    data: Buffer;
  }>;
  for (const r of it) {
    const v = blobToF32(r.data);
    if (firstNonFinite(v) >= 0) {
      nonFinite?.push({ documentId: r.documentId, packId: r.packId });
      continue;
    }
    const key = `${r.profileId}\u0000${r.packId}\u0000${r.kind}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { profileId: r.profileId, packId: r.packId, kind: r.kind, k: r.k, dim: r.dim, count: 0, sum: new Float64Array(r.k * r.dim) }));
    for (let i = 0; i < g.sum.length; i++) g.sum[i]! += v[i]!;
    g.count++;
  }
  return groups;
}

export interface RecomputeStats {
  groups: number;
  documents: number;
  /** Largest difference between an old and a new mean, over the old means that were finite. */
  maxAbsDiff: number;
  /** Old means that held NaN or an infinity (replaced by finite ones). */
  repaired: number;
  /** Stored compressions that held NaN or an infinity: deleted, so their documents are compressed again. */
  dropped: number;
}

/**
 * Rebuilds every running mean (or one pack's) from the compressions in one
 * transaction, and reports the largest difference between the old and new means
 * so drift or a bug shows up as a number. Non-finite compressions are deleted
 * (their documents become pending again) and non-finite means are counted as
 * repaired rather than hidden in the drift figure.
 */
export function recomputeMeans(db: Database, packId?: string): RecomputeStats {
  return db
    .transaction((): RecomputeStats => {
      const bad: Array<{ documentId: number; packId: string }> = [];
      const fresh = computeMeansFromScratch(db, packId, bad);
      const del = db.prepare('DELETE FROM compressions WHERE document_id = ? AND pack_id = ?');
      for (const b of bad) del.run(b.documentId, b.packId);
      let maxAbsDiff = 0;
      let repaired = 0;
      const old = (
        packId === undefined
          ? db.prepare('SELECT profile_id AS profileId, pack_id AS packId, kind, count, k, dim, sum FROM profile_means').all()
          : db.prepare('SELECT profile_id AS profileId, pack_id AS packId, kind, count, k, dim, sum FROM profile_means WHERE pack_id = ?').all(packId)
      ) as Array<MeanRow & { profileId: number; packId: string; kind: DocKind }>;
      const seen = new Set<string>();
      for (const o of old) {
        const key = `${o.profileId}\u0000${o.packId}\u0000${o.kind}`;
        seen.add(key);
        const g = fresh.get(key);
        const s = blobToF64(o.sum);
        if (firstNonFinite(s) >= 0) {
          repaired++;
          continue;
        }
        for (let i = 0; i < s.length; i++) {
          const d = Math.abs(s[i]! / o.count - (g ? g.sum[i]! / g.count : 0));
          if (d > maxAbsDiff) maxAbsDiff = d;
        }
      }
      // A group the running sums lack entirely differs by its whole mean.
      for (const [key, g] of fresh) {
        if (seen.has(key)) continue;
        for (let i = 0; i < g.sum.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(g.sum[i]! / g.count));
      }
      if (packId === undefined) db.prepare('DELETE FROM profile_means').run();
      else db.prepare('DELETE FROM profile_means WHERE pack_id = ?').run(packId);
      const ins = db.prepare('INSERT INTO profile_means (profile_id, pack_id, kind, count, k, dim, sum) VALUES (?, ?, ?, ?, ?, ?, ?)');
      let documents = 0;
      for (const g of fresh.values()) {
        ins.run(g.profileId, g.packId, g.kind, g.count, g.k, g.dim, f64ToBlob(g.sum));
        documents += g.count;
      }
      return { groups: fresh.size, documents, maxAbsDiff, repaired, dropped: bad.length };
    })
    .immediate();
}
