// The pack's reference means: per document kind, the mean compression over many
// *training* persons' documents (data.py's split: never a validation or test
// person), computed through the app runtime. Style strength blends a person's mean
// towards it ("generic"), see core/style-strength.ts.
//
// Each person gives the same number of documents (the first `perPerson` in a
// hash order of their documents), so a prolific person does not outweigh the rest.

import { createHash } from 'node:crypto';
import { RunningMean } from '../core/running-mean.js';
import { articleDocument, hashOrder } from '../core/eval/select.js';
import { pyCollapseSpaces } from '../core/eval/py-text.js';
import { newsSplit, tweetSplit } from '../core/eval/split.js';
import type { ReferenceKind } from '../core/pack-manifest.js';
import type { CommerModel } from '../runtime/index.js';
import type { EvalData } from './data.js';

const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

export interface ReferenceOptions {
  /** Documents per person (default 16). */
  perPerson?: number;
  /** 'train' (default): data.py's training persons of the file; 'all': every person (for a file of training persons only). */
  split?: 'train' | 'all';
  /** Persons never to use (e.g. the evaluation persons of a file that is not the shared data). */
  exclude?: readonly string[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface ReferenceMean {
  kind: ReferenceKind;
  mean: Float32Array;
  documents: number;
  persons: string[];
}

/** Every person's documents as the evaluation sees them: tweets (spaces collapsed) or `headline — short_description`. */
function documentsOf(data: EvalData): { kind: ReferenceKind; docs: Map<string, string[]> } {
  if (data.kind === 'tweets') return { kind: 'tweet', docs: new Map([...data.persons].map(([p, ts]) => [p, ts.map(pyCollapseSpaces)])) };
  return { kind: 'article', docs: new Map([...data.persons].map(([p, arts]) => [p, arts.map(articleDocument)])) };
}

/** The persons a reference may use: data.py's training split of the file (or all), minus `exclude`. */
export function referencePersons(data: EvalData, split: 'train' | 'all', exclude: readonly string[] = []): string[] {
  const { docs } = documentsOf(data);
  const drop = new Set(exclude);
  let persons: string[];
  if (split === 'all') persons = [...docs.keys()].filter(Boolean);
  else if (data.kind === 'tweets') persons = tweetSplit([...docs.keys()], sha256hex).train;
  else persons = newsSplit(new Map([...data.persons].map(([a, arts]) => [a, arts.length])), sha256hex).train;
  return persons.filter((p) => !drop.has(p));
}

/** Compress `perPerson` documents of each reference person and average them, in float64 as the store does. */
export async function buildReference(model: CommerModel, data: EvalData, o: ReferenceOptions = {}): Promise<ReferenceMean> {
  const perPerson = o.perPerson ?? 16;
  if (!Number.isInteger(perPerson) || perPerson < 1) throw new RangeError(`documents per person must be a positive integer, got ${perPerson}`);
  const { kind, docs } = documentsOf(data);
  const persons = referencePersons(data, o.split ?? 'train', o.exclude);
  if (!persons.length) throw new RangeError(`no ${kind} person is left to build a reference from`);
  const texts = persons.flatMap((p) => {
    const all = docs.get(p)!;
    return hashOrder(all.length, `reference-docs:${kind}:${p}`, sha256hex)
      .slice(0, perPerson)
      .map((i) => all[i]!);
  });
  const rm = new RunningMean(model.info.k * model.info.dim);
  const batch = 16;
  for (let i = 0; i < texts.length; i += batch) {
    if (o.signal?.aborted) throw new Error('building the reference was cancelled');
    const chunk = texts.slice(i, i + batch);
    for (const v of await model.compress(chunk, { batchSize: batch, signal: o.signal })) rm.add(v);
    o.onProgress?.(Math.min(texts.length, i + batch), texts.length);
  }
  return { kind, mean: rm.mean()!, documents: rm.count, persons };
}
