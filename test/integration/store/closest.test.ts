// "Why it sounds like you" in the store: the documents closest to a suggestion by FTS5 BM25,
// with the words they share marked, on a real SQLite file; and a document's Library position.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  openDatabase,
  createProfile,
  insertDocuments,
  addCompressions,
  pendingDocuments,
  closestDocuments,
  documentPosition,
  listDocuments,
  parseMarkedSnippet,
  type Database,
} from '../../../main/store/index.js';
import { tempDir, seededVector } from './helpers.js';

const PACK = 'pack-a';
const TEXTS = [
  'The dog ran to the park with a red ball.', // 0: dog, park, red, ball
  'A cat sat on the warm mat all day.', // 1: shares only "the" with the query below
  'Our dog loves the park; the park loves our dog.', // 2: dog x2, park x2
  'Rain fell on the quiet town.', // 3
  'Red balloons over the park at dawn.', // 4: red, park
];

describe('closest documents by BM25, and a document’s Library position', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Database;
  let me: number;
  let other: number;
  let ids: number[];
  before(() => {
    tmp = tempDir();
    db = openDatabase(join(tmp.dir, 'c.db'));
    me = createProfile(db, 'me').id;
    other = createProfile(db, 'other').id;
    insertDocuments(
      db,
      me,
      TEXTS.map((text) => ({ kind: 'tweet' as const, text, source: 't' })),
    );
    insertDocuments(db, other, [{ kind: 'tweet', text: 'dog park dog park red ball', source: 'o' }]);
    insertDocuments(db, me, [{ kind: 'article', text: 'An article about the dog park and a red ball, at length.', source: 'a' }]);
    ids = (db.prepare('SELECT id FROM documents WHERE profile_id = ? AND kind = ? ORDER BY id').all(me, 'tweet') as Array<{ id: number }>).map((r) => r.id);
    // Every document learned except tweet 4: only learned ones can explain the style.
    const pending = pendingDocuments(db, PACK, 0, 100).filter((d) => d.id !== ids[4]);
    addCompressions(
      db,
      PACK,
      2,
      4,
      pending.map((d, i) => ({ documentId: d.id, data: seededVector(i + 1, 8) })),
    );
  });
  after(() => {
    db.close();
    tmp.cleanup();
  });

  const q = { profileId: 0, kinds: ['tweet'] as const, packId: PACK, limit: 3 };

  test('best first by BM25, only the profile’s learned documents of the asked kinds, at most the limit', () => {
    const rows = closestDocuments(db, { ...q, profileId: me, text: 'My dog and the park' });
    // Tweet 2 says dog and park twice each, tweet 0 once each; tweets 1 and 3 share only "the", a function
    // word that makes nobody's style; tweet 4 (park) is not learned; the other profile's tweet and the article are out of scope.
    assert.deepEqual(
      rows.map((r) => r.id),
      [ids[2], ids[0]],
    );
    assert.deepEqual(
      closestDocuments(db, { ...q, profileId: me, text: 'My dog and the park', limit: 1 }).map((r) => r.id),
      [ids[2]],
    );
    const withArticles = closestDocuments(db, { ...q, profileId: me, kinds: ['tweet', 'article'], text: 'dog park red ball' });
    assert.equal(withArticles.length, 3);
    assert.ok(
      withArticles.some((r) => r.kind === 'article'),
      JSON.stringify(withArticles),
    );
  });

  test('the shared words are marked in the snippet, whatever their case', () => {
    const [best] = closestDocuments(db, { ...q, profileId: me, text: 'DOG park' });
    assert.equal(best!.snippet, TEXTS[2]);
    assert.deepEqual(
      best!.marks.map(([a, b]) => best!.snippet.slice(a, b)),
      ['dog', 'park', 'park', 'dog'],
    );
    assert.ok(!/[\u0002\u0003]/.test(best!.snippet));
  });

  test('among: only the given documents (those a "most relevant" run merged)', () => {
    const rows = closestDocuments(db, { ...q, profileId: me, text: 'dog park', among: [ids[0]!, ids[3]!] });
    assert.deepEqual(
      rows.map((r) => r.id),
      [ids[0]],
    );
    assert.deepEqual(closestDocuments(db, { ...q, profileId: me, text: 'dog park', among: [] }), []);
  });

  test('nothing shared, nothing returned; a text of punctuation is no query', () => {
    assert.deepEqual(closestDocuments(db, { ...q, profileId: me, text: 'zebras xylophone' }), []);
    assert.deepEqual(closestDocuments(db, { ...q, profileId: me, text: '!!! ...' }), []);
    assert.deepEqual(closestDocuments(db, { ...q, profileId: me, text: 'the and of' }), []);
    // User punctuation is never FTS syntax: "OR" is a word here, park* the word park.
    assert.deepEqual(
      closestDocuments(db, { ...q, profileId: me, text: '"dog" OR park*' }).map((r) => r.id),
      [ids[2], ids[0]],
    );
  });

  test('parseMarkedSnippet turns FTS5 markers into ranges', () => {
    assert.deepEqual(parseMarkedSnippet('a \u0002dog\u0003 and \u0002cat\u0003…'), {
      snippet: 'a dog and cat…',
      marks: [
        [2, 5],
        [10, 13],
      ],
    });
    assert.deepEqual(parseMarkedSnippet('no marks'), { snippet: 'no marks', marks: [] });
  });

  test('documentPosition is the row the document has in the unfiltered Library list', () => {
    const list = listDocuments(db, { profileId: me, offset: 0, limit: 100, packId: PACK }).items.map((d) => d.id);
    for (const id of list) assert.equal(documentPosition(db, id)!.index, list.indexOf(id), `document ${id}`);
    assert.equal(documentPosition(db, ids[0]!)!.row.text, TEXTS[0]);
    assert.equal(documentPosition(db, 999_999), null);
  });
});
