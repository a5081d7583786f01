// Test packs for the runtime's integration tests: every directory under
// test/fixtures/packs with a manifest.json (committed by the exporter's scripts),
// plus any listed in COMMER_TEST_PACKS (path-separated) for local development.

import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function fixturePacks(): string[] {
  const dir = join(repoRoot, 'test', 'fixtures', 'packs');
  const found = existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((n) => join(dir, n))
        .filter((p) => existsSync(join(p, 'manifest.json')))
    : [];
  const extra = (process.env.COMMER_TEST_PACKS ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((p) => resolve(p));
  return [...found, ...extra];
}

/** The pack the generic runtime tests use: stories260K when present, else the first. */
export function primaryPack(): string | null {
  const all = fixturePacks();
  return all.find((p) => /stories260k/i.test(p)) ?? all[0] ?? null;
}

/** The packs the app ships: every directory under models/packs with a manifest.json. */
export function shippedPacks(): string[] {
  const dir = join(repoRoot, 'models', 'packs');
  return existsSync(dir)
    ? readdirSync(dir)
        .sort()
        .map((n) => join(dir, n))
        .filter((p) => existsSync(join(p, 'manifest.json')))
    : [];
}
