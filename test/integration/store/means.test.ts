import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  openDatabase,
  createProfile,
  insertDocuments,
  addCompressions,
  deleteDocuments,
  deleteProfile,
  getMean,
  computeMeansFromScratch,
  recomputeMeans,
  pendingDocuments,
  meanOfDocuments,
  applyToMean,
  f32ToBlob,
  StoreError,
  type Database,
} from '../../../main/store/index.js';
import { tempDir, seededVector } from './helpers.js';

const K = 4;
const DIM = 16;

function maxDiffAgainstScratch(db: Database): { diff: number; groups: number } {
  const fresh = computeMeansFromScratch(db);
  let diff = 0;
  for (const g of fresh.values()) {
    const m = getMean(db, g.profileId, g.packId, [g.kind]);
    assert.ok(m, `running mean missing for ${g.profileId}/${g.packId}/${g.kind}`);
    assert.equal(m.count, g.count);
    for (let i = 0; i < g.sum.length; i++) diff = Math.max(diff, Math.abs(m.mean[i]! - g.sum[i]! / g.count));
  }
  const rows = (db.prepare('SELECT count(*) AS n FROM profile_means').get() as { n: number }).n;
  assert.equal(rows, fresh.size, 'a running-mean row exists without compressions behind it');
  return { diff, groups: fresh.size };
}

/** A running-sum blob as an older version left it after adding non-finite vectors. */
function nanSum(n: number, value = Number.NaN): Buffer {
  return Buffer.from(new Float64Array(n).fill(value).buffer);
}

