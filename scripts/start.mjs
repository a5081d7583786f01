#!/usr/bin/env node
// `npm start`: the desktop app when the Electron binary is here, otherwise the same
// interface as a local web app (web host on 127.0.0.1) in the browser.
//
//   node scripts/start.mjs [--web] [--port N] [--no-open]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const forceWeb = args.includes('--web');
const noOpen = args.includes('--no-open');
const portIdx = args.indexOf('--port');
const port = portIdx >= 0 ? args[portIdx + 1] : undefined;

/** The Electron executable, or null with the reason it is unusable. */
function electronBinary() {
  try {
    // electron's index.js returns the executable's path, and throws when the binary was never downloaded.
    const p = createRequire(import.meta.url)('electron');
    if (typeof p === 'string' && existsSync(p)) return { path: p };
    return { path: null, why: `the Electron package points at ${p}, which does not exist` };
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      path: null,
      why: /Cannot find module/.test(msg)
        ? 'the Electron package is not installed (npm drops it when its binary cannot be downloaded, e.g. without network access to GitHub)'
        : `the Electron binary was never downloaded (npm fetches it from GitHub at install time, which was not reachable here; ${msg})`,
    };
  }
}

function build(extra) {
  const r = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale', ...extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function hasPack(dir) {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { withFileTypes: true }).some((d) => d.isDirectory() && existsSync(join(dir, d.name, 'manifest.json')));
}

/**
 * Runs the host and ties its life to this process: the signals that stop `npm start` (Ctrl+C,
 * kill, a closed terminal) are passed on so the host shuts down cleanly, and this script exits
 * when the host has. `ipc` opens a channel to a node host: if this process dies without a signal
 * it could pass on (SIGKILL), the channel closes and the host stops itself (main/app/web-main.ts).
 */
function run(cmd, cmdArgs, { ipc = false } = {}) {
  // The hosts switch onnxruntime's telemetry off themselves (main/runtime/no-telemetry.ts); saying it here too
  // covers whatever they start before their first import runs.
  const child = spawn(cmd, cmdArgs, { cwd: root, stdio: ipc ? ['inherit', 'inherit', 'inherit', 'ipc'] : 'inherit', env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' } });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

const electron = forceWeb ? { path: null, why: 'you asked for the web host (--web)' } : electronBinary();
if (electron.path) {
  build([]);
  run(electron.path, [root]);
} else {
  build(['--only=renderer']);
  const shipped = join(root, 'models', 'packs');
  const packArgs = [];
  if (!hasPack(shipped)) {
    const fixtures = join(root, 'test', 'fixtures', 'packs');
    if (!hasPack(fixtures)) {
      console.error('No model pack found: models/packs/ is empty and there are no test fixture packs. Train and export one first (see models/README.md).');
      process.exit(1);
    }
    // stories260k holds a real pretrained backbone; the host picks the first valid pack, and it sorts first.
    console.warn(
      'warning: models/packs/ has no model pack yet, so the app uses the test fixture packs in test/fixtures/packs ' +
        '(real TinyStories weights with an untrained adapter: the suggestions will not sound like anyone).',
    );
    packArgs.push('--pack-dir', shipped, '--pack-dir', fixtures);
  }
  console.log(`ComMer Studio opens in your browser instead of its own window, because ${electron.why}.`);
  run(process.execPath, ['--import', 'tsx', join(root, 'main/app/web-main.ts'), ...(noOpen ? [] : ['--open']), ...(port ? ['--port', port] : []), ...packArgs], { ipc: true });
}
