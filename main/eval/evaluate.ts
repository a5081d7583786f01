// Evaluation of a model pack through the runtime the app uses (no training
// checkpoints): the Python evaluator's method (models/commer/evaluate.py) and its
// report.json format, on any data file of the shared formats.
//
// For each task, method and document count n, each held-out target is scored
// (perplexity of target + eos) and generated greedily (ROUGE-L against the target):
// - commer: the mean of the n profile documents' compressions (n = 0: no prefix);
// - prompt_concat: the n documents in the prompt in full;
// - prompt_concat_budget: the same, the documents' tokens cut to k;
// and `copy_input` is the ROUGE-L of returning the input unchanged.

import { createHash } from 'node:crypto';
import { createRng } from '../core/rng.js';
import { meanOf } from '../core/running-mean.js';
import { rougeL } from '../core/rouge.js';
import { blendTowards, strengthProblem } from '../core/style-strength.js';
import type { ReferenceKind } from '../core/pack-manifest.js';
import { EVAL_MAX_DOCS, evalExamples, evalPersons, headlinePersons, paraphrasePersons, type EvalExample, type EvalTask } from '../core/eval/select.js';
import type { CommerModel, TargetScore } from '../runtime/index.js';
import type { EvalData } from './data.js';

export const METHODS = ['commer', 'prompt_concat', 'prompt_concat_budget'] as const;
export type Method = (typeof METHODS)[number];

export interface EvaluateOptions {
  /** Targets per person (default 20). */
  perPerson?: number;
  /** Document counts (default 0 and 8). */
  docCounts?: number[];
  methods?: readonly Method[];
  /** Only these persons of the file (default: all with at least 2 targets). */
  persons?: string[];
  /** Greedy tokens per output for ROUGE-L (default 24); 0 skips generation. */
  maxNewTokens?: number;
  /**
   * Style strengths to score (perplexity only) at the largest document count:
   * merged = reference + s * (mean - reference), the reference being the pack's mean
   * for the task's document kind. Needs a pack with a reference; default none.
   */
  strengths?: number[];
  /** Bootstrap draws for the confidence intervals (default 2000). */
  draws?: number;
  signal?: AbortSignal;
  onProgress?: (p: { task: EvalTask; method: Method | 'compress'; n: number; strength?: number; done: number; total: number }) => void;
}

export interface Row {
  n_docs: number;
  /** Style strength of a strength row (absent on the plain rows, which are strength 1). */
  strength?: number;
  ppl: number;
  rouge_l: number | null;
  prefix_tokens: number;
  by_person: Record<string, [number, number]>;
  samples: { person: string; input: string; target: string; output: string }[];
}

/** The document kind whose reference mean a task's strength blends towards. */
export const TASK_REFERENCE_KIND: Record<EvalTask, ReferenceKind> = { paraphrase: 'tweet', headline: 'article' };

const sha256hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const round = (v: number, d: number): number => Math.round(v * 10 ** d) / 10 ** d;

/** The evaluation examples of a data file, as the Python evaluator selects them. */
export function examplesOf(data: EvalData, perPerson: number, persons?: string[]): { task: EvalTask; examples: EvalExample[]; persons: string[] } {
  const keep = persons ? new Set(persons) : null;
  const pick = <T>(m: Map<string, T[]>): Map<string, T[]> => new Map([...m].filter(([k]) => !keep || keep.has(k)));
  const tps = data.kind === 'tweets' ? paraphrasePersons(pick(data.persons)) : headlinePersons(pick(data.persons));
  const eligible = evalPersons(tps);
  if (keep && !eligible.length) throw new RangeError(`none of the named persons is in this file with at least 2 targets: ${[...keep].join(', ')}`);
  return {
    task: data.kind === 'tweets' ? 'paraphrase' : 'headline',
    examples: evalExamples(eligible, perPerson, EVAL_MAX_DOCS, sha256hex),
    persons: eligible.map((p) => p.person),
  };
}

/** 95 % interval of ppl(b) / ppl(a) - 1 with persons resampled (the rows' by_person sums). */
export function bootstrapChange(a: Row, b: Row, draws = 2000, seed = 0): { low: number | null; high: number | null; persons: number; draws?: number } {
  const persons = Object.keys(a.by_person)
    .filter((p) => p in b.by_person)
    .sort();
  if (!persons.length) return { low: null, high: null, persons: 0 };
  const rng = createRng(seed);
  const vals: number[] = [];
  for (let d = 0; d < draws; d++) {
    let an = 0,
      ac = 0,
      bn = 0,
      bc = 0;
    for (let i = 0; i < persons.length; i++) {
      const p = persons[Math.floor(rng.next() * persons.length)]!;
      an += a.by_person[p]![0];
      ac += a.by_person[p]![1];
      bn += b.by_person[p]![0];
      bc += b.by_person[p]![1];
    }
    vals.push(Math.exp(bn / bc) / Math.exp(an / ac) - 1);
  }
  vals.sort((x, y) => x - y);
  const at = (q: number): number => vals[Math.min(vals.length - 1, Math.max(0, Math.round(q * (vals.length - 1))))]!;
  return { low: round(at(0.025), 4), high: round(at(0.975), 4), persons: persons.length, draws };
}

