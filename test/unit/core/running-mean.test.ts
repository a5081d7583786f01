import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../main/core/rng.js';
import { meanOf, meanPool, RunningMean } from '../../../main/core/running-mean.js';

function randVec(rng: ReturnType<typeof createRng>, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.next() * 4 - 2);
}

describe('RunningMean', () => {
  test('add/remove in a random sequence agrees with a full recompute within 1e-6', () => {
    const rng = createRng(2024);
    const dim = 4 * 64;
    const rm = new RunningMean(dim);
    const live: Float32Array[] = [];
    for (let step = 0; step < 3000; step++) {
      if (live.length > 0 && rng.next() < 0.4) {
        const i = Math.floor(rng.next() * live.length);
        rm.remove(live[i]!);
        live.splice(i, 1);
      } else {
        const v = randVec(rng, dim);
        rm.add(v);
        live.push(v);
      }
      if (step % 250 === 0 || step === 2999) {
        assert.equal(rm.count, live.length);
        const want = meanOf(live);
        const got = rm.mean();
        if (want === null) assert.equal(got, null);
        else for (let j = 0; j < dim; j++) assert.ok(Math.abs(got![j]! - want[j]!) < 1e-6, `step ${step} j ${j}`);
      }
    }
  });

  test('the mean of hand values', () => {
    const rm = new RunningMean(2);
    rm.add([1, 2]);
    rm.add([3, 6]);
    assert.deepEqual(Array.from(rm.mean()!), [2, 4]);
    rm.remove([1, 2]);
    assert.deepEqual(Array.from(rm.mean()!), [3, 6]);
    rm.remove([3, 6]);
    assert.equal(rm.mean(), null);
    assert.deepEqual(Array.from(rm.sum), [0, 0]);
  });

  test('restores from stored state', () => {
    const rm = RunningMean.fromState(Float64Array.of(3, 9), 3);
    assert.deepEqual(Array.from(rm.mean()!), [1, 3]);
  });

  test('refuses wrong lengths and removing from empty', () => {
    const rm = new RunningMean(3);
    assert.throws(() => rm.add([1, 2]), /length 2, expected 3/);
    assert.throws(() => rm.remove([1, 2, 3]), /empty/);
    assert.throws(() => new RunningMean(0), /positive/);
    assert.throws(() => RunningMean.fromState(Float64Array.of(1), -1), /count/);
  });
});

describe('meanPool', () => {
  test('averages rows, honouring the mask', () => {
    const x = [1, 2, 3, 4, 100, 100];
    assert.deepEqual(Array.from(meanPool(x, 3, 2)), [(1 + 3 + 100) / 3, (2 + 4 + 100) / 3].map(Math.fround));
    assert.deepEqual(Array.from(meanPool(x, 3, 2, [1, 1, 0])), [2, 3]);
    assert.deepEqual(Array.from(meanPool(x, 3, 2, [0, 0, 0])), [0, 0]);
  });
  test('checks sizes', () => {
    assert.throws(() => meanPool([1, 2, 3], 2, 2), /expected 2x2/);
    assert.throws(() => meanPool([1, 2], 1, 2, [1, 1]), /mask/);
  });
});
