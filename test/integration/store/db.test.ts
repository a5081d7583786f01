import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  openDatabase,
  schemaVersion,
  LATEST_SCHEMA_VERSION,
  createProfile,
  renameProfile,
  insertDocuments,
  listDocuments,
  deleteDocuments,
  relevantDocumentIds,
  addCompressions,
  pendingDocuments,
  StoreError,
} from '../../../main/store/index.js';
import { tempDir, seededVector } from './helpers.js';

test('a new database is migrated to the latest version with WAL and foreign keys; reopening keeps the data', () => {
  const t = tempDir();
  try {
    const file = join(t.dir, 'sub', 'c.db');
    let db = openDatabase(file);
    assert.equal(schemaVersion(db), LATEST_SCHEMA_VERSION);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    const p = createProfile(db, 'Me');
    insertDocuments(db, p.id, [{ kind: 'tweet', text: 'kept across reopen', source: 's' }]);
    db.close();
    db = openDatabase(file);
    assert.equal(listDocuments(db, { profileId: p.id, offset: 0, limit: 10, packId: null }).total, 1);
    assert.throws(
      () => createProfile(db, 'me'),
      (e: unknown) => e instanceof StoreError && e.code === 'CONFLICT',
    );
    assert.throws(
      () => renameProfile(db, 999, 'x'),
      (e: unknown) => e instanceof StoreError && e.code === 'NOT_FOUND',
    );
    assert.throws(() => db.prepare("INSERT INTO documents (profile_id, kind, text, source, sha256) VALUES (999, 'tweet', 'x', 's', 'h')").run(), /FOREIGN KEY/);
    db.close();
  } finally {
    t.cleanup();
  }
});

test('duplicates by normalized content add nothing; whitespace-only changes count as the same document', () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'c.db'));
  try {
    const p = createProfile(db, 'me').id;
    assert.deepEqual(
      insertDocuments(db, p, [
        { kind: 'tweet', text: 'Hello  world', source: 'a' },
        { kind: 'tweet', text: ' Hello world\n', source: 'b' },
      ]),
      { inserted: 1, duplicates: 1 },
    );
    assert.deepEqual(insertDocuments(db, p, [{ kind: 'article', text: 'Hello\tworld', source: 'c' }]), { inserted: 0, duplicates: 1 });
    assert.deepEqual(insertDocuments(db, p, [{ kind: 'tweet', text: 'hello world', source: 'd' }]), { inserted: 1, duplicates: 0 }, 'case is content');
  } finally {
    db.close();
    t.cleanup();
  }
});

test('FTS5 follows inserts and deletes; relevance ranks by BM25 and only compressed documents take part', () => {
  const t = tempDir();
  const db = openDatabase(join(t.dir, 'c.db'));
  try {
    const p = createProfile(db, 'me').id;
    insertDocuments(db, p, [
      { kind: 'tweet', text: 'coffee coffee coffee in the morning', source: 's' },
      { kind: 'tweet', text: 'a walk in the rain', source: 's' },
      { kind: 'tweet', text: 'coffee and a long walk', source: 's' },
      { kind: 'article', text: 'an essay about coffee', source: 's' },
    ]);
    const q = (search: string) => listDocuments(db, { profileId: p, search, offset: 0, limit: 10, packId: null }).items.map((d) => d.text);
    assert.deepEqual(q('coffee walk'), ['coffee and a long walk']);
    const ids = pendingDocuments(db, 'x', 0, 10) as Array<{ id: number; text: string }>;
    addCompressions(
      db,
      'x',
      1,
      2,
      ids.slice(0, 3).map((d) => ({ documentId: d.id, data: seededVector(d.id, 2) })),
    );
    const rel = relevantDocumentIds(db, p, 'Coffee, please!', 5, ['tweet'], 'x');
    assert.deepEqual(rel, [ids[0]!.id, ids[2]!.id], 'most coffee first; the article and the rain tweet left out');
    assert.deepEqual(relevantDocumentIds(db, p, 'essay coffee', 5, ['article'], 'x'), [], 'the article has no compression yet');
    deleteDocuments(db, [ids[0]!.id]);
    assert.deepEqual(q('morning'), []);
    assert.equal(q('coffee').length, 2);
    db.prepare("INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)").run();
  } finally {
    db.close();
    t.cleanup();
  }
});
