import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preparePacks, type PreparedPacks } from './packs.js';
import { repoRoot } from './paths.js';

export interface RunningHost {
  url: string;
  origin: string;
  port: number;
  token: string;
  dataDir: string;
  packs: PreparedPacks;
  /** Everything the host printed on stderr, for failure messages. */
  log(): string;
  /**
   * Stops this host (as quitting the app does) and starts a new one on the same data
   * folder and packs: an app restart. The new host has its own port and token; this
   * one's close() then only stops its process, the new one's removes the folder.
   */
  restart(): Promise<RunningHost>;
  close(): Promise<void>;
}

/**
 * Builds the renderer from the current sources into `target` (the same Vite config
 * scripts/build.mjs uses). The host serves this private build: dist/ is shared with
 * whatever else runs in the checkout, and a build of it racing a source edit could
 * leave the suite testing stale code.
 */
export function buildRendererInto(target: string): void {
  const r = spawnSync(process.execPath, [join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--outDir', target, '--emptyOutDir', '--logLevel', 'error'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(join(target, 'index.html'))) throw new Error('building the renderer failed');
}

/**
 * Starts the real web host (main/app/web-main.ts, what `npm start` runs without
 * Electron) in a child process, on a fresh temp data folder, with only the packs
 * this run prepared.
 */
export async function startHost(): Promise<RunningHost> {
  const dataDir = await mkdtemp(join(tmpdir(), 'commer-e2e-'));
  const staticDir = join(dataDir, 'renderer');
  buildRendererInto(staticDir);
  const packs = await preparePacks(dataDir);
  return launchHost(dataDir, staticDir, packs);
}

/** Starts the host process on a prepared data folder (its renderer build and packs in it). */
async function launchHost(dataDir: string, staticDir: string, packs: PreparedPacks): Promise<RunningHost> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/app/web-main.ts'), '--data-dir', dataDir, '--pack-dir', packs.dir, '--static-dir', staticDir], {
    cwd: repoRoot,
    env: { ...process.env, COMMER_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const info = await new Promise<{ url: string; port: number; token: string }>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      // The host prints the URL it listens on, with the per-run token.
      const m = /(http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+))/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve({ url: m[1]!, port: Number(m[2]), token: m[3]! });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`web host exited with ${code} before it was ready:\n${stderr}`)));
  });
  let handedOver = false;
  const stop = async () => {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    ...info,
    origin: `http://127.0.0.1:${info.port}`,
    dataDir,
    packs,
    log: () => stderr,
    async restart() {
      await stop();
      handedOver = true;
      return launchHost(dataDir, staticDir, packs);
    },
    async close() {
      await stop();
      if (!handedOver) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
