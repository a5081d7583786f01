// A cancelled import holds its documents back from learning (imports.held, schema v3):
// the queue's reads pass them by, a compression that arrives for one is not stored, and
// the counts (which are cached between changes) follow every change that can move them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  addCompressions,
  beginImport,
  compressionTotals,
  createProfile,
  deleteDocuments,
  getMean,
  getImport,
  insertDocuments,
  listHeldImports,
  openDatabase,
  pendingDocuments,
  profileCompressionCounts,
  removeImportDocuments,
  setImportHeld,
} from '../../../main/store/index.js';
import { seededVector, tempDir } from './helpers.js';

const K = 2;
const D = 3;
const docs = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'tweet' as const, text: `${tag} ${i}`, source: `${tag}.js:${i + 1}` }));

test('held documents are neither pending nor learned, and every count follows holds, inserts, compressions and deletes', () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'x.db'));
  try {
    const me = createProfile(db, 'me').id;
    const other = createProfile(db, 'other').id;
    const a = beginImport(db, me, 'a.js', 'tweets-js', {});
    const b = beginImport(db, other, 'b.js', 'tweets-js', {});
    insertDocuments(db, me, docs('a', 6), a);
    insertDocuments(db, other, docs('b', 4), b);
    // Two of a's documents learned before the cancel.
    const first = pendingDocuments(db, 'p', 0, 2);
    assert.equal(
      addCompressions(
        db,
        'p',
        K,
        D,
        first.map((d, i) => ({ documentId: d.id, data: seededVector(i, K * D) })),
      ),
      2,
    );

    assert.ok(setImportHeld(db, a, true));
    assert.deepEqual(compressionTotals(db, 'p'), { total: 6, done: 2, pending: 4, held: 4 });
    assert.deepEqual(profileCompressionCounts(db, me, 'p'), { compressed: 2, pending: 0, held: 4 });
    assert.deepEqual(profileCompressionCounts(db, other, 'p'), { compressed: 0, pending: 4, held: 0 });
    assert.deepEqual(
      pendingDocuments(db, 'p', 0, 100).map((d) => d.text),
      docs('b', 4).map((d) => d.text),
      "only b's documents are offered to the queue",
    );
    // A batch that was in flight at the cancel: a's document in it is not stored, b's is.
    const aDoc = (db.prepare('SELECT id FROM documents WHERE import_id = ? ORDER BY id DESC LIMIT 1').get(a) as { id: number }).id;
    const bDoc = pendingDocuments(db, 'p', 0, 1)[0]!.id;
    assert.equal(
      addCompressions(db, 'p', K, D, [
        { documentId: aDoc, data: seededVector(10, K * D) },
        { documentId: bDoc, data: seededVector(11, K * D) },
      ]),
      1,
    );
    assert.equal(getMean(db, me, 'p', ['tweet'])!.count, 2, "me's mean holds only what was learned before the cancel");
    assert.deepEqual(compressionTotals(db, 'p'), { total: 6, done: 3, pending: 3, held: 4 });

    // A document of the held import deleted by hand: one fewer held.
    deleteDocuments(db, [aDoc]);
    assert.deepEqual(compressionTotals(db, 'p'), { total: 6, done: 3, pending: 3, held: 3 });
    // Lifting the hold makes them pending again.
    setImportHeld(db, a, false);
    assert.deepEqual(compressionTotals(db, 'p'), { total: 9, done: 3, pending: 6, held: 0 });
    assert.deepEqual(profileCompressionCounts(db, me, 'p'), { compressed: 2, pending: 3, held: 0 });
    // Held again, then removed: nothing of a's is left, learned or not, and me's mean is gone with it.
    setImportHeld(db, a, true);
    assert.equal(compressionTotals(db, 'p').held, 3);
    let removed = 0;
    for (;;) {
      const n = removeImportDocuments(db, a, 2);
      if (!n) break;
      removed += n;
    }
    assert.equal(removed, 5);
    assert.deepEqual(compressionTotals(db, 'p'), { total: 4, done: 1, pending: 3, held: 0 });
    assert.equal(getMean(db, me, 'p', ['tweet']), null);
    assert.equal(getMean(db, other, 'p', ['tweet'])!.count, 1);
  } finally {
    db.close();
    t.cleanup();
  }
});

