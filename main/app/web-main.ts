// Composition root of the web host: the same services as the desktop app, served over
// HTTP + SSE on 127.0.0.1 to a browser. `npm start` runs this where Electron cannot.
//
//   tsx main/app/web-main.ts [--port N] [--data-dir DIR] [--pack-dir DIR]... [--open] [--max-upload-mb N]
// First: onnxruntime's telemetry stays off here and in the inference worker (a worker cannot switch it off itself).
import '../runtime/no-telemetry.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createWorkerTransport } from '../jobs/worker-transport.js';
import { createServices } from '../services/index.js';
import { defaultDataDir, EXPORTS_DIR_NAME } from '../store/paths.js';
import { startWebHost } from '../web/server.js';
import { crashNotice, reportCrashes } from './crash-report.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'pack-dir': { type: 'string', multiple: true },
    'static-dir': { type: 'string' },
    open: { type: 'boolean', default: false },
    'max-upload-mb': { type: 'string', default: '512' },
  },
  strict: true,
});

const port = Number(values.port);
const maxUploadMb = Number(values['max-upload-mb']);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not "${values.port}"`);
if (!Number.isFinite(maxUploadMb) || maxUploadMb <= 0) fail(`--max-upload-mb must be a positive number, not "${values['max-upload-mb']}"`);

const dataDir = values['data-dir'] ?? defaultDataDir();
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

// The host that carries notices to the browser exists only after the services do.
let notify: (code: number | null) => void = () => {};
const services = await createServices({
  dataDir,
  ...(values['pack-dir'] ? { packDirs: values['pack-dir'] } : {}),
  createInferenceTransport: () => reportCrashes(createWorkerTransport(), (code) => notify(code)),
}).catch((err: unknown) => fail(`could not open the data folder ${dataDir}: ${err instanceof Error ? err.message : String(err)}`));
const host = await startWebHost({
  services,
  appVersion: version,
  staticDir: values['static-dir'] ?? join(repoRoot, 'dist', 'renderer'),
  exportDir: join(dataDir, EXPORTS_DIR_NAME),
  port,
  maxUploadBytes: Math.round(maxUploadMb * 1024 * 1024),
});

notify = (code) => host.emit('app:notice', crashNotice(code));

console.log(`ComMer Studio is running at ${host.url}`);
console.log(`Data folder: ${dataDir}`);
if (values.open) openBrowser(host.url);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await host.close();
  await services.close();
  process.exit(0);
}
// SIGHUP: the terminal that ran `npm start` was closed.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop());
// Started by scripts/start.mjs with an IPC channel: the channel closes when that script dies, even by SIGKILL.
if (process.send) process.on('disconnect', () => void stop());

/** Best effort: a machine without a desktop simply has no browser to open. */
function openBrowser(url: string) {
  // Without a display, xdg-open would fall back to a terminal browser and take over this terminal.
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener on this machine: the printed URL is enough
  }
}

function fail(message: string): never {
  console.error(`commer web host: ${message}`);
  process.exit(1);
}
