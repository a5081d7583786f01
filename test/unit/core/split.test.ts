// Parity of the TypeScript person split with models/commer/data.py's, on the shared
// data, against test/fixtures/eval/split.json (written by Python, command in its _from).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newsSplit, splitPersons, tweetSplit } from '../../../main/core/eval/split.js';
import { newsFromJsonl, tweetsFromJsonl } from '../../../main/core/eval/shared-data.js';

const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const fx = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/eval/split.json', import.meta.url)), 'utf8')) as {
  tweets: Record<'train' | 'val' | 'test', string[]>;
  news: Record<'train' | 'val' | 'test', string[]>;
};
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const dataDir = [join(repoRoot, '..', 'shared', 'data'), join(repoRoot, 'shared', 'data')].find((d) => existsSync(join(d, 'tweets', 'users40.jsonl')));

describe('person split (data.py make_split)', () => {
  test('tweets: the same train / val / test users as Python', () => {
    assert.ok(dataDir, 'shared/data not found beside the checkout');
    const users = [...tweetsFromJsonl(readFileSync(join(dataDir, 'tweets', 'users40.jsonl'), 'utf8')).keys()];
    assert.deepEqual(tweetSplit(users, sha256hex), fx.tweets);
  });

  test('news: the same train / val / test authors as Python (authors with 20+ articles)', () => {
    assert.ok(dataDir, 'shared/data not found beside the checkout');
    const byAuthor = newsFromJsonl(readFileSync(join(dataDir, 'news', 'huffpost.jsonl'), 'utf8'));
    const split = newsSplit(new Map([...byAuthor].map(([a, arts]) => [a, arts.length])), sha256hex);
    assert.deepEqual(split, fx.news);
    for (const p of split.train) assert.ok(!split.test.includes(p) && !split.val.includes(p), p);
  });

  test('a split that would leave no training person is refused', () => {
    assert.throws(() => splitPersons(['a', 'b', 'c'], 1, 2, sha256hex), /leaves no training persons/);
    const s = splitPersons(['a', 'b', 'c', 'd'], 1, 2, sha256hex);
    assert.deepEqual([...s.train, ...s.val, ...s.test].sort(), ['a', 'b', 'c', 'd']);
  });
});
