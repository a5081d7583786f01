import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThroughputWindow } from '../../../main/core/throughput.js';

test('the rate is documents over time, not an average of per-batch rates', () => {
  const w = new ThroughputWindow(60);
  w.add(8, 4); // 2 docs/s
  w.add(8, 0.5); // a batch of short documents: 16 docs/s
  assert.equal(w.rate(), 16 / 4.5);
});

test('old batches leave the window, so the rate follows a machine that got slower', () => {
  const w = new ThroughputWindow(10);
  for (let i = 0; i < 10; i++) w.add(4, 1); // 4 docs/s for 10 s
  for (let i = 0; i < 10; i++) w.add(4, 4); // then 1 doc/s for 40 s
  assert.equal(w.rate(), 1);
  w.reset();
  assert.equal(w.rate(), 0);
});

test('the newest batch always counts, and nonsense durations are ignored', () => {
  const w = new ThroughputWindow(1);
  w.add(3, 5);
  assert.equal(w.rate(), 0.6);
  w.add(3, 0);
  w.add(3, Number.NaN);
  assert.equal(w.rate(), 0.6);
  assert.throws(() => new ThroughputWindow(0), /windowSec/);
});
