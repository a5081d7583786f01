// Child-process entry for the e2e suite: opens the real services on the data folder
// given in COMMER_DATA_DIR with only the packs the test prepared, serves the built
// renderer with the real web host, and prints one JSON line with the URL and token.
// It runs until the parent closes its stdin or kills it.
import { join } from 'node:path';
import { createServices } from '../../../main/services/index.js';
import { startWebHost } from '../../../main/web/server.js';
import { repoRoot } from './paths.js';

const dataDir = process.env.COMMER_DATA_DIR;
const packDir = process.env.COMMER_E2E_PACK_DIR;
if (!dataDir || !packDir) {
  console.error('host-main: COMMER_DATA_DIR and COMMER_E2E_PACK_DIR are required');
  process.exit(2);
}

const services = await createServices({ dataDir, packDirs: [packDir] });
const host = await startWebHost({
  services,
  appVersion: 'e2e',
  staticDir: join(repoRoot, 'dist/renderer'),
  exportDir: join(dataDir, 'exports'),
});
process.stdout.write(JSON.stringify({ url: host.url, port: host.port, token: host.token }) + '\n');

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await host.close().catch(() => undefined);
  await services.close().catch(() => undefined);
  process.exit(0);
}
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
process.on('SIGTERM', () => void shutdown());
