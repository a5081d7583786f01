// `commer reference-mean`: (re)build a pack's reference means (style strength's
// "generic" end) through the app runtime and store them with the pack:
// reference.f32 (float32 [kinds, k, dim]) listed in manifest.json with its sha256,
// and a `reference` section saying what it was built from. A kind not rebuilt
// keeps the mean the pack already had.

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REFERENCE_FILE, REFERENCE_KINDS, type ReferenceKind } from '../core/pack-manifest.js';
import { readEvalInputs } from './eval-inputs.js';
import { buildReference } from '../eval/reference.js';
import { loadModel, validatePack } from '../runtime/index.js';

function list(v: unknown): string[] {
  return String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function atomicWrite(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Returns the exit code: 0 written, 1 it failed, 2 the command line was wrong. */
export async function runReferenceMean(o: Record<string, unknown>, packDirOf: (id: string) => Promise<string>): Promise<number> {
  const fail = (code: number, msg: string): number => {
    process.stderr.write(`error: ${msg}\n`);
    return code;
  };
  const split = String(o.split ?? 'train');
  if (split !== 'train' && split !== 'all') return fail(2, `--split must be train or all, got "${split}"`);
  const inputs = await readEvalInputs(o, packDirOf);
  if ('error' in inputs) return fail(2, inputs.error);
  const { packDir, datasets } = inputs;
  const model = await loadModel(packDir, { threads: (o.threads as number) || undefined });
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  const built = new Map<ReferenceKind, { mean: Float32Array; documents: number; persons: number; data: string }>();
  try {
    for (const { file, data } of datasets) {
      const t0 = Date.now();
      let r;
      try {
        r = await buildReference(model, data, {
          perPerson: o.perPerson as number,
          split,
          exclude: list(o.exclude),
          signal: ac.signal,
          onProgress: (done, total) => {
            if (done === total || done % 160 === 0) process.stderr.write(`[reference-mean] ${basename(file)}: ${done}/${total} documents compressed (${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
          },
        });
      } catch (e) {
        if (e instanceof RangeError) return fail(2, `${file}: ${e.message}`);
        throw e;
      }
      if (built.has(r.kind)) return fail(2, `two data files give ${r.kind} documents; pass one file per kind`);
      built.set(r.kind, { mean: r.mean, documents: r.documents, persons: r.persons.length, data: file });
      process.stdout.write(`${r.kind}: mean of ${r.documents} documents of ${r.persons.length} persons (${split === 'train' ? 'training split' : 'every person'})\n`);
    }
    const old = model.info.reference ?? {};
    const oldSection = model.info.manifest.reference;
    const kinds = REFERENCE_KINDS.filter((kd) => built.has(kd) || old[kd]);
    const size = model.info.k * model.info.dim;
    const all = new Float32Array(kinds.length * size);
    kinds.forEach((kd, i) => all.set(built.get(kd)?.mean ?? old[kd]!, i * size));
    const bytes = new Uint8Array(all.buffer);

    const manifestPath = join(packDir, 'manifest.json');
    const raw = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown> & { files: Record<string, unknown> };
    const pick = <T>(f: (b: { documents: number; persons: number; data: string }) => T, prev: Record<string, T> | undefined): Record<string, T> =>
      Object.fromEntries(kinds.map((kd) => [kd, built.has(kd) ? f(built.get(kd)!) : prev![kd]!]));
    raw.files[REFERENCE_FILE] = { bytes: bytes.byteLength, dtype: 'float32', sha256: createHash('sha256').update(bytes).digest('hex'), shape: [kinds.length, model.info.k, model.info.dim] };
    raw.reference = {
      kinds,
      documents: pick((b) => b.documents, oldSection?.documents),
      persons: pick((b) => b.persons, oldSection?.persons),
      built_by: `commer reference-mean --per-person ${String(o.perPerson)} --split ${split}${o.exclude ? ` --exclude ${String(o.exclude)}` : ''} (the app runtime, ${model.info.provider})`,
      data: [...built.values()].map((b) => basename(b.data)).join(', ') + (kinds.some((kd) => !built.has(kd)) ? ` (kept from before: ${kinds.filter((kd) => !built.has(kd)).join(', ')})` : ''),
      split: split === 'train' ? 'training persons of models/commer/data.py split (seed commer-split-v1): no validation or test person' : 'every person of the file(s)',
      created_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    await model.dispose();
    atomicWrite(join(packDir, REFERENCE_FILE), bytes);
    atomicWrite(manifestPath, `${JSON.stringify(raw, null, 2)}\n`);
    const check = await validatePack(packDir);
    if (!check.ok) return fail(1, `the pack no longer validates after writing its reference: ${check.error.message}`);
    process.stdout.write(`wrote ${join(packDir, REFERENCE_FILE)} (${kinds.join(', ')}) and updated manifest.json\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSig);
    await model.dispose().catch(() => undefined);
  }
}
