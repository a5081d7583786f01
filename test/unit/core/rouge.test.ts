import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { lcsLength, rougeL, rougeTokens } from '../../../main/core/rouge.js';

describe('ROUGE-L', () => {
  test('tokenises lowercase on non-alphanumerics', () => {
    assert.deepEqual(rougeTokens('Hello, World! 2x'), ['hello', 'world', '2x']);
  });
  test('LCS of hand examples', () => {
    assert.equal(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd']), 3);
    assert.equal(lcsLength([], ['a']), 0);
  });
  test('F1 of a hand example', () => {
    // cand: police killed the gunman; ref: police kill the gunman -> LCS 3 (police, the, gunman)
    const r = rougeL('police killed the gunman', 'police kill the gunman');
    assert.equal(r.precision, 0.75);
    assert.equal(r.recall, 0.75);
    assert.equal(r.f1, 0.75);
    assert.deepEqual(rougeL('', 'x'), { precision: 0, recall: 0, f1: 0 });
  });
});