describe('running means', () => {
  test('equal a recompute to 1e-6 after random adds and deletes over two packs', () => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'c.db'));
    try {
      const a = createProfile(db, 'alice').id;
      const b = createProfile(db, 'bob').id;
      let seed = 1;
      let rng = 12345;
      const rand = () => (rng = (rng * 1103515245 + 12345) % 2147483648) / 2147483648;
      for (let round = 0; round < 30; round++) {
        for (const p of [a, b]) {
          const docs = Array.from({ length: 1 + Math.floor(rand() * 20) }, (_, i) => ({
            kind: (rand() < 0.7 ? 'tweet' : 'article') as 'tweet' | 'article',
            text: `round ${round} profile ${p} doc ${i} ${rand()}`,
            source: 'test',
          }));
          insertDocuments(db, p, docs);
        }
        for (const pack of ['pack-a', 'pack-b']) {
          const pending = pendingDocuments(db, pack, 0, 1000);
          const chosen = pending.filter(() => rand() < 0.8);
          addCompressions(
            db,
            pack,
            K,
            DIM,
            chosen.map((d) => ({ documentId: d.id, data: seededVector(seed++, K * DIM) })),
          );
        }
        const ids = (db.prepare('SELECT id FROM documents').all() as Array<{ id: number }>).map((r) => r.id).filter(() => rand() < 0.15);
        deleteDocuments(db, ids);
      }
      const { diff, groups } = maxDiffAgainstScratch(db);
      assert.ok(groups >= 6, `expected groups for 2 profiles x 2 packs x 2 kinds, got ${groups}`);
      assert.ok(diff <= 1e-6, `running mean differs from recompute by ${diff}`);
      const stats = recomputeMeans(db);
      assert.ok(stats.maxAbsDiff <= 1e-6);
      assert.equal(stats.groups, groups);
      assert.ok(maxDiffAgainstScratch(db).diff <= 1e-6);
    } finally {
      db.close();
      t.cleanup();
    }
  });

  test('adding the same compression twice counts it once; deleting all drops the row', () => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'c.db'));
    try {
      const p = createProfile(db, 'me').id;
      insertDocuments(db, p, [
        { kind: 'tweet', text: 'one', source: 's' },
        { kind: 'tweet', text: 'two', source: 's' },
      ]);
      const [d1, d2] = pendingDocuments(db, 'x', 0, 10);
      const v1 = seededVector(1, K * DIM);
      const v2 = seededVector(2, K * DIM);
      assert.equal(addCompressions(db, 'x', K, DIM, [{ documentId: d1!.id, data: v1 }]), 1);
      assert.equal(
        addCompressions(db, 'x', K, DIM, [
          { documentId: d1!.id, data: v1 },
          { documentId: d2!.id, data: v2 },
        ]),
        1,
      );
      const m = getMean(db, p, 'x', ['tweet'])!;
      assert.equal(m.count, 2);
      assert.ok(Math.abs(m.mean[5]! - (v1[5]! + v2[5]!) / 2) < 1e-7);
      deleteDocuments(db, [d1!.id]);
      const m1 = getMean(db, p, 'x', ['tweet'])!;
      assert.equal(m1.count, 1);
      assert.ok(Math.abs(m1.mean[5]! - v2[5]!) < 1e-7);
      deleteDocuments(db, [d2!.id]);
      assert.equal(getMean(db, p, 'x', ['tweet']), null);
      assert.throws(() => addCompressions(db, 'x', K, DIM, [{ documentId: 1, data: new Float32Array(3) }]), /expected 4\*16/);
    } finally {
      db.close();
      t.cleanup();
    }
  });

  test('deleting a profile removes its documents, compressions and means, not other profiles', () => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'c.db'));
    try {
      const a = createProfile(db, 'a').id;
      const b = createProfile(db, 'b').id;
      insertDocuments(db, a, [{ kind: 'tweet', text: 'same text', source: 's' }]);
      insertDocuments(db, b, [{ kind: 'tweet', text: 'same text', source: 's' }]);
      const pend = pendingDocuments(db, 'x', 0, 10);
      addCompressions(
        db,
        'x',
        K,
        DIM,
        pend.map((d, i) => ({ documentId: d.id, data: seededVector(i, K * DIM) })),
      );
      deleteProfile(db, a);
      assert.equal(getMean(db, a, 'x', ['tweet']), null);
      assert.equal(getMean(db, b, 'x', ['tweet'])!.count, 1);
      assert.equal((db.prepare('SELECT count(*) AS n FROM compressions').get() as { n: number }).n, 1);
      assert.equal(maxDiffAgainstScratch(db).groups, 1);
    } finally {
      db.close();
      t.cleanup();
    }
  });

  test('a compression holding NaN or an infinity is never stored: the batch is refused whole and the mean stays as it was', () => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'c.db'));
    try {
      const p = createProfile(db, 'me').id;
      insertDocuments(db, p, [
        { kind: 'tweet', text: 'one', source: 's' },
        { kind: 'tweet', text: 'two', source: 's' },
        { kind: 'tweet', text: 'three', source: 's' },
      ]);
      const [d1, d2, d3] = pendingDocuments(db, 'x', 0, 10);
      const v1 = seededVector(1, K * DIM);
      addCompressions(db, 'x', K, DIM, [{ documentId: d1!.id, data: v1 }]);
      for (const poison of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const bad = seededVector(2, K * DIM);
        bad[7] = poison;
        assert.throws(
          () =>
            addCompressions(db, 'x', K, DIM, [
              { documentId: d2!.id, data: seededVector(3, K * DIM) },
              { documentId: d3!.id, data: bad },
            ]),
          (e: unknown) => e instanceof StoreError && e.code === 'INVALID_INPUT' && new RegExp(`document ${d3!.id} holds a non-finite value \\(${poison} at index 7\\); not stored`).test(e.message),
        );
      }
      assert.deepEqual(
        pendingDocuments(db, 'x', 0, 10).map((d) => d.id),
        [d2!.id, d3!.id],
        'nothing of the refused batch was stored',
      );
      const m = getMean(db, p, 'x', ['tweet'])!;
      assert.equal(m.count, 1);
      assert.deepEqual(Array.from(m.mean), Array.from(v1));
    } finally {
      db.close();
      t.cleanup();
    }
  });

  test('a NaN mean left by NaN compressions (as an older version stored them) is repaired by recompute on read', () => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'c.db'));
    try {
      const p = createProfile(db, 'me').id;
      insertDocuments(
        db,
        p,
        Array.from({ length: 210 }, (_, i) => ({ kind: 'tweet' as const, text: `doc ${i}`, source: 's' })),
      );
      const docs = pendingDocuments(db, 'x', 0, 1000);
      const good = docs.slice(0, 10).map((d, i) => ({ documentId: d.id, data: seededVector(100 + i, K * DIM) }));
      addCompressions(db, 'x', K, DIM, good);
      // What the old store did with 200 NaN vectors: rows written, each added to the running sum (which the store now refuses).
      const nan = new Float32Array(K * DIM).fill(Number.NaN);
      const ins = db.prepare('INSERT INTO compressions (document_id, pack_id, k, dim, data) VALUES (?, ?, ?, ?, ?)');
      db.transaction(() => {
        for (const d of docs.slice(10)) ins.run(d.id, 'x', K, DIM, f32ToBlob(nan));
        db.prepare('UPDATE profile_means SET count = ?, sum = ? WHERE profile_id = ?').run(210, nanSum(K * DIM), p);
      })();
      const stored = db.prepare('SELECT sum FROM profile_means WHERE profile_id = ?').get(p) as { sum: Buffer };
      assert.ok(Number.isNaN(stored.sum.readDoubleLE(0)), 'the setup must leave a NaN running sum behind');
      assert.equal(
        meanOfDocuments(
          db,
          'x',
          docs.map((d) => d.id),
        )!.count,
        10,
        'the relevant-N merge leaves NaN compressions out',
      );

      const m = getMean(db, p, 'x', ['tweet'])!;
      assert.equal(m.count, 10);
      for (let i = 0; i < K * DIM; i++) {
        const want = good.reduce((acc, g) => acc + g.data[i]!, 0) / good.length;
        assert.ok(Math.abs(m.mean[i]! - want) < 1e-6, `element ${i}: ${m.mean[i]} vs ${want}`);
      }
      // The NaN rows are gone, so their documents are compressed again by the queue.
      assert.equal(pendingDocuments(db, 'x', 0, 1000).length, 200);
      assert.ok(maxDiffAgainstScratch(db).diff <= 1e-6);
    } finally {
      db.close();
      t.cleanup();
    }
  });

  test('recompute reports non-finite means as repaired and drops non-finite compressions', () => {
    const t = tempDir();
    const db = openDatabase(join(t.dir, 'c.db'));
    try {
      const p = createProfile(db, 'me').id;
      insertDocuments(db, p, [
        { kind: 'tweet', text: 'one', source: 's' },
        { kind: 'article', text: 'two', source: 's' },
      ]);
      const [d1, d2] = pendingDocuments(db, 'x', 0, 10);
      addCompressions(db, 'x', K, DIM, [{ documentId: d1!.id, data: seededVector(1, K * DIM) }]);
      const inf = seededVector(2, K * DIM);
      inf[0] = Number.NEGATIVE_INFINITY;
      db.prepare('INSERT INTO compressions (document_id, pack_id, k, dim, data) VALUES (?, ?, ?, ?, ?)').run(d2!.id, 'x', K, DIM, f32ToBlob(inf));
      db.prepare("INSERT INTO profile_means (profile_id, pack_id, kind, count, k, dim, sum) VALUES (?, 'x', 'article', 1, ?, ?, ?)").run(p, K, DIM, nanSum(K * DIM, Number.NEGATIVE_INFINITY));
      assert.throws(() => applyToMean(db, p, 'x', 'article', K, DIM, inf, 1), /non-finite value \(-Infinity at index 0\)/, 'the running sum itself refuses it');
      const r = recomputeMeans(db);
      assert.deepEqual({ groups: r.groups, documents: r.documents, repaired: r.repaired, dropped: r.dropped }, { groups: 1, documents: 1, repaired: 1, dropped: 1 });
      assert.ok(r.maxAbsDiff <= 1e-6);
      assert.equal(getMean(db, p, 'x', ['article']), null);
      assert.deepEqual(
        pendingDocuments(db, 'x', 0, 10).map((d) => d.id),
        [d2!.id],
      );
    } finally {
      db.close();
      t.cleanup();
    }
  });
});
