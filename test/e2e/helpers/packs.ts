// Builds the pack folder an e2e run uses, in its temp data folder, from real packs:
// the committed fixtures (and the shipped packs under models/packs when present),
// plus one deliberately broken copy so the Settings page has an error to show.
import { cp, mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** max_new_tokens of the e2e copy of stories260k (the fixture says 64). */
export const E2E_STORIES_MAX_NEW_TOKENS = 256;

export interface PreparedPacks {
  dir: string;
  /** Ids of the packs that should validate. */
  valid: string[];
  /** Ids of valid packs whose manifest carries evaluation figures. */
  withEvaluation: string[];
  broken: { id: string; name: string };
}

async function manifestOf(dir: string): Promise<{ id: string; name: string; evaluation?: unknown }> {
  return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
}

export async function preparePacks(dataDir: string): Promise<PreparedPacks> {
  const dir = join(dataDir, 'packs');
  await mkdir(dir, { recursive: true });
  const sources: string[] = [];
  // Shipped packs first: when the trained default pack exists, the model page plots its real evaluation.
  const shipped = join(repoRoot, 'models/packs');
  if (existsSync(shipped)) {
    for (const name of (await readdir(shipped)).sort()) {
      if (existsSync(join(shipped, name, 'manifest.json'))) sources.push(join(shipped, name));
    }
  }
  // COMMER_E2E_EXTRA_PACKS: a folder of further packs to offer (e.g. a freshly exported one).
  const extra = process.env.COMMER_E2E_EXTRA_PACKS;
  if (extra && existsSync(extra)) {
    for (const name of (await readdir(extra)).sort()) {
      if (existsSync(join(extra, name, 'manifest.json'))) sources.push(join(extra, name));
    }
  }
  for (const name of ['stories260k', 'tiny-random']) {
    const p = join(repoRoot, 'test/fixtures/packs', name);
    if (existsSync(join(p, 'manifest.json'))) sources.push(p);
  }
  if (sources.length < 2) throw new Error(`e2e needs two real packs; found ${sources.length} (test/fixtures/packs, models/packs)`);

  const valid: string[] = [];
  const withEvaluation: string[] = [];
  for (const src of sources) {
    const m = await manifestOf(src);
    if (valid.includes(m.id)) continue;
    await cp(src, join(dir, m.id), { recursive: true, filter: (s) => !s.endsWith('golden.json') });
    if (m.id === 'stories260k') {
      // The session restyles with this tiny model, which writes its 64 tokens in a blink: a longer
      // limit (well inside its 512 trained positions) keeps a generation running long enough for
      // "Stop" to be seen cutting it short. The manifest is not hashed; its files stay intact.
      const full = JSON.parse(await readFile(join(dir, m.id, 'manifest.json'), 'utf8'));
      full.limits.max_new_tokens = Math.max(full.limits.max_new_tokens, E2E_STORIES_MAX_NEW_TOKENS);
      await writeFile(join(dir, m.id, 'manifest.json'), JSON.stringify(full, null, 2));
    }
    valid.push(m.id);
    if (m.evaluation) withEvaluation.push(m.id);
  }

  // A copy of the smallest fixture with a truncated tensor: its hash and size no longer match.
  const brokenSrc = sources[sources.length - 1]!;
  const broken = { id: 'broken-e2e', name: 'Broken pack (e2e)' };
  const brokenDir = join(dir, broken.id);
  await cp(brokenSrc, brokenDir, { recursive: true, filter: (s) => !s.endsWith('golden.json') });
  const m = await manifestOf(brokenDir);
  await writeFile(join(brokenDir, 'manifest.json'), JSON.stringify({ ...m, id: broken.id, name: broken.name }, null, 2));
  await truncate(join(brokenDir, 'embeddings.f32'), 1000);
  return { dir, valid, withEvaluation, broken };
}
