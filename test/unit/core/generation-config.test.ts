// Generation options are checked in one place, at the call: defaults, and a
// specific error naming each bad field.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_CANDIDATES, resolveGeneration } from '../../../main/core/generation-config.js';
import { TokenSampler } from '../../../main/core/sampling.js';
import { createRng } from '../../../main/core/rng.js';

const defaults = { maxNewTokens: 48, randomSeed: () => 1234 };

describe('resolveGeneration', () => {
  test('defaults: one greedy candidate, the pack limit, no stops, a drawn seed', () => {
    assert.deepEqual(resolveGeneration({}, defaults), {
      n: 1,
      maxNewTokens: 48,
      minNewTokens: 0,
      seed: 1234,
      stop: [],
      sampling: { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1 },
    });
  });

  test('given values are kept; the random seed is drawn only when none is given', () => {
    let draws = 0;
    const c = resolveGeneration(
      { n: 3, maxNewTokens: 5, minNewTokens: 2, seed: 0, stop: ['\n'], temperature: 0.7, topK: 40, topP: 0.9, repetitionPenalty: 1.1 },
      { maxNewTokens: 48, randomSeed: () => ++draws },
    );
    assert.equal(draws, 0);
    assert.deepEqual(c, { n: 3, maxNewTokens: 5, minNewTokens: 2, seed: 0, stop: ['\n'], sampling: { temperature: 0.7, topK: 40, topP: 0.9, repetitionPenalty: 1.1 } });
  });

  test('the stop list is a copy: changing the caller array later changes nothing', () => {
    const stop = ['a'];
    const c = resolveGeneration({ stop }, defaults);
    stop.push('b');
    assert.deepEqual(c.stop, ['a']);
  });

  test('each bad field is named', () => {
    const bad: Array<[object, RegExp]> = [
      [{ n: 0 }, /^n must be an integer from 1 to 16, got 0$/],
      [{ n: MAX_CANDIDATES + 1 }, /n must be an integer/],
      [{ n: 1.5 }, /n must be an integer/],
      [{ maxNewTokens: 0 }, /^maxNewTokens must be a positive integer, got 0$/],
      [{ maxNewTokens: 2.5 }, /maxNewTokens/],
      [{ minNewTokens: -1 }, /^minNewTokens must be a non-negative integer, got -1$/],
      [{ seed: Number.POSITIVE_INFINITY }, /^seed must be a finite number/],
      [{ seed: Number.NaN }, /seed/],
      [{ temperature: -0.1 }, /temperature/],
      [{ topK: -1 }, /topK/],
      [{ topP: 0 }, /topP/],
      [{ repetitionPenalty: 0 }, /repetitionPenalty/],
    ];
    for (const [o, re] of bad)
      assert.throws(
        () => resolveGeneration(o, defaults),
        (e: Error) => e instanceof RangeError && re.test(e.message),
        JSON.stringify(o),
      );
    assert.throws(() => resolveGeneration({ stop: [1 as never] }, defaults), { name: 'TypeError', message: 'stop must be an array of strings' });
    assert.throws(() => resolveGeneration({ stop: 'x' as never }, defaults), { message: 'stop must be an array of strings' });
  });

  test('a bad default maxNewTokens is refused like a bad option', () => {
    assert.throws(() => resolveGeneration({}, { maxNewTokens: 0, randomSeed: () => 1 }), /maxNewTokens/);
  });

  test('the resolved sampling settings build samplers as they are', () => {
    const c = resolveGeneration({ temperature: 0.5 }, defaults);
    assert.equal(new TokenSampler(3, c.sampling, createRng(c.seed)).settings, c.sampling);
  });
});
