import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { Rng } from '../../../main/core/rng.js';
import { createRng } from '../../../main/core/rng.js';
import { applyRepetitionPenalty, applyTemperature, argmax, resolveSampling, sampleIndex, softmaxSubset, TokenSampler, topIndices, topPCount } from '../../../main/core/sampling.js';

/** An Rng that returns fixed values, so sampling outcomes are hand-computable. */
function fixedRng(...values: number[]): Rng {
  let i = 0;
  return { next: () => values[i++ % values.length]!, nextUint32: () => 0 };
}

describe('argmax', () => {
  test('finds the largest, first on ties, within a window', () => {
    assert.equal(argmax([1, 3, 2]), 1);
    assert.equal(argmax([5, 5, 1]), 0);
    assert.equal(argmax(new Float32Array([9, 0, 1, 7, 1]), 1, 4), 2); // window [0,1,7]
  });
});

describe('repetition penalty', () => {
  test('divides positive and multiplies negative logits once per distinct id', () => {
    const x = new Float32Array([2, -1, 0.5, 3]);
    applyRepetitionPenalty(x, [0, 1, 0, 0], 4, 2, new Uint8Array(4));
    assert.deepEqual(Array.from(x), [1, -2, 0.5, 3]);
  });
  test('penalty 1 changes nothing', () => {
    const x = new Float32Array([2, -1]);
    applyRepetitionPenalty(x, [0, 1], 2, 1, new Uint8Array(2));
    assert.deepEqual(Array.from(x), [2, -1]);
  });
  test('the scratch is left clean for the next call', () => {
    const seen = new Uint8Array(3);
    applyRepetitionPenalty(new Float32Array([1, 1, 1]), [2, 1], 2, 2, seen);
    assert.deepEqual(Array.from(seen), [0, 0, 0]);
  });
});

describe('temperature, top-k, softmax, top-p', () => {
  test('temperature divides', () => {
    const x = new Float32Array([2, -4]);
    applyTemperature(x, 2);
    assert.deepEqual(Array.from(x), [1, -2]);
  });

  test('topIndices returns the k largest in order, ties by lower index', () => {
    const x = new Float32Array([0.1, 0.9, 0.5, 0.9, -1, 0.3, 0.2, 0.0, 0.05, 0.04]);
    const order = new Uint32Array(10);
    assert.equal(topIndices(x, 2, order), 2);
    assert.deepEqual(Array.from(order.subarray(0, 2)), [1, 3]);
    assert.equal(topIndices(x, 10, order), 10);
    assert.deepEqual(Array.from(order), [1, 3, 2, 5, 6, 0, 8, 9, 7, 4]);
  });

  test('softmax over a subset matches hand values', () => {
    const x = new Float32Array([Math.log(1), Math.log(3), Math.log(6)]);
    const order = Uint32Array.of(2, 1, 0);
    const p = new Float64Array(3);
    softmaxSubset(x, order, 3, p);
    assert.ok(Math.abs(p[0]! - 0.6) < 1e-7 && Math.abs(p[1]! - 0.3) < 1e-7 && Math.abs(p[2]! - 0.1) < 1e-7);
  });

  test('top-p keeps the smallest prefix reaching p', () => {
    const p = Float64Array.of(0.6, 0.3, 0.1);
    assert.equal(topPCount(p, 3, 0.5), 1);
    assert.equal(topPCount(p, 3, 0.6), 1);
    assert.equal(topPCount(p, 3, 0.61), 2);
    assert.equal(topPCount(p, 3, 0.95), 3);
    assert.equal(topPCount(p, 3, 1), 3);
  });

  test('sampleIndex walks the cumulative distribution', () => {
    const p = Float64Array.of(0.6, 0.3, 0.1);
    assert.equal(sampleIndex(p, 3, fixedRng(0.0)), 0);
    assert.equal(sampleIndex(p, 3, fixedRng(0.59)), 0);
    assert.equal(sampleIndex(p, 3, fixedRng(0.61)), 1);
    assert.equal(sampleIndex(p, 3, fixedRng(0.95)), 2);
    // Only the first two kept: u * 0.9 decides.
    assert.equal(sampleIndex(p, 2, fixedRng(0.7)), 1); // 0.63 > 0.6
  });
});

