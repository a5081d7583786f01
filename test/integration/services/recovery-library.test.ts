// Two service modules on a real database: start-up recovery (recovery.ts) and the
// profile lookups and summaries (library.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as store from '../../../main/store/index.js';
import { ServiceError } from '../../../main/services/errors.js';
import { startupCleanup, UNDO_DAYS } from '../../../main/services/recovery.js';
import { profileSummary, requireProfile } from '../../../main/services/library.js';
import { tempDir } from '../store/helpers.js';

const docs = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'tweet' as const, text: `${tag} ${i}`, source: `${tag}.js:${i + 1}` }));
const importStatus = (db: store.Database, id: number) => store.listImports(db).find((r) => r.id === id)?.status;

test('startupCleanup recovers the imports of dead sessions only, and purges history deleted more than UNDO_DAYS ago', () => {
  const t = tempDir();
  const db = store.openDatabase(join(t.dir, store.DB_FILE_NAME));
  const live = store.registerSession(t.dir, 'another window');
  try {
    const p = store.createProfile(db, 'Ada');
    const dead = store.beginImport(db, p.id, 'dead.csv', 'csv', { onBadRow: 'abort' }, 'session-that-died');
    store.insertDocuments(db, p.id, docs('dead', 4), dead);
    const running = store.beginImport(db, p.id, 'live.csv', 'csv', { onBadRow: 'abort' }, live.info.id);
    store.insertDocuments(db, p.id, docs('live', 2), running);
    const gen = (output: string) => store.insertGeneration(db, { profileId: p.id, profileName: 'Ada', task: 'paraphrase', draft: 'd', output, packId: 'x', settings: {} });
    const old = gen('old');
    const recent = gen('recent');
    const kept = gen('kept');
    store.softDeleteGenerations(db, [old, recent]);
    const longAgo = new Date(Date.now() - (UNDO_DAYS + 1) * 86400_000).toISOString();
    db.prepare('UPDATE generations SET deleted_at = ? WHERE id = ?').run(longAgo, old);

    startupCleanup(db, t.dir);
    assert.equal(importStatus(db, dead), 'interrupted');
    assert.equal(importStatus(db, running), 'running');
    // The dead all-or-nothing import left nothing; the live one's documents are untouched.
    assert.equal(store.countDocuments(db, p.id).tweet, 2);
    const ids = (db.prepare('SELECT id FROM generations ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
    assert.deepEqual(ids, [recent, kept]);
    // The recent one can still be undone.
    assert.equal(store.restoreGenerations(db, [recent]), 1);
  } finally {
    live.close();
    db.close();
    t.cleanup();
  }
});

test('requireProfile says what is wrong with the id, and profileSummary counts against the active pack or none', () => {
  const t = tempDir();
  const db = store.openDatabase(join(t.dir, store.DB_FILE_NAME));
  try {
    const p = store.createProfile(db, 'Ada');
    store.insertDocuments(db, p.id, [...docs('t', 3), { kind: 'article', text: 'an article', source: 'a.md' }]);
    assert.equal(requireProfile(db, p.id).name, 'Ada');
    for (const [id, code, message] of [
      ['1', 'INVALID_INPUT', /^profileId must be an integer from 1 /],
      [0, 'INVALID_INPUT', /^profileId must be an integer/],
      [p.id + 1, 'NOT_FOUND', new RegExp(`^no profile with id ${p.id + 1}$`)],
    ] as const) {
      assert.throws(
        () => requireProfile(db, id),
        (err: unknown) => err instanceof ServiceError && err.code === code && message.test(err.message),
      );
    }
    const none = profileSummary(db, requireProfile(db, p.id), null);
    assert.deepEqual(none.docCounts, { tweet: 3, article: 1 });
    assert.deepEqual(none.compression, { packId: null, compressed: 0, pending: 4, held: 0 });
    const withPack = profileSummary(db, requireProfile(db, p.id), 'tiny-random');
    assert.equal(withPack.compression.packId, 'tiny-random');
    assert.equal(withPack.compression.compressed, 0);
    assert.equal(withPack.compression.pending, 4);
    assert.equal(withPack.name, 'Ada');
  } finally {
    db.close();
    t.cleanup();
  }
});