/**
 * The strength curve's summary: perplexity per strength (pooled over every target,
 * and per person), whether it falls monotonically as strength rises (strictly, in
 * the order given), and for how many persons it does. `no_documents_ppl` is the
 * n = 0 row beside it, to tell the reference ("generic") apart from no conditioning.
 */
export function strengthCurve(
  rows: Row[],
  zero: Row | null,
): {
  n_docs: number;
  strengths: number[];
  ppl: number[];
  monotonic: boolean;
  persons_monotonic: number;
  persons: number;
  by_person: Record<string, { ppl: number[]; monotonic: boolean }>;
  no_documents_ppl: number | null;
} {
  const sorted = [...rows].sort((a, b) => a.strength! - b.strength!);
  const falls = (v: number[]): boolean => v.every((x, i) => i === 0 || x < v[i - 1]!);
  const persons = Object.keys(sorted[0]?.by_person ?? {}).filter((p) => sorted.every((r) => p in r.by_person));
  const by_person = Object.fromEntries(
    persons.map((p) => {
      const ppl = sorted.map((r) => round(Math.exp(r.by_person[p]![0] / r.by_person[p]![1]), 4));
      return [p, { ppl, monotonic: falls(ppl) }];
    }),
  );
  const ppl = sorted.map((r) => r.ppl);
  return {
    n_docs: sorted[0]?.n_docs ?? 0,
    strengths: sorted.map((r) => r.strength!),
    ppl,
    monotonic: falls(ppl),
    persons_monotonic: Object.values(by_person).filter((x) => x.monotonic).length,
    persons: persons.length,
    by_person,
    no_documents_ppl: zero?.ppl ?? null,
  };
}

/** ppl(n) = a * n^(-b), least squares in log-log space over n >= 1. */
export function fitPowerLaw(rows: Row[]): { form: string; a: number | null; b: number | null; r2: number | null } {
  const pts = rows.filter((r) => r.n_docs >= 1).map((r) => [Math.log(r.n_docs), Math.log(r.ppl)] as const);
  if (pts.length < 2) return { form: 'ppl = a * n^(-b)', a: null, b: null, r2: null };
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const sxx = pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const slope = pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
  const icpt = my - slope * mx;
  const ssRes = pts.reduce((s, p) => s + (p[1] - (icpt + slope * p[0])) ** 2, 0);
  const ssTot = pts.reduce((s, p) => s + (p[1] - my) ** 2, 0);
  return { form: 'ppl = a * n^(-b), n >= 1', a: round(Math.exp(icpt), 5), b: round(-slope, 5), r2: ssTot > 0 ? round(1 - ssRes / ssTot, 4) : null };
}

async function collectText(stream: AsyncIterable<{ text: string }>): Promise<string> {
  let s = '';
  for await (const ev of stream) s += ev.text;
  return s.trim();
}

export class PackEvaluator {
  private readonly comp = new Map<string, Float32Array>();

  constructor(private readonly model: CommerModel) {}