describe('resolveSampling', () => {
  test('defaults to greedy with everything off', () => {
    assert.deepEqual(resolveSampling({}), { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1 });
  });
  test('names the bad field', () => {
    assert.throws(() => resolveSampling({ temperature: -1 }), /temperature/);
    assert.throws(() => resolveSampling({ topK: 1.5 }), /topK/);
    assert.throws(() => resolveSampling({ topP: 0 }), /topP/);
    assert.throws(() => resolveSampling({ topP: 1.1 }), /topP/);
    assert.throws(() => resolveSampling({ repetitionPenalty: 0 }), /repetitionPenalty/);
    assert.throws(() => resolveSampling({ temperature: Number.NaN }), /temperature/);
  });
});

describe('TokenSampler', () => {
  const logits = new Float32Array([Math.log(0.1), Math.log(0.6), Math.log(0.3)]);

  test('greedy reads the row at the offset', () => {
    const s = new TokenSampler(3, {}, createRng(1));
    const rows = new Float32Array([5, 0, 0, ...logits]);
    assert.equal(s.pick(rows, 0, [], 0), 0);
    assert.equal(s.pick(rows, 3, [], 0), 1);
  });

  test('greedy with a repetition penalty avoids the repeated token', () => {
    const s = new TokenSampler(3, { repetitionPenalty: 100 }, createRng(1));
    const x = new Float32Array([1, 1.5, 1.2]);
    assert.equal(s.pick(x, 0, [1], 1), 2);
    assert.deepEqual(Array.from(x), [1, 1.5, Math.fround(1.2)], 'the model buffer is not modified');
  });

  test('temperature 1 sampling follows the hand-computed distribution (0.6, 0.3, 0.1 sorted)', () => {
    // sorted: id1 0.6, id2 0.3, id0 0.1
    assert.equal(new TokenSampler(3, { temperature: 1 }, fixedRng(0.5)).pick(logits, 0, [], 0), 1);
    assert.equal(new TokenSampler(3, { temperature: 1 }, fixedRng(0.7)).pick(logits, 0, [], 0), 2);
    assert.equal(new TokenSampler(3, { temperature: 1 }, fixedRng(0.95)).pick(logits, 0, [], 0), 0);
  });

  test('top-k 1 is greedy whatever the draw', () => {
    for (const u of [0, 0.5, 0.999]) assert.equal(new TokenSampler(3, { temperature: 1, topK: 1 }, fixedRng(u)).pick(logits, 0, [], 0), 1);
  });

  test('top-p 0.8 never returns the 0.1 token', () => {
    // keeps 0.6 and 0.3 (cum 0.9 >= 0.8); u=0.95 -> 0.855 of 0.9 -> id2
    assert.equal(new TokenSampler(3, { temperature: 1, topP: 0.8 }, fixedRng(0.95)).pick(logits, 0, [], 0), 2);
  });

  test('seeded sampling is reproducible and matches the distribution', () => {
    const counts = [0, 0, 0];
    const s = new TokenSampler(3, { temperature: 1 }, createRng(123));
    for (let i = 0; i < 20_000; i++) counts[s.pick(logits, 0, [], 0)]!++;
    assert.ok(Math.abs(counts[1]! / 20_000 - 0.6) < 0.02, String(counts));
    assert.ok(Math.abs(counts[0]! / 20_000 - 0.1) < 0.02, String(counts));
    const a = new TokenSampler(3, { temperature: 0.7 }, createRng(5));
    const b = new TokenSampler(3, { temperature: 0.7 }, createRng(5));
    for (let i = 0; i < 100; i++) assert.equal(a.pick(logits, 0, [], 0), b.pick(logits, 0, [], 0));
  });

  test('a low temperature sharpens toward the argmax', () => {
    const s = new TokenSampler(3, { temperature: 0.05 }, createRng(9));
    for (let i = 0; i < 200; i++) assert.equal(s.pick(logits, 0, [], 0), 1);
  });
});
