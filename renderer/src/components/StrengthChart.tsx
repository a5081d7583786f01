import { useId } from 'react';
import { niceTicks, type StrengthCurve } from '../lib/evaluation';
import { strengthLabel } from '../../../main/core/style-strength';
import { plural } from '../lib/format';

const W = 420;
const H = 240;
const M = { top: 16, right: 16, bottom: 40, left: 52 };

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2));

/** "−11.4 %": the relative change of perplexity from generic (0) to fully me (1), or null without both ends. */
function strengthEffect(points: readonly { strength: number; ppl: number }[]): string | null {
  const generic = points.find((p) => p.strength === 0)?.ppl;
  const me = points.find((p) => p.strength === 1)?.ppl;
  if (generic == null || me == null || !(generic > 0)) return null;
  const change = (me / generic - 1) * 100;
  return `${change < 0 ? '\u2212' : '+'}${Math.abs(change).toFixed(1)} %`;
}

/**
 * Perplexity of the held-out persons' own targets against style strength (0 =
 * the pack's generic reference, 1 = the person's own mean), with the no-documents
 * perplexity as a dashed line for scale. Plain SVG, like EvalChart.
 */
export function StrengthChart({ curve }: { curve: StrengthCurve }) {
  const titleId = useId();
  const descId = useId();
  const values = [...curve.points.map((p) => p.ppl), ...(curve.noDocumentsPpl != null ? [curve.noDocumentsPpl] : [])];
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const y0 = ticks[0] ?? 0;
  const y1 = ticks[ticks.length - 1] ?? 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const xAt = (s: number) => M.left + s * pw;
  const yAt = (v: number) => M.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const pts = curve.points.map((p) => [xAt(p.strength), yAt(p.ppl)] as const);
  // The size says as much as the direction: a curve can fall at every step and still barely move.
  const effect = strengthEffect(curve.points);
  return (
    <figure className="chart" data-testid="strength-chart">
      <figcaption className="chart-title">
        Perplexity by style strength{' '}
        <span className="muted small">
          (lower is better; {plural(curve.nDocs, 'document')}
          {curve.targetsPerPerson != null && <>, {plural(curve.targetsPerPerson, 'target')} per person</>})
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${titleId} ${descId}`} className="chart-svg">
        <title id={titleId}>Perplexity against style strength</title>
        <desc id={descId}>
          {curve.points.map((p) => `${strengthLabel(p.strength)} (${p.strength}): ${fmt(p.ppl)}`).join(', ')}
          {curve.noDocumentsPpl != null && `; no documents: ${fmt(curve.noDocumentsPpl)}`}
        </desc>
        {ticks.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={M.left} x2={W - M.right} y1={yAt(t)} y2={yAt(t)} />
            <text className="chart-tick" x={M.left - 8} y={yAt(t)} textAnchor="end" dominantBaseline="middle">
              {fmt(t)}
            </text>
          </g>
        ))}
        {curve.points.map((p) => (
          <text key={p.strength} className="chart-tick" x={xAt(p.strength)} y={H - M.bottom + 18} textAnchor={p.strength === 0 ? 'start' : p.strength === 1 ? 'end' : 'middle'}>
            {p.strength === 0 ? 'generic' : p.strength === 1 ? 'fully me' : `${Math.round(p.strength * 100)} %`}
          </text>
        ))}
        <text className="chart-axis" x={M.left + pw / 2} y={H - 4} textAnchor="middle">
          style strength
        </text>
        <line className="chart-baseline" x1={M.left} x2={W - M.right} y1={M.top + ph} y2={M.top + ph} />
        {curve.noDocumentsPpl != null && (
          <g className="chart-nodocs">
            <line x1={M.left} x2={W - M.right} y1={yAt(curve.noDocumentsPpl)} y2={yAt(curve.noDocumentsPpl)} />
            <text className="chart-tick" x={W - M.right} y={yAt(curve.noDocumentsPpl) - 5} textAnchor="end">
              no documents
            </text>
          </g>
        )}
        <g className="chart-series s-commer">
          <polyline fill="none" points={pts.map((p) => p.join(',')).join(' ')} />
          {pts.map(([x, y], i) => (
            <circle key={i} cx={x} cy={y} r={3.5} />
          ))}
        </g>
      </svg>
      <p className="muted small" data-testid="strength-verdict">
        {curve.monotonic ? 'Falls at every step' : 'Does not fall at every step'} as strength rises
        {effect && <> ({effect} from generic to fully me)</>}
        {curve.persons != null && curve.personsMonotonic != null && (
          <>
            ; for {curve.personsMonotonic} of {plural(curve.persons, 'person')} on their own
          </>
        )}
        .
      </p>
    </figure>
  );
}
