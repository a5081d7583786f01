import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../main/core/rng.js';
import { blendTowards, DEFAULT_STRENGTH, STRENGTH_STEPS, strengthLabel, strengthProblem } from '../../../main/core/style-strength.js';

const vec = (rng: ReturnType<typeof createRng>, n: number) => Float32Array.from({ length: n }, () => rng.next() * 6 - 3);

describe('style strength', () => {
  test('the ends are the reference and the person mean, bit for bit', () => {
    const rng = createRng(7);
    const ref = vec(rng, 4 * 64);
    const mean = vec(rng, 4 * 64);
    assert.deepEqual(blendTowards(ref, mean, 1), mean);
    assert.deepEqual(blendTowards(ref, mean, 0), ref);
    // Copies, never the caller's arrays (a caller may mutate the stored mean's buffer).
    assert.notEqual(blendTowards(ref, mean, 1), mean);
    assert.notEqual(blendTowards(ref, mean, 0).buffer, ref.buffer);
  });

  test('in between: on the line from the reference to the mean, at the fraction asked', () => {
    const ref = Float32Array.from([0, 10, -4, 2]);
    const mean = Float32Array.from([4, 0, 4, 2]);
    assert.deepEqual(Array.from(blendTowards(ref, mean, 0.25)), [1, 7.5, -2, 2]);
    assert.deepEqual(Array.from(blendTowards(ref, mean, 0.5)), [2, 5, 0, 2]);
    const rng = createRng(11);
    const r = vec(rng, 512);
    const m = vec(rng, 512);
    for (const s of [0.1, 0.25, 0.5, 0.75, 0.9]) {
      const b = blendTowards(r, m, s);
      for (let i = 0; i < b.length; i++) {
        // distance to the reference is s of the whole way, to the mean 1 - s
        assert.ok(Math.abs(b[i]! - r[i]! - s * (m[i]! - r[i]!)) < 1e-5, `s=${s} i=${i}`);
      }
    }
  });

  test('a step up moves every value monotonically from reference to mean', () => {
    const rng = createRng(3);
    const r = vec(rng, 256);
    const m = vec(rng, 256);
    const steps = STRENGTH_STEPS.map((x) => blendTowards(r, m, x.value));
    for (let i = 0; i < r.length; i++) {
      const dir = Math.sign(m[i]! - r[i]!);
      for (let k = 1; k < steps.length; k++) assert.ok(dir * (steps[k]![i]! - steps[k - 1]![i]!) >= 0, `i=${i} step ${k}`);
    }
  });

  test('bad strengths and mismatched vectors are refused with a clear message', () => {
    const a = new Float32Array(8);
    for (const bad of [-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => blendTowards(a, a, bad), /strength must be/);
    }
    assert.match(strengthProblem('0.5')!, /must be a number from 0 \(generic\) to 1 \(fully me\), got "0.5"/);
    assert.match(strengthProblem(undefined)!, /got undefined/);
    assert.match(strengthProblem(2)!, /got 2/);
    assert.equal(strengthProblem(0), null);
    assert.equal(strengthProblem(DEFAULT_STRENGTH), null);
    assert.throws(() => blendTowards(new Float32Array(8), new Float32Array(16), 0.5), /reference has 8 values but the person's mean has 16; they come from different packs/);
  });

  test('labels: the UI steps from generic to fully me, nearest step for other values', () => {
    assert.deepEqual(
      STRENGTH_STEPS.map((s) => s.value),
      [0, 0.25, 0.5, 0.75, 1],
    );
    assert.equal(strengthLabel(0), 'generic');
    assert.equal(strengthLabel(1), 'fully me');
    assert.equal(strengthLabel(0.5), 'half me');
    assert.equal(strengthLabel(0.7), 'mostly me');
  });
});
