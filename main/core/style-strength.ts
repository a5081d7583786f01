// Style strength ("how much of me"): the merge a restyle conditions on, moved
// along the line from a reference mean (the pack's average compression over many
// training persons' documents of one kind: a generic writer of tweets, of
// articles) to the person's own mean:
//
//   merged(s) = reference + s * (personMean - reference),   s in [0, 1]
//
// s = 1 is the person's mean exactly (today's restyle); s = 0 is the reference,
// the style of nobody in particular. Both ends stay inside the space the
// generator was trained on (means of compressions), which a plain scaling of the
// person's mean towards zero would leave: no compression is near zero.

/** The strength a request without one gets: the person's own mean, unchanged. */
export const DEFAULT_STRENGTH = 1;

/** The steps the UI offers, with their labels (evaluation measures the same steps). */
export const STRENGTH_STEPS: readonly { value: number; label: string }[] = [
  { value: 0, label: 'generic' },
  { value: 0.25, label: 'a little me' },
  { value: 0.5, label: 'half me' },
  { value: 0.75, label: 'mostly me' },
  { value: 1, label: 'fully me' },
];

/** The label of the nearest UI step, e.g. 0.5 -> 'half me'. */
export function strengthLabel(s: number): string {
  let best = STRENGTH_STEPS[0]!;
  for (const step of STRENGTH_STEPS) if (Math.abs(step.value - s) < Math.abs(best.value - s)) best = step;
  return best.label;
}

/** Why `s` is not a strength, or null when it is one (a finite number from 0 to 1). */
export function strengthProblem(s: unknown): string | null {
  if (typeof s !== 'number' || !Number.isFinite(s)) return `strength must be a number from 0 (generic) to 1 (fully me), got ${JSON.stringify(s) ?? String(s)}`;
  if (s < 0 || s > 1) return `strength must be from 0 (generic) to 1 (fully me), got ${s}`;
  return null;
}

/**
 * reference + s * (mean - reference), element-wise, computed in float64 and
 * returned as float32 (what the model consumes). s = 1 returns a copy of `mean`
 * and s = 0 a copy of `reference`, bit for bit, so the ends are exactly the
 * person's merge and the reference.
 */
export function blendTowards(reference: ArrayLike<number>, mean: ArrayLike<number>, s: number): Float32Array {
  const problem = strengthProblem(s);
  if (problem) throw new RangeError(problem);
  if (reference.length !== mean.length) throw new RangeError(`the reference has ${reference.length} values but the person's mean has ${mean.length}; they come from different packs`);
  if (s === 1) return Float32Array.from(mean);
  if (s === 0) return Float32Array.from(reference);
  const out = new Float32Array(mean.length);
  for (let i = 0; i < out.length; i++) out[i] = reference[i]! + s * (mean[i]! - reference[i]!);
  return out;
}
