// Logits processors and samplers, the two halves of choosing a token (the split
// transformers.js and Hugging Face transformers make: LogitsProcessorList, then a
// sampler). Processors change one row of logits in place; a sampler picks an id
// from the row. Both work on caller-owned buffers so the decode loop allocates
// nothing per step. Semantics follow Hugging Face transformers' processors so that
// settings mean the same thing users know from there.

import type { Rng } from './rng.js';

export interface SamplingOptions {
  /** 0 (or below) means greedy decoding; otherwise logits are divided by it. */
  temperature?: number;
  /** Keep only the k most likely tokens (0 or undefined: no limit). */
  topK?: number;
  /** Nucleus sampling: keep the smallest set whose probability reaches p (1: off). */
  topP?: number;
  /** CTRL-style penalty (> 1 discourages repeats; 1: off). */
  repetitionPenalty?: number;
}

/** Sampling settings after defaults are applied. */
export interface ResolvedSampling {
  temperature: number;
  topK: number;
  topP: number;
  repetitionPenalty: number;
}

/** Apply defaults (greedy, no top-k/top-p, no penalty) and check ranges; throws a RangeError naming the bad field. */
export function resolveSampling(o: SamplingOptions): ResolvedSampling {
  const temperature = o.temperature ?? 0;
  const topK = o.topK ?? 0;
  const topP = o.topP ?? 1;
  const repetitionPenalty = o.repetitionPenalty ?? 1;
  if (!Number.isFinite(temperature) || temperature < 0) throw new RangeError(`temperature must be >= 0, got ${temperature}`);
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError(`topK must be a non-negative integer, got ${topK}`);
  if (!(topP > 0 && topP <= 1)) throw new RangeError(`topP must be in (0, 1], got ${topP}`);
  if (!Number.isFinite(repetitionPenalty) || repetitionPenalty <= 0) {
    throw new RangeError(`repetitionPenalty must be > 0, got ${repetitionPenalty}`);
  }
  const settings = { temperature, topK, topP, repetitionPenalty };
  RESOLVED.add(settings);
  return settings;
}

/** Settings that came out of resolveSampling: a sampler built from them does not check them again. */
const RESOLVED = new WeakSet<ResolvedSampling>();

/** Index of the largest value (first one on ties, like torch.argmax). */
export function argmax(x: ArrayLike<number>, start = 0, end = x.length): number {
  let best = start;
  let bestV = x[start]!;
  for (let i = start + 1; i < end; i++) {
    const v = x[i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best - start;
}

/**
 * Repetition penalty over the distinct ids in `history[0..len)`: a positive logit
 * is divided by the penalty, a negative one multiplied (so both move down).
 * `seen` is a caller-owned scratch of vocab size used to visit each id once.
 */
export function applyRepetitionPenalty(logits: Float32Array, history: ArrayLike<number>, len: number, penalty: number, seen: Uint8Array): void {
  if (penalty === 1) return;
  for (let i = 0; i < len; i++) {
    const id = history[i]!;
    if (seen[id]) continue;
    seen[id] = 1;
    const v = logits[id]!;
    logits[id] = v < 0 ? v * penalty : v / penalty;
  }
  for (let i = 0; i < len; i++) seen[history[i]!] = 0;
}

/** Divide logits by the temperature (> 0). */
export function applyTemperature(logits: Float32Array, temperature: number): void {
  if (temperature === 1) return;
  const inv = 1 / temperature;
  for (let i = 0; i < logits.length; i++) logits[i]! *= inv;
}

/**
 * Write into `order` the indices of the `count` largest logits, largest first, and
 * return how many were written (fewer when the vocab is smaller). Ties keep the
 * lower index first, which makes results independent of sort stability.
 */
export function topIndices(logits: Float32Array, count: number, order: Uint32Array): number {
  const n = Math.min(count, logits.length);
  if (n >= logits.length / 4) {
    // Large share of the vocab: a full sort is simplest and fast enough.
    const all = order.length >= logits.length ? order : new Uint32Array(logits.length);
    for (let i = 0; i < logits.length; i++) all[i] = i;
    const view = all.subarray(0, logits.length);
    view.sort((a, b) => logits[b]! - logits[a]! || a - b);
    if (all !== order) order.set(view.subarray(0, n));
    return n;
  }
  // Few of many: keep a sorted window of size n (insertion), O(V * small).
  let filled = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (filled === n && v <= logits[order[n - 1]!]!) continue;
    let j = filled < n ? filled++ : n - 1;
    while (j > 0 && logits[order[j - 1]!]! < v) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = i;
  }
  return filled;
}

/**
 * Softmax over `logits[order[0..n)]` into `probs[0..n)` (float64 accumulation).
 * Entries that are -Infinity get probability 0.
 */
export function softmaxSubset(logits: Float32Array, order: Uint32Array, n: number, probs: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[order[i]!]!);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[order[i]!]! - max);
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) probs[i]! /= sum;
}

