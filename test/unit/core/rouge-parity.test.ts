// main/core/rouge.ts against models/commer/rouge.py, the scorer of the reports a pack ships with:
// the same precision, recall and F1 (to 1e-9) on test/fixtures/eval/rouge.json
// (models/scripts/make_rouge_fixture.py: tweets, their neutralized inputs, and edge cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { rougeL } from '../../../main/core/rouge.js';

type Case = [candidate: string, reference: string, precision: number, recall: number, f1: number];
const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../fixtures/eval/rouge.json', import.meta.url)), 'utf8')) as { counts: Record<string, number>; cases: Case[] };

test('the fixture holds a few hundred cases of every kind', () => {
  assert.ok(fixture.cases.length >= 300, `${fixture.cases.length} cases`);
  assert.ok(fixture.counts.edge! >= 30 && fixture.counts.neutralized! >= 100 && fixture.counts.same_person! >= 100, JSON.stringify(fixture.counts));
  // Both scores that are 0 and scores that are not occur, so a scorer returning a constant cannot pass.
  assert.ok(fixture.cases.some((c) => c[4] === 0) && fixture.cases.some((c) => c[4] > 0 && c[4] < 1) && fixture.cases.some((c) => c[4] === 1));
});

test('ROUGE-L precision, recall and F1 match Python on every case (1e-9)', () => {
  const mismatches: string[] = [];
  for (const [candidate, reference, p, r, f1] of fixture.cases) {
    const got = rougeL(candidate, reference);
    const off = Math.max(Math.abs(got.precision - p), Math.abs(got.recall - r), Math.abs(got.f1 - f1));
    if (!(off <= 1e-9)) mismatches.push(`${JSON.stringify(candidate)} vs ${JSON.stringify(reference)}: TS ${JSON.stringify(got)}, Python [${p}, ${r}, ${f1}]`);
  }
  assert.deepEqual(mismatches, []);
});
