// The CLI's option parsers: 0 is accepted where it means something (a seed, top-k off,
// perplexity only, default threads) and refused where it would ask for nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { candidates, nonNegativeInt, num, positiveInt } from '../../../main/cli/args.js';

test('nonNegativeInt takes 0 and up, and nothing else', () => {
  assert.equal(nonNegativeInt('0'), 0);
  assert.equal(nonNegativeInt('17'), 17);
  for (const bad of ['-1', '1.5', 'abc', '', ' ', 'NaN', 'Infinity']) assert.throws(() => nonNegativeInt(bad), InvalidArgumentError, bad);
});

test('positiveInt refuses 0 (and an empty value, which Number() reads as 0)', () => {
  assert.equal(positiveInt('1'), 1);
  assert.equal(positiveInt('250'), 250);
  for (const bad of ['0', '-3', '2.5', 'x', '', '  ']) assert.throws(() => positiveInt(bad), /positive integer/, bad);
});

test('candidates is 1 to 5; num is any finite number', () => {
  assert.deepEqual(['1', '5'].map(candidates), [1, 5]);
  for (const bad of ['0', '6', '2.5']) assert.throws(() => candidates(bad), /1 to 5/, bad);
  assert.equal(num('-0.25'), -0.25);
  assert.throws(() => num('Infinity'), /a number/);
});
