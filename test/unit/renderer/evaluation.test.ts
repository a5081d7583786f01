// The Model page's reading of a report's style-strength curve (renderer/src/lib/evaluation.ts).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readEvaluation, readStrengthCurve } from '../../../renderer/src/lib/evaluation.js';

const section = (ppl: number[]) => ({
  n_persons: 2,
  commer_by_docs: [{ n_docs: 0, ppl: 20, rouge_l: null }],
  commer_strength_curve: { n_docs: 8, strengths: [0, 0.5, 1], ppl, monotonic: true, persons_monotonic: 1, persons: 2, no_documents_ppl: 20 },
});

describe('readStrengthCurve', () => {
  test('reads the points in strength order and works out monotonic itself', () => {
    const c = readStrengthCurve(section([18, 15, 13]))!;
    assert.deepEqual(
      c.points.map((p) => [p.strength, p.ppl]),
      [
        [0, 18],
        [0.5, 15],
        [1, 13],
      ],
    );
    assert.equal(c.monotonic, true);
    assert.equal(c.nDocs, 8);
    assert.equal(c.personsMonotonic, 1);
    assert.equal(c.noDocumentsPpl, 20);
    assert.equal(c.targetsPerPerson, null);
    assert.equal(readStrengthCurve({ ...section([3, 2, 1]), strength_targets_per_person: 6 })!.targetsPerPerson, 6);
    // The report's own flag is not trusted: a rise anywhere is not monotonic.
    assert.equal(readStrengthCurve(section([18, 19, 13]))!.monotonic, false);
  });

  test('absent or malformed curves are null, and readEvaluation carries the curve per task', () => {
    assert.equal(readStrengthCurve({}), null);
    assert.equal(readStrengthCurve({ commer_strength_curve: { strengths: [0], ppl: [1] } }), null);
    assert.equal(readStrengthCurve({ commer_strength_curve: { strengths: [0, 1], ppl: ['x', 2] } }), null);
    const tasks = readEvaluation({ paraphrase: section([3, 2, 1]), headline: { commer_by_docs: [{ n_docs: 0, ppl: 5, rouge_l: null }] } });
    assert.equal(tasks.find((t) => t.task === 'paraphrase')!.strength!.points.length, 3);
    assert.equal(tasks.find((t) => t.task === 'headline')!.strength, null);
  });
});