/**
 * Nucleus cut on probabilities sorted in descending order: the number of leading
 * entries whose cumulative probability first reaches `topP` (at least 1).
 */
export function topPCount(sortedProbs: Float64Array, n: number, topP: number): number {
  if (topP >= 1) return n;
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum += sortedProbs[i]!;
    if (cum >= topP) return i + 1;
  }
  return n;
}

/** Draw an index from probabilities `probs[0..n)` (need not sum exactly to 1). */
export function sampleIndex(probs: Float64Array, n: number, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < n; i++) total += probs[i]!;
  const u = rng.next() * total;
  let cum = 0;
  for (let i = 0; i < n; i++) {
    cum += probs[i]!;
    if (u < cum) return i;
  }
  return n - 1;
}

// ------------------------------------------------------------------ logits processors

/**
 * Changes `logits[offset .. offset+vocab)` in place, given the ids so far
 * (`history[0..historyLen)`: the prompt's ids, then the generated ones).
 */
export interface LogitsProcessor {
  apply(logits: Float32Array, offset: number, history: ArrayLike<number>, historyLen: number): void;
}

/** Processors applied in order, as one. */
export class LogitsProcessorList implements LogitsProcessor {
  readonly processors: readonly LogitsProcessor[];

  constructor(processors: readonly LogitsProcessor[] = []) {
    this.processors = processors;
  }

  get length(): number {
    return this.processors.length;
  }

  apply(logits: Float32Array, offset: number, history: ArrayLike<number>, historyLen: number): void {
    for (const p of this.processors) p.apply(logits, offset, history, historyLen);
  }
}

/**
 * Bans the stop ids until `minNewTokens` ids follow the `promptLength` ids of the
 * prompt (transformers' MinNewTokensLengthLogitsProcessor). It writes the same
 * -Infinity whatever the candidate, so it may run on a row candidates share.
 */
export class MinNewTokensProcessor implements LogitsProcessor {
  private readonly stopIds: Int32Array;

  constructor(
    stopIds: Iterable<number>,
    private readonly minNewTokens: number,
    private readonly promptLength: number,
  ) {
    this.stopIds = Int32Array.from(stopIds);
  }

  apply(logits: Float32Array, offset: number, _history: ArrayLike<number>, historyLen: number): void {
    if (historyLen - this.promptLength >= this.minNewTokens) return;
    for (let i = 0; i < this.stopIds.length; i++) logits[offset + this.stopIds[i]!] = -Infinity;
  }
}

/** CTRL-style repetition penalty over the distinct ids so far (see applyRepetitionPenalty). */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  private readonly seen: Uint8Array;

  constructor(
    vocabSize: number,
    private readonly penalty: number,
  ) {
    this.seen = new Uint8Array(vocabSize);
  }

  apply(logits: Float32Array, offset: number, history: ArrayLike<number>, historyLen: number): void {
    applyRepetitionPenalty(offset === 0 ? logits : logits.subarray(offset, offset + this.seen.length), history, historyLen, this.penalty, this.seen);
  }
}

/** Divides the row by the temperature (> 0). */
export class TemperatureProcessor implements LogitsProcessor {
  constructor(
    private readonly temperature: number,
    private readonly vocabSize: number,
  ) {}

