// The one place generation options are checked (transformers' GenerationConfig):
// a request's options are resolved once, at the call, into typed settings that the
// decode loop and its parts (samplers, processors, stopping criteria) take as they are.

import { resolveSampling, type ResolvedSampling, type SamplingOptions } from './sampling.js';

/** The most candidates one call decodes together. */
export const MAX_CANDIDATES = 16;

export interface GenerationOptions extends SamplingOptions {
  /** Default: the pack's limit. */
  maxNewTokens?: number;
  /** Stop tokens are banned until this many tokens exist (default 0). */
  minNewTokens?: number;
  /** Seed for sampling. Default: drawn by the caller's `randomSeed`. */
  seed?: number;
  /** Strings that end a candidate; they are not part of its text. */
  stop?: string[];
  /** Number of candidates (default 1). */
  n?: number;
}

export interface GenerationConfig {
  n: number;
  /** As asked (or the default); the runtime may lower it to the positions left. */
  maxNewTokens: number;
  minNewTokens: number;
  seed: number;
  stop: readonly string[];
  sampling: ResolvedSampling;
}

/**
 * Apply defaults and check every field; throws a RangeError (TypeError for a
 * wrong type of `stop`) naming the bad field. `randomSeed` is called only when no
 * seed is given.
 */
export function resolveGeneration(o: GenerationOptions, defaults: { maxNewTokens: number; randomSeed: () => number }): GenerationConfig {
  const n = o.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > MAX_CANDIDATES) throw new RangeError(`n must be an integer from 1 to ${MAX_CANDIDATES}, got ${n}`);
  const maxNewTokens = o.maxNewTokens ?? defaults.maxNewTokens;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  const minNewTokens = o.minNewTokens ?? 0;
  if (!Number.isInteger(minNewTokens) || minNewTokens < 0) throw new RangeError(`minNewTokens must be a non-negative integer, got ${minNewTokens}`);
  const seed = o.seed ?? defaults.randomSeed();
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  const sampling = resolveSampling(o);
  if (o.stop !== undefined && (!Array.isArray(o.stop) || o.stop.some((s) => typeof s !== 'string'))) throw new TypeError('stop must be an array of strings');
  return { n, maxNewTokens, minNewTokens, seed, stop: o.stop ? [...o.stop] : [], sampling };
}
