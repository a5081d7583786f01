// How right is the learning ETA? Imports a real tweet CSV export (default the shared
// data's BarackObama.csv, Windows-1252, 2,856 tweets) into a fresh data folder with the
// default pack, as the app does, and samples the compression queue's ETA (what the
// import panel shows) at every progress event. Afterwards each sample's prediction
// (its time + its ETA) is compared with when learning really ended.
//
// Reported: the relative error of the remaining time, (predicted - actual remaining)
// / actual remaining, at 10/25/50/75/90 % of the documents learned, and the largest
// |error| from 10 % on (goal: within 30 %). Writes bench/results/import-eta.json.
// BENCH_ETA_FILE=<csv> and BENCH_ETA_ENCODING=<label> pick another export.
import '../main/runtime/no-telemetry.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createServices } from '../main/services/index.js';
import { machine, now, peakRssMb, repoRoot, round, writeResults } from './lib/stats.js';

const file = process.env.BENCH_ETA_FILE ?? [join(repoRoot, '..', 'shared'), join(repoRoot, 'shared')].map((d) => join(d, 'data', 'tweets', 'BarackObama.csv')).find((p) => existsSync(p));
if (!file || !existsSync(file)) throw new Error('BarackObama.csv not found (../shared/data/tweets); set BENCH_ETA_FILE');
const encoding = process.env.BENCH_ETA_ENCODING ?? 'windows-1252';

const dir = mkdtempSync(join(tmpdir(), 'commer-eta-'));
const before = machine();
const started = new Date().toISOString();
const svc = await createServices({ dataDir: join(dir, 'data'), packDirs: [join(repoRoot, 'models', 'packs')] });
interface Sample {
  t: number;
  done: number;
  total: number;
  etaSec: number | null;
  docsPerSec: number;
}
const samples: Sample[] = [];
const t0 = now();
const off = svc.onEvent((e) => {
  if (e.type === 'queue' && e.status.total > 0) samples.push({ t: (now() - t0) / 1000, done: e.status.done, total: e.status.total, etaSec: e.status.etaSec, docsPerSec: e.status.docsPerSec });
});
try {
  const profile = svc.profiles.create('eta');
  const { jobId } = svc.imports.start({ path: file, profileId: profile.id, options: { encoding } });
  const r = await svc.imports.wait(jobId);
  const stored = (now() - t0) / 1000;
  const q = await svc.queue.drain();
  const end = (now() - t0) / 1000;
  off();
  if (q.pending !== 0) throw new Error(`the queue stopped with ${q.pending} pending (${q.state})`);
  const total = samples.at(-1)?.total ?? 0;
  const errAt = (frac: number): number | null => {
    const s = samples.find((x) => x.done >= frac * total && x.etaSec !== null && x.t < end);
    return s ? round((s.etaSec! - (end - s.t)) / (end - s.t)) : null;
  };
  const late = samples.filter((x) => x.done >= 0.1 * total && x.etaSec !== null && end - x.t > 5);
  const worst = late.reduce((w, x) => Math.max(w, Math.abs((x.etaSec! - (end - x.t)) / (end - x.t))), 0);
  const results = {
    benchmark: 'import-eta',
    started_at: started,
    file: relative(repoRoot, file),
    encoding,
    stored: r.stored,
    bad_rows: r.errorCount,
    seconds_to_store: round(stored, 1),
    seconds_to_learn: round(end, 1),
    documents_learned: total,
    docs_per_s: round(total / end, 2),
    eta_relative_error_at: { '10%': errAt(0.1), '25%': errAt(0.25), '50%': errAt(0.5), '75%': errAt(0.75), '90%': errAt(0.9) },
    eta_worst_abs_relative_error_after_10pct: round(worst),
    eta_samples_after_10pct: late.length,
    goal: { eta_worst_abs_relative_error_after_10pct: 0.3 },
    samples: samples.filter((_, i) => i % Math.max(1, Math.ceil(samples.length / 60)) === 0),
    peak_rss_mb: round(peakRssMb(), 1),
    machine_before: before,
    machine_after: machine(),
  };
  const path = writeResults(process.env.BENCH_RESULTS ?? 'import-eta', results);
  console.log(
    `stored ${r.stored} in ${stored.toFixed(1)} s, learned ${total} in ${end.toFixed(1)} s; ETA error at 10/25/50/75/90 %: ${Object.values(results.eta_relative_error_at).join(' / ')}; worst after 10 %: ${results.eta_worst_abs_relative_error_after_10pct} (${late.length} samples); wrote ${path}`,
  );
} finally {
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
}
