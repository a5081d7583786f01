import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../main/core/rng.js';

describe('createRng', () => {
  test('the same seed gives the same sequence', () => {
    const a = createRng(42);
    const b = createRng(42);
    for (let i = 0; i < 1000; i++) assert.equal(a.nextUint32(), b.nextUint32());
  });

  test('different seeds give different sequences', () => {
    const a = Array.from({ length: 8 }, createRng(1).next);
    const b = Array.from({ length: 8 }, createRng(2).next);
    assert.notDeepEqual(a, b);
  });

  test('next() stays in [0, 1) and is roughly uniform', () => {
    const r = createRng(7);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      bins[Math.floor(x * 10)]++;
    }
    for (const c of bins) assert.ok(Math.abs(c - 10_000) < 500, `bin count ${c}`);
  });

  test('seed 0 works (the all-zero state is avoided)', () => {
    const r = createRng(0);
    const xs = new Set(Array.from({ length: 100 }, () => r.nextUint32()));
    assert.ok(xs.size > 90);
  });

  test('a non-finite seed is refused', () => {
    assert.throws(() => createRng(Number.NaN), /finite/);
  });
});
