// `npm start` without Electron: scripts/start.mjs spawns the web host. Stopping the script
// (Ctrl+C, kill, a closed terminal, or kill -9) must stop the host with it and close its port;
// a host left behind keeps the database open and the port taken.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { ROOT } from '../../faults/helpers.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The process ids whose parent is `pid` (Linux /proc; `ps` where that is missing). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
    return r.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Polls until `cond` holds; the cap only keeps a broken run from hanging (no timing is asserted). */
async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`gave up waiting: ${what}`);
}

interface Started {
  script: ChildProcess;
  hostPid: number;
  port: number;
  output(): string;
}

/** Runs `node scripts/start.mjs --web --no-open` (what `npm start` runs) and waits for the host's URL. */
async function start(dataDir: string): Promise<Started> {
  const script = spawn(process.execPath, [join(ROOT, 'scripts/start.mjs'), '--web', '--no-open', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, COMMER_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  script.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  script.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /http:\/\/127\.0\.0\.1:\d+\//.test(out) || script.exitCode !== null, 'the host to print its URL');
  const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
  assert.ok(m, `no URL; start.mjs printed:\n${out}`);
  const hosts = childrenOf(script.pid!);
  assert.equal(hosts.length, 1, `start.mjs has one child, the host: ${hosts.join(', ')}`);
  hostPids.push(hosts[0]!);
  scripts.push(script);
  return { script, hostPid: hosts[0]!, port: Number(m[1]), output: () => out };
}

const hostPids: number[] = [];
const scripts: ChildProcess[] = [];

describe('scripts/start.mjs --web stops the host with it', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'commer-start-'));
  });
  after(() => {
    // A host left behind (the failure this tests) would hold our pipes open and keep this file from ending.
    for (const pid of hostPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const s of scripts) {
      s.stdout?.destroy();
      s.stderr?.destroy();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    test(`${sig} to the script: the host shuts down and the port closes`, { timeout: 300_000 }, async () => {
      const s = await start(join(dir, sig));
      assert.ok(await portOpen(s.port), 'the host listens');
      const exited = once(s.script, 'exit');
      s.script.kill(sig);
      await exited;
      // start.mjs exits only once the host has; then nothing of it is left.
      await until(() => !alive(s.hostPid), `host ${s.hostPid} to exit`);
      assert.equal(await portOpen(s.port), false, `port ${s.port} still open`);
      assert.doesNotMatch(s.output(), /Error|unhandled/i, 'a clean shutdown');
    });
  }

  test('SIGKILL to the script (nothing to pass on): the host notices and stops itself', { timeout: 300_000 }, async () => {
    const s = await start(join(dir, 'SIGKILL'));
    s.script.kill('SIGKILL');
    await once(s.script, 'exit');
    try {
      await until(() => !alive(s.hostPid), `host ${s.hostPid} to exit after its parent was killed`);
    } finally {
      if (alive(s.hostPid)) process.kill(s.hostPid, 'SIGKILL');
    }
    await until(async () => !(await portOpen(s.port)), `port ${s.port} to close`);
  });
});