test('listHeldImports: per profile, only held imports with documents left, counting what is left and what the pack learned; it survives closing the file', () => {
  const t = tempDir();
  const file = join(t.dir, 'x.db');
  let db = openDatabase(file);
  try {
    const me = createProfile(db, 'me').id;
    const other = createProfile(db, 'other').id;
    const a = beginImport(db, me, 'tweets.js', 'tweets-js', {});
    const b = beginImport(db, me, 'notes.md', 'markdown', {});
    const notHeld = beginImport(db, me, 'kept.csv', 'csv', {});
    const empty = beginImport(db, me, 'nothing.js', 'tweets-js', {});
    const elsewhere = beginImport(db, other, 'theirs.js', 'tweets-js', {});
    insertDocuments(db, me, docs('a', 5), a);
    insertDocuments(db, me, docs('b', 3), b);
    insertDocuments(db, me, docs('k', 2), notHeld);
    insertDocuments(db, other, docs('o', 4), elsewhere);
    // Two of a's learned with pack p before the cancel, one with pack q.
    const aIds = (db.prepare('SELECT id FROM documents WHERE import_id = ? ORDER BY id').all(a) as Array<{ id: number }>).map((r) => r.id);
    addCompressions(
      db,
      'p',
      K,
      D,
      [0, 1].map((i) => ({ documentId: aIds[i]!, data: seededVector(i, K * D) })),
    );
    addCompressions(db, 'q', K, D, [{ documentId: aIds[4]!, data: seededVector(9, K * D) }]);
    for (const id of [a, b, empty, elsewhere]) assert.ok(setImportHeld(db, id, true));
    db.prepare("UPDATE imports SET status = 'cancelled' WHERE id IN (?, ?)").run(a, b);

    const started = getImport(db, a)!.started_at;
    assert.deepEqual(listHeldImports(db, me, 'p'), [
      { id: a, file: 'tweets.js', started_at: started, status: 'cancelled', documents: 5, learned: 2 },
      { id: b, file: 'notes.md', started_at: getImport(db, b)!.started_at, status: 'cancelled', documents: 3, learned: 0 },
    ]);
    assert.deepEqual(
      listHeldImports(db, me, 'q').map((r) => [r.id, r.learned]),
      [
        [a, 1],
        [b, 0],
      ],
    );
    assert.deepEqual(
      listHeldImports(db, me, null).map((r) => [r.id, r.documents, r.learned]),
      [
        [a, 5, 0],
        [b, 3, 0],
      ],
      'no pack: nothing counts as learned',
    );
    assert.deepEqual(
      listHeldImports(db, other, 'p').map((r) => r.file),
      ['theirs.js'],
    );

    // The list is on disk: the same after the file is closed and opened again (an app restart).
    db.close();
    db = openDatabase(file);
    assert.deepEqual(
      listHeldImports(db, me, 'p').map((r) => [r.id, r.documents, r.learned]),
      [
        [a, 5, 2],
        [b, 3, 0],
      ],
    );
    // A document deleted by hand: one fewer left. All of b removed: b is no longer listed. Lifting a's hold: nothing listed.
    deleteDocuments(db, [aIds[2]!]);
    assert.equal(listHeldImports(db, me, 'p')[0]!.documents, 4);
    while (removeImportDocuments(db, b, 2));
    assert.deepEqual(
      listHeldImports(db, me, 'p').map((r) => r.id),
      [a],
    );
    setImportHeld(db, a, false);
    assert.deepEqual(listHeldImports(db, me, 'p'), []);
    assert.equal(getImport(db, 999_999), undefined);
  } finally {
    db.close();
    t.cleanup();
  }
});
