// The CLI's option parsers: 0 is accepted where it means something (a seed, top-k off,
// perplexity only, default threads) and refused where it would ask for nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { nonNegativeInt, num, positiveInt } from '../../../main/cli/args.js';

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

// restyle's -n is read with num and range-checked by the restyle:start schema (test/integration/app/same-errors.test.ts).
test('num is any finite number', () => {
  assert.equal(num('-0.25'), -0.25);
  assert.throws(() => num('Infinity'), /a number/);
});