  /** Compress every profile document any row will merge, once. */
  async prepare(examples: EvalExample[], maxN: number, signal?: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<void> {
    const todo = [...new Set(examples.flatMap((e) => e.profile.slice(0, maxN)))].filter((d) => !this.comp.has(d));
    const batch = 16;
    for (let i = 0; i < todo.length; i += batch) {
      const chunk = todo.slice(i, i + batch);
      const out = await this.model.compress(chunk, { batchSize: batch, signal });
      chunk.forEach((d, j) => this.comp.set(d, out[j]!));
      onProgress?.(Math.min(todo.length, i + batch), todo.length);
    }
  }

  /** The profile's merge as the app computes it (core/running-mean: float64 sum, float32 mean); null for none. */
  private merged(docs: string[]): Float32Array | null {
    return meanOf(
      docs.map((d) => {
        const c = this.comp.get(d);
        if (!c) throw new Error('internal: no compression for a profile document (prepare() first)');
        return c;
      }),
    );
  }

  async row(
    method: Method,
    task: EvalTask,
    examples: EvalExample[],
    n: number,
    opts: { maxNewTokens: number; signal?: AbortSignal; onDone?: (done: number) => void; strength?: { s: number; reference: Float32Array } },
  ): Promise<Row> {
    if (opts.strength && (method !== 'commer' || n < 1)) throw new RangeError('a style strength needs the commer method and at least one document');
    let total = 0,
      count = 0,
      prefix = 0;
    const rouge: number[] = [];
    const byPerson: Record<string, [number, number]> = {};
    const samples: Row['samples'] = [];
    const k = this.model.info.k;
    for (let i = 0; i < examples.length; i++) {
      if (opts.signal?.aborted) throw new Error('evaluation was cancelled');
      const ex = examples[i]!;
      const docs = ex.profile.slice(0, n);
      const base = { task, input: ex.input };
      const concat = { ...base, docs, ...(method === 'prompt_concat_budget' ? { docTokens: k } : {}) };
      const mean = method === 'commer' ? this.merged(docs) : null;
      const merged = mean && opts.strength ? blendTowards(opts.strength.reference, mean, opts.strength.s) : mean;
      const s: TargetScore = method === 'commer' ? await this.model.score({ ...base, merged, target: ex.target }) : await this.model.scoreConcat({ ...concat, target: ex.target });
      const acc = (byPerson[ex.person] ??= [0, 0]);
      acc[0] += s.nll;
      acc[1] += s.tokens;
      total += s.nll;
      count += s.tokens;
      prefix += s.prefixPositions;
      if (opts.maxNewTokens > 0) {
        const gen = { temperature: 0, maxNewTokens: opts.maxNewTokens, signal: opts.signal };
        const text = await collectText(method === 'commer' ? this.model.generate({ ...base, merged, ...gen }) : this.model.generateConcat({ ...concat, ...gen }));
        rouge.push(rougeL(text, ex.target).f1);
        if (samples.length < 6) samples.push({ person: ex.person, input: ex.input, target: ex.target, output: text });
      }
      opts.onDone?.(i + 1);
    }
    for (const p of Object.keys(byPerson)) byPerson[p] = [round(byPerson[p]![0], 4), byPerson[p]![1]];
    return {
      n_docs: n,
      ...(opts.strength ? { strength: opts.strength.s } : {}),
      ppl: round(Math.exp(total / Math.max(1, count)), 4),
      rouge_l: rouge.length ? round(rouge.reduce((a, b) => a + b, 0) / rouge.length, 4) : null,
      prefix_tokens: round(prefix / Math.max(1, examples.length), 2),
      by_person: Object.fromEntries(Object.entries(byPerson).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      samples,
    };
  }
}

/** Evaluate `model` on one data file; the result is one task section plus the report's header fields. */
export async function evaluateData(model: CommerModel, data: EvalData, source: string, o: EvaluateOptions = {}): Promise<Record<string, unknown>> {
  const perPerson = o.perPerson ?? 20;
  const docCounts = o.docCounts ?? [0, 8];
  const methods = o.methods ?? METHODS;
  const maxNew = o.maxNewTokens ?? 24;
  const { task, examples, persons } = examplesOf(data, perPerson, o.persons);
  if (!examples.length) throw new RangeError(`${source}: no person with at least 2 targets`);
  if (!(task in model.info.manifest.templates.tasks)) throw new RangeError(`the pack has no "${task}" task`);
  const strengths = o.strengths ?? [];
  const strengthDocs = Math.max(...docCounts);
  const reference = strengths.length ? model.info.reference?.[TASK_REFERENCE_KIND[task]] : undefined;
  if (strengths.length) {
    const bad = strengths.map(strengthProblem).find((p) => p !== null);
    if (bad) throw new RangeError(bad);
    if (!reference) throw new RangeError(`the pack has no reference mean for ${TASK_REFERENCE_KIND[task]} documents, so style strength cannot be measured (build one: commer reference-mean)`);
    if (strengthDocs < 1) throw new RangeError('style strengths are measured at the largest document count, which must be at least 1');
  }
  const t0 = Date.now();
  const ev = new PackEvaluator(model);
  await ev.prepare(examples, Math.max(...docCounts), o.signal, (done, total) => o.onProgress?.({ task, method: 'compress', n: 0, done, total }));
  const sec: Record<string, unknown> = {
    n_persons: new Set(examples.map((e) => e.person)).size,
    n_examples: examples.length,
    profile_docs_available: { min: Math.min(...examples.map((e) => e.profile.length)), max: Math.max(...examples.map((e) => e.profile.length)) },
  };
  const rows: Partial<Record<Method, Row[]>> = {};
  // Without documents and without a soft prompt, every method prefills the same
  // sequence ([bos] + prompt): that row is computed once and shared.
  const shareZero = !model.info.hasSoftPrompt;
  let zeroRow: Row | null = null;
  for (const method of methods) {
    rows[method] = [];
    for (const n of docCounts) {
      if (n === 0 && shareZero && zeroRow) {
        rows[method]!.push(zeroRow);
        continue;
      }
      rows[method]!.push(
        await ev.row(method, task, examples, n, {
          maxNewTokens: maxNew,
          signal: o.signal,
          onDone: (done) => o.onProgress?.({ task, method, n, done, total: examples.length }),
        }),
      );
      if (n === 0 && shareZero) zeroRow = rows[method]!.at(-1)!;
    }
    sec[`${method}_by_docs`] = rows[method];
  }
  if (strengths.length && reference) {
    const plain = rows.commer?.find((r) => r.n_docs === strengthDocs);
    const curve: Row[] = [];
    for (const st of strengths) {
      // s = 1 is the plain merge (blendTowards returns the mean itself): the commer row, when run, is that row.
      if (st === 1 && plain) {
        curve.push({ ...plain, strength: 1 });
        continue;
      }
      curve.push(
        await ev.row('commer', task, examples, strengthDocs, {
          maxNewTokens: 0,
          signal: o.signal,
          strength: { s: st, reference },
          onDone: (done) => o.onProgress?.({ task, method: 'commer', n: strengthDocs, strength: st, done, total: examples.length }),
        }),
      );
    }
    sec.commer_by_strength = curve;
    sec.commer_strength_curve = strengthCurve(curve, rows.commer?.find((r) => r.n_docs === 0) ?? null);
  }
  sec.copy_input = { rouge_l: round(examples.reduce((s, e) => s + rougeL(e.input, e.target).f1, 0) / examples.length, 4) };
  const c = rows.commer;
  if (c) {
    sec.commer_power_law = fitPowerLaw(c);
    const by = new Map(c.map((r) => [r.n_docs, r]));
    if (by.has(0) && by.has(8)) {
      sec.commer_ppl_change_8_vs_0 = round(by.get(8)!.ppl / by.get(0)!.ppl - 1, 4);
      sec.commer_ppl_change_8_vs_0_ci95 = bootstrapChange(by.get(0)!, by.get(8)!, o.draws);
    }
    const bud = rows.prompt_concat_budget && new Map(rows.prompt_concat_budget.map((r) => [r.n_docs, r]));
    if (bud?.has(8) && by.has(8)) {
      sec.commer_vs_budget_concat_ppl_8 = round(by.get(8)!.ppl / bud.get(8)!.ppl - 1, 4);
      sec.commer_vs_budget_concat_ppl_8_ci95 = bootstrapChange(bud.get(8)!, by.get(8)!, o.draws);
    }
  }
  if (shareZero && zeroRow && methods.length > 1)
    sec.n0_shared = 'the pack has no soft prompt: every method prefills the same n = 0 sequence ([bos] + prompt, for prompts within max_prompt_tokens), computed once';
  sec.eval_seconds = round((Date.now() - t0) / 1000, 1);
  return { task, persons, section: sec, maxNew };
}

/** The report header the Python evaluator writes, with what ran it. */
export function reportHeader(model: CommerModel, sources: { data: string; persons: Record<string, string[]> }[], maxNew: number): Record<string, unknown> {
  const m = model.info.manifest;
  return {
    format: 'commer-eval',
    format_version: 1,
    created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    source: {
      data: sources.map((s) => s.data).join(', '),
      split: 'all persons in the file(s), or those named',
      persons: Object.assign({}, ...sources.map((s) => s.persons)),
    },
    model: {
      k: m.compression.k,
      soft_prompt_length: m.soft_prompt?.length ?? 0,
      backbone: m.backbone,
      lora: m.lora,
    },
    runtime: {
      pack: m.id,
      evaluated_by: 'commer evaluate (the app runtime, onnxruntime-node)',
      provider: model.info.provider,
      threads: model.info.threads,
      quantization: model.info.quantization,
    },
    ppl_is: 'exp(mean NLL of target tokens + EOS)',
    rouge_l_is: `ROUGE-L F1 of the greedy output (at most ${maxNew} tokens) against the target`,
    concat_cap: 'prompt_concat documents are cut from the left only where the sequence would pass max_positions',
    prefix_tokens_is: 'mean generator positions the documents occupy (soft prompt not counted)',
  };
}
