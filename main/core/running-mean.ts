// The merge step of ComMer: a profile's style is the element-wise mean of its
// documents' compressions. Keeping the float64 sum and a count makes adding or
// removing a document O(k*d) regardless of how many documents the profile has,
// and float64 keeps thousands of add/remove cycles from drifting.

/** Running element-wise sum and count over fixed-length vectors. */
export class RunningMean {
  readonly sum: Float64Array;
  private n: number;

  constructor(length: number, sum?: Float64Array, count = 0) {
    if (!Number.isInteger(length) || length <= 0) throw new RangeError(`length must be a positive integer, got ${length}`);
    if (sum && sum.length !== length) throw new RangeError(`sum has length ${sum.length}, expected ${length}`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    this.sum = sum ? Float64Array.from(sum) : new Float64Array(length);
    this.n = count;
  }

  /** Restore from a stored sum and count (e.g. a database row). */
  static fromState(sum: Float64Array, count: number): RunningMean {
    return new RunningMean(sum.length, sum, count);
  }

  get count(): number {
    return this.n;
  }

  get length(): number {
    return this.sum.length;
  }

  /** Add a vector; one holding NaN or an infinity is refused, since it would poison the sum for good. */
  add(v: ArrayLike<number>): void {
    this.check(v);
    const bad = firstNonFinite(v);
    if (bad >= 0) throw new RangeError(`vector holds a non-finite value (${v[bad]} at index ${bad})`);
    for (let i = 0; i < this.sum.length; i++) this.sum[i]! += v[i]!;
    this.n++;
  }

  /** Take back a vector that was added before. */
  remove(v: ArrayLike<number>): void {
    this.check(v);
    if (this.n === 0) throw new RangeError('cannot remove from an empty running mean');
    for (let i = 0; i < this.sum.length; i++) this.sum[i]! -= v[i]!;
    this.n--;
    // An exact zero once the last vector leaves, rather than rounding residue.
    if (this.n === 0) this.sum.fill(0);
  }

  /** The mean as float32 (what the model consumes), or null when empty. */
  mean(): Float32Array | null {
    if (this.n === 0) return null;
    const out = new Float32Array(this.sum.length);
    const inv = 1 / this.n;
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i]! * inv;
    return out;
  }

  private check(v: ArrayLike<number>): void {
    if (v.length !== this.sum.length) {
      throw new RangeError(`vector has length ${v.length}, expected ${this.sum.length}`);
    }
  }
}

/** Index of the first NaN or infinity in `v`, or -1 when every value is finite. */
export function firstNonFinite(v: ArrayLike<number>): number {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return i;
  return -1;
}

/** Mean of equal-length vectors with float64 accumulation; null for none. */
export function meanOf(vectors: readonly ArrayLike<number>[]): Float32Array | null {
  if (vectors.length === 0) return null;
  const rm = new RunningMean(vectors[0]!.length);
  for (const v of vectors) rm.add(v);
  return rm.mean();
}

/**
 * Mean pooling of a [seq, dim] row-major matrix over the rows whose mask is
 * non-zero (all rows when no mask). Returns zeros when every row is masked.
 */
export function meanPool(x: ArrayLike<number>, seq: number, dim: number, mask?: ArrayLike<number>): Float32Array {
  if (x.length !== seq * dim) throw new RangeError(`matrix has ${x.length} values, expected ${seq}x${dim}`);
  if (mask && mask.length !== seq) throw new RangeError(`mask has length ${mask.length}, expected ${seq}`);
  const acc = new Float64Array(dim);
  let n = 0;
  for (let t = 0; t < seq; t++) {
    if (mask && !mask[t]) continue;
    n++;
    const base = t * dim;
    for (let j = 0; j < dim; j++) acc[j]! += x[base + j]!;
  }
  const out = new Float32Array(dim);
  if (n > 0) for (let j = 0; j < dim; j++) out[j] = acc[j]! / n;
  return out;
}
