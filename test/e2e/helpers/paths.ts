import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const screenshotDir = join(repoRoot, 'test/e2e/screenshots');
/** CI keeps the shared data folder beside the checkout. */
export const obamaCsv = resolve(repoRoot, '../shared/data/tweets/BarackObama.csv');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(chromiumPath);
}
