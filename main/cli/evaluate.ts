// `commer evaluate`: a pack's report.json (the Python evaluator's format) and its
// plot, computed through the runtime the app uses. Progress goes to stderr (a bar
// on a terminal, a line per finished row otherwise, so `nohup` logs show it).

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { readEvalInputs } from './eval-inputs.js';
import { evaluateData, reportHeader, METHODS, type Method } from '../eval/evaluate.js';
import { reportSvg } from '../eval/plot.js';
import { loadModel } from '../runtime/index.js';
import { ProgressBar } from './progress.js';

function list(v: unknown): string[] {
  return String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function atomicWrite(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Returns the exit code: 0 written, 1 the evaluation failed, 2 the command line was wrong. */
export async function runEvaluate(o: Record<string, unknown>, packDirOf: (id: string) => Promise<string>): Promise<number> {
  const fail = (code: number, msg: string): number => {
    process.stderr.write(`error: ${msg}\n`);
    return code;
  };
  const docCounts = list(o.docCounts).map(Number);
  if (!docCounts.length || docCounts.some((n) => !Number.isInteger(n) || n < 0)) return fail(2, `--doc-counts must be non-negative integers, got "${String(o.docCounts)}"`);
  const methods = list(o.methods);
  const unknown = methods.filter((m) => !(METHODS as readonly string[]).includes(m));
  if (!methods.length || unknown.length) return fail(2, `--methods: unknown ${unknown.join(', ') || '(none given)'}; choose from ${METHODS.join(', ')}`);
  const strengths = o.strengths === undefined ? [] : list(o.strengths).map(Number);
  if (o.strengths !== undefined && (!strengths.length || strengths.some((v) => !Number.isFinite(v) || v < 0 || v > 1)))
    return fail(2, `--strengths must be numbers from 0 to 1, comma-separated, got "${String(o.strengths)}"`);
  const perPerson = o.perPerson as number;
  if (perPerson < 1) return fail(2, '--per-person must be at least 1');
  const persons = o.persons ? list(o.persons) : undefined;
  const inputs = await readEvalInputs(o, packDirOf);
  if ('error' in inputs) return fail(2, inputs.error);
  const { packDir, datasets } = inputs;
  const outPath = resolve(String(o.out));
  const model = await loadModel(packDir, { threads: (o.threads as number) || undefined });
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  const bar = new ProgressBar('evaluate');
  const tty = process.stderr.isTTY === true;
  try {
    const sections: Record<string, unknown> = {};
    const sources: { data: string; persons: Record<string, string[]> }[] = [];
    let maxNew = o.maxNewTokens as number;
    for (const { file, data } of datasets) {
      const t0 = Date.now();
      let r;
      try {
        r = await evaluateData(model, data, file, {
          perPerson,
          docCounts,
          methods: methods as Method[],
          ...(strengths.length ? { strengths } : {}),
          ...(persons ? { persons } : {}),
          maxNewTokens: maxNew,
          signal: ac.signal,
          onProgress: (p) => {
            const label = p.method === 'compress' ? `${p.task}: compressing profiles` : `${p.task} ${p.method} n=${p.n}${p.strength === undefined ? '' : ` strength=${p.strength}`}`;
            const el = (Date.now() - t0) / 1000;
            if (tty) bar.update(p.done, p.total, label);
            else if (p.done === p.total) process.stderr.write(`[evaluate] ${label}: ${p.total} done (${el.toFixed(0)} s elapsed)\n`);
          },
        });
      } catch (e) {
        if (e instanceof RangeError) return fail(2, e.message);
        throw e;
      }
      if (sections[r.task as string]) return fail(2, `two data files give the ${String(r.task)} task; pass one file per task`);
      sections[r.task as string] = r.section;
      sources.push({ data: file, persons: { [r.task as string]: r.persons as string[] } });
      maxNew = r.maxNew as number;
    }
    bar.done();
    if (persons) {
      const seen = new Set(sources.flatMap((x) => Object.values(x.persons).flat()));
      const missing = persons.filter((p) => !seen.has(p));
      if (missing.length) return fail(2, `not in any data file with at least 2 targets: ${missing.join(', ')}`);
    }
    const report = { ...reportHeader(model, sources, maxNew), ...sections };
    atomicWrite(outPath, `${JSON.stringify(report, null, 2)}\n`);
    const svg = outPath.replace(/\.json$/i, '') + '.svg';
    atomicWrite(svg, reportSvg(report));
    for (const [task, sec] of Object.entries(sections)) {
      const s = sec as Record<string, unknown>;
      const c = (s.commer_by_docs as { n_docs: number; ppl: number; rouge_l: number | null }[] | undefined) ?? [];
      const rows = c.map((r) => `n=${r.n_docs} ppl ${r.ppl} rouge-L ${r.rouge_l ?? '-'}`).join('; ');
      process.stdout.write(`${task}: ${s.n_persons} persons, ${s.n_examples} targets; commer ${rows}; copy_input rouge-L ${(s.copy_input as { rouge_l: number }).rouge_l}\n`);
      const sc = s.commer_strength_curve as { strengths: number[]; ppl: number[]; monotonic: boolean; persons_monotonic: number; persons: number } | undefined;
      if (sc)
        process.stdout.write(
          `${task}: style strength ${sc.strengths.map((v, i) => `${v}: ppl ${sc.ppl[i]}`).join('; ')}; ${sc.monotonic ? 'falls monotonically' : 'NOT monotonic'}; monotonic for ${sc.persons_monotonic} of ${sc.persons} persons\n`,
        );
    }
    process.stdout.write(`wrote ${outPath} and ${svg}\n`);
    return 0;
  } finally {
    bar.done();
    process.off('SIGINT', onSig);
    await model.dispose();
  }
}
