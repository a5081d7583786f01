// The store's whole-data operations that the services used to run as raw SQL:
// delete all (keeping the app configuration), the WAL checkpoint, and an import's rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  beginImport,
  checkpointWal,
  countDocuments,
  createProfile,
  deleteUserData,
  getSetting,
  insertDocuments,
  insertGeneration,
  listImports,
  listProfiles,
  openDatabase,
  rollbackImport,
  setSetting,
} from '../../../main/store/index.js';
import { tempDir } from './helpers.js';

const docs = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'tweet' as const, text: `${tag} ${i}`, source: `${tag}.js:${i + 1}` }));

test('deleteUserData removes profiles, documents, history, imports and user settings, and keeps the pack, threads and filter', () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'x.db'));
  try {
    const p = createProfile(db, 'Ada');
    const imp = beginImport(db, p.id, 'a.csv', 'csv', {});
    insertDocuments(db, p.id, docs('a', 5), imp);
    insertGeneration(db, { profileId: p.id, profileName: 'Ada', task: 'paraphrase', draft: 'd', output: 'o', packId: 'x', settings: {} });
    setSetting(db, 'activePackId', 'smollm2-135m-k4');
    setSetting(db, 'threads', 2);
    setSetting(db, 'filterOffensive', false);
    setSetting(db, 'lastProfileId', p.id);

    deleteUserData(db);
    assert.deepEqual(listProfiles(db), []);
    assert.deepEqual(listImports(db), []);
    assert.equal((db.prepare('SELECT count(*) AS n FROM documents').get() as { n: number }).n, 0);
    assert.equal((db.prepare('SELECT count(*) AS n FROM generations').get() as { n: number }).n, 0);
    assert.equal(getSetting(db, 'lastProfileId', null), null);
    assert.equal(getSetting(db, 'activePackId', null), 'smollm2-135m-k4');
    assert.equal(getSetting(db, 'threads', 0), 2);
    assert.equal(getSetting(db, 'filterOffensive', true), false);

    // TRUNCATE empties the WAL file once no reader holds an older snapshot.
    assert.ok(statSync(join(t.dir, 'x.db-wal')).size > 0);
    checkpointWal(db, 'PASSIVE');
    checkpointWal(db, 'TRUNCATE');
    assert.equal(statSync(join(t.dir, 'x.db-wal')).size, 0);
  } finally {
    db.close();
    t.cleanup();
  }
});

test('rollbackImport removes every document that import inserted and nothing else', () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'x.db'));
  try {
    const p = createProfile(db, 'Ada');
    const before = beginImport(db, p.id, 'old.csv', 'csv', {});
    insertDocuments(db, p.id, docs('old', 3), before);
    const imp = beginImport(db, p.id, 'new.csv', 'csv', {});
    // 'old 0' is already there: a duplicate the new import did not insert, so it stays.
    insertDocuments(db, p.id, [...docs('old', 1), ...docs('new', 1200)], imp);
    assert.equal(countDocuments(db, p.id).tweet, 1203);
    assert.equal(rollbackImport(db, imp), 1200);
    assert.equal(countDocuments(db, p.id).tweet, 3);
    assert.equal(rollbackImport(db, imp), 0);
  } finally {
    db.close();
    t.cleanup();
  }
});
