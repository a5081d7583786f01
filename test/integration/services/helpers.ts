import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices, type Services, type ServicesOptions, type ImportOptions, type ImportProgress } from '../../../main/services/index.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures/import');
export const PACKS = join(ROOT, 'test/fixtures/packs');
export const OBAMA_CSV = join(ROOT, '../shared/data/tweets/BarackObama.csv');

/**
 * A copy of the tiny-random test pack at `dir` under the id `id`, with one flipped
 * byte in embeddings.f32: its manifest parses, but its hash check fails on load.
 */
export function damagedPackCopy(dir: string, id: string): void {
  cpSync(join(PACKS, 'tiny-random'), dir, { recursive: true });
  const mf = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  mf.id = id;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(mf));
  const emb = readFileSync(join(dir, 'embeddings.f32'));
  emb[0] = emb[0]! ^ 0xff;
  writeFileSync(join(dir, 'embeddings.f32'), emb);
}

export interface Harness {
  svc: Services;
  dir: string;
  cleanup(): Promise<void>;
}

/** Services on a fresh temp data folder. Packs: a private copy of tiny-random by default (so tests may damage it). */
export async function harness(opts: Partial<ServicesOptions> & { packs?: string[] } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'commer-svc-'));
  let packDirs = opts.packs;
  if (!packDirs) {
    cpSync(join(PACKS, 'tiny-random'), join(dir, 'packs', 'tiny-random'), { recursive: true });
    packDirs = [join(dir, 'packs')];
  }
  const svc = await createServices({ dataDir: join(dir, 'data'), packDirs, ...opts });
  return {
    svc,
    dir,
    cleanup: async () => {
      await svc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs one import to its end. */
export async function importFile(svc: Services, profileId: number, file: string, options: ImportOptions = {}): Promise<ImportProgress> {
  const { jobId } = svc.imports.start({ path: file.startsWith('/') ? file : join(FIXTURES, file), profileId, options });
  return svc.imports.wait(jobId);
}

/** Every document's text of a profile, in id order (for before/after comparisons). */
export function allTexts(svc: Services, profileId: number): string[] {
  const out: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = svc.documents.list({ profileId, offset, limit: 500 });
    out.push(...page.items.map((d) => `${d.kind}|${d.text}`));
    if (offset + 500 >= page.total) break;
  }
  return out.sort();
}
