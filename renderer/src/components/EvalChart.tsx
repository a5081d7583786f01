import { useId } from 'react';
import type { EvalRow } from '../api';
import { niceTicks, type EvalSeries } from '../lib/evaluation';

const W = 420;
const H = 240;
const M = { top: 16, right: 16, bottom: 40, left: 52 };

const SERIES_CLASS: Record<string, string> = {
  commer_by_docs: 's-commer',
  prompt_concat_by_docs: 's-concat',
  prompt_concat_budget_by_docs: 's-budget',
};

function fmt(v: number | null | undefined, metric: 'ppl' | 'rouge_l'): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'not measured';
  if (metric === 'rouge_l') return v.toFixed(v < 1 ? 3 : 1);
  return v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2);
}

/**
 * A line chart of one metric against the number of documents, drawn as plain SVG.
 * The x axis is ordinal (0, 1, 2, 4, 8 … evenly spaced) because document counts
 * double and include 0, which neither a linear nor a log axis shows well.
 */
export function EvalChart({ title, metric, series, better }: { title: string; metric: 'ppl' | 'rouge_l'; series: EvalSeries[]; better: 'lower' | 'higher' }) {
  const titleId = useId();
  const descId = useId();
  const xs = [...new Set(series.flatMap((s) => s.rows.map((r) => r.n_docs)))].sort((a, b) => a - b);
  const values = series.flatMap((s) => s.rows.map((r) => r[metric])).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0 || values.length === 0) return null;
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const y0 = ticks[0] ?? 0;
  const y1 = ticks[ticks.length - 1] ?? 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const xAt = (n: number) => M.left + (xs.length === 1 ? pw / 2 : (xs.indexOf(n) / (xs.length - 1)) * pw);
  const yAt = (v: number) => M.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const points = (rows: EvalRow[]) =>
    rows.flatMap((r) => {
      const v = r[metric];
      return typeof v === 'number' && Number.isFinite(v) ? [[xAt(r.n_docs), yAt(v)] as const] : [];
    });

  return (
    <figure className="chart">
      <figcaption className="chart-title">
        {title} <span className="muted small">({better} is better)</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${titleId} ${descId}`} className="chart-svg">
        <title id={titleId}>{title} against number of documents</title>
        <desc id={descId}>{series.map((s) => `${s.label}: ${s.rows.map((r) => `${r.n_docs} docs ${fmt(r[metric], metric)}`).join(', ')}`).join('. ')}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={M.left} x2={W - M.right} y1={yAt(t)} y2={yAt(t)} />
            <text className="chart-tick" x={M.left - 8} y={yAt(t)} textAnchor="end" dominantBaseline="middle">
              {fmt(t, metric)}
            </text>
          </g>
        ))}
        {xs.map((n) => (
          <text key={n} className="chart-tick" x={xAt(n)} y={H - M.bottom + 18} textAnchor="middle">
            {n}
          </text>
        ))}
        <text className="chart-axis" x={M.left + pw / 2} y={H - 4} textAnchor="middle">
          documents per person
        </text>
        <line className="chart-baseline" x1={M.left} x2={W - M.right} y1={M.top + ph} y2={M.top + ph} />
        {/* Baselines first, so ComMer's line is drawn on top where they meet. */}
        {[...series].reverse().map((s) => {
          const pts = points(s.rows);
          return (
            <g key={s.key} className={`chart-series ${SERIES_CLASS[s.key] ?? ''}`}>
              <polyline fill="none" points={pts.map((p) => p.join(',')).join(' ')} />
              {pts.map(([x, y], i) => (
                <circle key={i} cx={x} cy={y} r={3.5} />
              ))}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export function ChartLegend({ series }: { series: EvalSeries[] }) {
  return (
    <ul className="legend">
      {series.map((s) => (
        <li key={s.key} className={`legend-item ${SERIES_CLASS[s.key] ?? ''}`}>
          <span className="legend-swatch" aria-hidden="true" />
          {s.label}
        </li>
      ))}
    </ul>
  );
}