  apply(logits: Float32Array, offset: number): void {
    applyTemperature(offset === 0 && logits.length === this.vocabSize ? logits : logits.subarray(offset, offset + this.vocabSize), this.temperature);
  }
}

// ------------------------------------------------------------------ samplers

/** Chooses an id from `logits[offset .. offset+vocab)`. */
export interface Sampler {
  sample(logits: Float32Array, offset: number): number;
}

/** The most likely id (first on ties). */
export class GreedySampler implements Sampler {
  constructor(private readonly vocabSize: number) {}

  sample(logits: Float32Array, offset: number): number {
    return argmax(logits, offset, offset + this.vocabSize);
  }
}

/**
 * Draws from the softmax of the row, restricted to the `topK` most likely ids
 * (0: all) and then to the smallest set reaching `topP`.
 */
export class MultinomialSampler implements Sampler {
  private readonly order: Uint32Array;
  private readonly probs: Float64Array;
  private readonly keep: number;

  constructor(
    private readonly vocabSize: number,
    topK: number,
    private readonly topP: number,
    private readonly rng: Rng,
  ) {
    this.order = new Uint32Array(vocabSize);
    this.probs = new Float64Array(vocabSize);
    this.keep = topK > 0 ? Math.min(topK, vocabSize) : vocabSize;
  }

  sample(logits: Float32Array, offset: number): number {
    const x = offset === 0 && logits.length === this.vocabSize ? logits : logits.subarray(offset, offset + this.vocabSize);
    const n = topIndices(x, this.keep, this.order);
    softmaxSubset(x, this.order, n, this.probs);
    const kept = topPCount(this.probs, n, this.topP);
    return this.order[sampleIndex(this.probs, kept, this.rng)]!;
  }
}

// ------------------------------------------------------------------ one candidate's choice

/**
 * Picks the next token of one candidate from one row of logits: `shared`
 * processors on the model's row itself, then the settings' processors on a private
 * copy, then the sampler. Holds its scratch buffers so a decode loop reuses them.
 */
export class TokenSampler {
  readonly settings: ResolvedSampling;
  /** Run on the model's buffer: they must give every candidate the same row, since candidates may share one (the prefill's). */
  readonly shared: LogitsProcessorList;
  /** Run on the private copy, in order: repetition penalty, temperature. */
  readonly processors: LogitsProcessorList;
  readonly sampler: Sampler;
  private readonly scratch: Float32Array;

  /** `options` are checked unless they came from resolveSampling (a RangeError names a bad field). */
  constructor(vocabSize: number, options: SamplingOptions | ResolvedSampling, rng: Rng, shared: readonly LogitsProcessor[] = []) {
    const s = RESOLVED.has(options as ResolvedSampling) ? (options as ResolvedSampling) : resolveSampling(options);
    this.settings = s;
    this.shared = new LogitsProcessorList(shared);
    const own: LogitsProcessor[] = [];
    if (s.repetitionPenalty !== 1) own.push(new RepetitionPenaltyProcessor(vocabSize, s.repetitionPenalty));
    if (s.temperature !== 0 && s.temperature !== 1) own.push(new TemperatureProcessor(s.temperature, vocabSize));
    this.processors = new LogitsProcessorList(own);
    this.sampler = s.temperature === 0 ? new GreedySampler(vocabSize) : new MultinomialSampler(vocabSize, s.topK, s.topP, rng);
    this.scratch = new Float32Array(vocabSize);
  }

  get greedy(): boolean {
    return this.settings.temperature === 0;
  }

  /**
   * Choose a token from `logits[offset .. offset+vocab)` given the ids so far
   * (`history[0..historyLen)`).
   */
  pick(logits: Float32Array, offset: number, history: ArrayLike<number>, historyLen: number): number {
    this.shared.apply(logits, offset, history, historyLen);
    // Samplers only read the row: without processors of its own (plain greedy
    // decoding, the hot path) the candidate reads the model's buffer, no copy.
    if (this.processors.length === 0) return this.sampler.sample(logits, offset);
    const x = this.scratch;
    x.set(logits.subarray(offset, offset + x.length));
    this.processors.apply(x, 0, history, historyLen);
    return this.sampler.sample(x, 0);
  }
}
