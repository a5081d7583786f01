// The report's plot as a standalone SVG: perplexity against the number of
// documents, one panel per task, one line per method. Written by hand because it
// is a few lines and axes; a charting library would bring a DOM to the CLI.

const COLORS: Record<string, string> = { commer: '#1f6feb', prompt_concat: '#8250df', prompt_concat_budget: '#bf8700' };

interface PlotRow {
  n_docs: number;
  ppl: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function reportSvg(report: Record<string, unknown>): string {
  const tasks = ['paraphrase', 'headline'].filter((t) => report[t] && typeof report[t] === 'object');
  const W = 420,
    H = 300,
    pad = { l: 56, r: 16, t: 32, b: 44 };
  const panels = tasks.map((task, i) => {
    const sec = report[task] as Record<string, unknown>;
    const series = Object.keys(COLORS)
      .map((m) => ({ method: m, rows: (sec[`${m}_by_docs`] as PlotRow[] | undefined) ?? [] }))
      .filter((s) => s.rows.length);
    const all = series.flatMap((s) => s.rows);
    if (!all.length) return '';
    const xs = [...new Set(all.map((r) => r.n_docs))].sort((a, b) => a - b);
    const ymin = Math.min(...all.map((r) => r.ppl)) * 0.95;
    const ymax = Math.max(...all.map((r) => r.ppl)) * 1.05;
    const x = (n: number): number => pad.l + (xs.length === 1 ? 0.5 : xs.indexOf(n) / (xs.length - 1)) * (W - pad.l - pad.r);
    const y = (v: number): number => pad.t + (1 - (v - ymin) / (ymax - ymin || 1)) * (H - pad.t - pad.b);
    const lines = series.map((s, j) => {
      const pts = s.rows.map((r) => `${x(r.n_docs).toFixed(1)},${y(r.ppl).toFixed(1)}`).join(' ');
      const dots = s.rows
        .map((r) => `<circle cx="${x(r.n_docs).toFixed(1)}" cy="${y(r.ppl).toFixed(1)}" r="3" fill="${COLORS[s.method]}"><title>${s.method} n=${r.n_docs}: ${r.ppl}</title></circle>`)
        .join('');
      const legend = `<text x="${W - pad.r - 4}" y="${pad.t + 14 + j * 14}" text-anchor="end" fill="${COLORS[s.method]}">${esc(s.method)}</text>`;
      return `<polyline fill="none" stroke="${COLORS[s.method]}" stroke-width="2" points="${pts}"/>${dots}${legend}`;
    });
    const ticks = xs.map((n) => `<text x="${x(n).toFixed(1)}" y="${H - pad.b + 16}" text-anchor="middle">${n}</text>`).join('');
    const yt = [ymin, (ymin + ymax) / 2, ymax].map((v) => `<text x="${pad.l - 6}" y="${y(v).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${v.toFixed(1)}</text>`).join('');
    return (
      `<g transform="translate(${i * W},0)"><text x="${pad.l}" y="18" font-weight="bold">${esc(task)}</text>` +
      `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#888"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#888"/>` +
      `${ticks}${yt}<text x="${(W + pad.l) / 2}" y="${H - 8}" text-anchor="middle">documents (n)</text>` +
      `<text transform="translate(14,${H / 2}) rotate(-90)" text-anchor="middle">perplexity</text>${lines.join('')}</g>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.max(1, tasks.length) * W}" height="${H}" font-family="sans-serif" font-size="11">` +
    `<rect width="100%" height="100%" fill="#fff"/>${panels.join('')}</svg>\n`
  );
}
