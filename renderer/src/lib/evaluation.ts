import type { EvalRow } from '../api';

export interface EvalSeries {
  key: string;
  label: string;
  rows: EvalRow[];
}

export interface TaskEvaluation {
  task: string;
  series: EvalSeries[];
  /** Held-out persons and examples the figures were measured on, when the report says. */
  nPersons: number | null;
  nExamples: number | null;
  /** The style-strength curve (commer_strength_curve), when the report measured one. */
  strength: StrengthCurve | null;
}

/** Perplexity of the persons' own targets against style strength, at a fixed document count. */
export interface StrengthCurve {
  nDocs: number;
  points: { strength: number; ppl: number }[];
  /** Whether perplexity falls at every step as strength rises (pooled over all targets). */
  monotonic: boolean;
  personsMonotonic: number | null;
  persons: number | null;
  /** Perplexity with no documents at all, beside it (null when not measured). */
  noDocumentsPpl: number | null;
  /** Targets per person the curve was scored on, when the report says (it may be fewer than the other rows'). */
  targetsPerPerson: number | null;
}

/** Reads a task section's commer_strength_curve leniently; null when absent or malformed. */
export function readStrengthCurve(section: unknown): StrengthCurve | null {
  const c = section && typeof section === 'object' ? (section as Record<string, unknown>).commer_strength_curve : null;
  if (!c || typeof c !== 'object') return null;
  const r = c as Record<string, unknown>;
  const xs = Array.isArray(r.strengths) ? r.strengths : [];
  const ys = Array.isArray(r.ppl) ? r.ppl : [];
  const points = xs.flatMap((x, i) => (typeof x === 'number' && typeof ys[i] === 'number' && Number.isFinite(ys[i]) ? [{ strength: x, ppl: ys[i] as number }] : []));
  if (points.length < 2) return null;
  points.sort((a, b) => a.strength - b.strength);
  const num = (k: string) => (typeof r[k] === 'number' ? (r[k] as number) : null);
  return {
    nDocs: num('n_docs') ?? 0,
    points,
    monotonic: points.every((p, i) => i === 0 || p.ppl < points[i - 1]!.ppl),
    personsMonotonic: num('persons_monotonic'),
    persons: num('persons'),
    noDocumentsPpl: num('no_documents_ppl'),
    targetsPerPerson: typeof (section as Record<string, unknown>).strength_targets_per_person === 'number' ? ((section as Record<string, unknown>).strength_targets_per_person as number) : null,
  };
}

/** The report-level notes that say what the numbers mean. */
export interface EvaluationNotes {
  createdAt: string | null;
  pplIs: string | null;
  rougeLIs: string | null;
  prefixTokensIs: string | null;
}

export function readEvaluationNotes(evaluation: unknown): EvaluationNotes {
  const r = evaluation && typeof evaluation === 'object' ? (evaluation as Record<string, unknown>) : {};
  const str = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null);
  return { createdAt: str('created_at'), pplIs: str('ppl_is'), rougeLIs: str('rouge_l_is'), prefixTokensIs: str('prefix_tokens_is') };
}

const SERIES: [string, string][] = [
  ['commer_by_docs', 'ComMer'],
  ['prompt_concat_by_docs', 'Prompt concat'],
  ['prompt_concat_budget_by_docs', 'Prompt concat (same budget)'],
];

function isRow(x: unknown): x is EvalRow {
  if (!x || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  return typeof r.n_docs === 'number' && (typeof r.ppl === 'number' || typeof r.rouge_l === 'number');
}

/**
 * Reads a manifest's `evaluation` leniently: it may hold the tasks at the top level
 * or under `tasks`, and may carry other fields (seeds, dates) that are not plotted.
 * Returns only tasks that have at least one ComMer row.
 */
export function readEvaluation(evaluation: unknown): TaskEvaluation[] {
  if (!evaluation || typeof evaluation !== 'object') return [];
  const root = evaluation as Record<string, unknown>;
  const tasks = root.tasks && typeof root.tasks === 'object' ? (root.tasks as Record<string, unknown>) : root;
  const out: TaskEvaluation[] = [];
  for (const [task, value] of Object.entries(tasks)) {
    if (!value || typeof value !== 'object') continue;
    const t = value as Record<string, unknown>;
    const series: EvalSeries[] = [];
    for (const [key, label] of SERIES) {
      const rows = Array.isArray(t[key]) ? (t[key] as unknown[]).filter(isRow) : [];
      if (rows.length) series.push({ key, label, rows: [...rows].sort((a, b) => a.n_docs - b.n_docs) });
    }
    const count = (k: string) => (typeof t[k] === 'number' ? (t[k] as number) : null);
    if (series.some((s) => s.key === 'commer_by_docs')) out.push({ task, series, nPersons: count('n_persons'), nExamples: count('n_examples'), strength: readStrengthCurve(t) });
  }
  return out;
}

/** Round, human tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  // Step until the top tick covers the largest value, so no point sits above the grid.
  for (let v = start; ticks.length < 50; v += step) {
    ticks.push(Number(v.toFixed(10)));
    if (v >= hi - step * 1e-9) break;
  }
  if (ticks.length < 2) ticks.push(Number((start + step).toFixed(10)));
  return ticks;
}
