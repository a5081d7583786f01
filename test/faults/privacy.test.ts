// Nothing leaves the machine: a whole session through the real CLI (import, compress,
// restyle, export) and the web host (pack activation, an upload, a restyle), each
// under `strace -ff`, on the real stories260k pack, with HOME, the XDG folders and
// TMPDIR pointed at fresh empty folders. Asserted: no connect()/sendto()/sendmsg()
// to any address outside loopback, no name lookup at all (nothing to port 53, no
// nscd or systemd-resolved socket), no file created or opened for writing outside
// the data folder, the export's folder and the temp folder, and, afterwards, empty
// HOME, XDG and temp folders.
//
// onnxruntime-node's telemetry (see main/runtime/no-telemetry.ts) starts its upload
// about nine seconds after the first session; the web host is kept running past that.
/* eslint-disable @typescript-eslint/no-explicit-any -- the web host's replies are untyped JSON, checked field by field */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { CLI, ROOT, writeTweetsJs } from './helpers.js';

const linux = process.platform === 'linux';
const hasStrace = linux && spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
// scripts/test.mjs installs strace where it can; without it nothing here can be checked, and that must not pass quietly.
const skip = linux ? false : 'strace-based checks run on Linux only';

/** Every syscall that can create, replace or open a file for writing, plus the network family. */
const TRACE = ['%network', 'open', 'openat', 'openat2', 'creat', 'mkdir', 'mkdirat', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat', 'truncate', 'mknod', 'mknodat'];

interface Dirs {
  root: string;
  home: string;
  xdg: string;
  tmp: string;
  data: string;
  out: string;
  packs: string;
  traces: string;
  input: string;
}

let d: Dirs;

function fresh(): Dirs {
  const root = mkdtempSync(join(tmpdir(), 'commer-privacy-'));
  const sub = (name: string) => {
    const p = join(root, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const dirs = { root, home: sub('home'), xdg: sub('xdg'), tmp: sub('tmp'), data: join(root, 'data'), out: sub('out'), packs: sub('packs'), traces: sub('traces'), input: sub('input') };
  for (const x of ['config', 'cache', 'data', 'state', 'runtime']) mkdirSync(join(dirs.xdg, x));
  symlinkSync(join(ROOT, 'test/fixtures/packs/stories260k'), join(dirs.packs, 'stories260k'));
  return dirs;
}

/** The environment a user's session would have, but with every per-user folder fresh and empty. */
function sessionEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The app must switch telemetry off itself; nothing inherited from the test runner may do it for it.
  for (const k of Object.keys(env)) if (k.startsWith('ORT_') || k === 'COMMER_DATA_DIR') delete env[k];
  return {
    ...env,
    HOME: d.home,
    XDG_CONFIG_HOME: join(d.xdg, 'config'),
    XDG_CACHE_HOME: join(d.xdg, 'cache'),
    XDG_DATA_HOME: join(d.xdg, 'data'),
    XDG_STATE_HOME: join(d.xdg, 'state'),
    XDG_RUNTIME_DIR: join(d.xdg, 'runtime'),
    TMPDIR: d.tmp,
    // tsx (how the app runs from source) caches compiled files in TMPDIR/tsx-<uid>; that is the dev tool, not the app.
    TSX_DISABLE_CACHE: '1',
  };
}

/** `node --import tsx <args>` under strace; one trace file per process and thread (`-ff`), so no line is split. */
function traced(name: string, args: string[]): ChildProcess {
  const strace = ['-ff', '-y', '-qq', '--seccomp-bpf', '-e', `trace=${TRACE.join(',')}`, '-o', join(d.traces, name)];
  return spawn('strace', [...strace, process.execPath, '--import', 'tsx', ...args], { cwd: ROOT, env: sessionEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

async function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c));
  child.stderr?.on('data', (c: Buffer) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

async function cli(...args: string[]) {
  const r = await finished(traced(`cli-${args[0] === '--json' ? args[1] : args[0]}`, [CLI, '--data-dir', d.data, '--packs', d.packs, ...args]));
  assert.equal(r.code, 0, `commer ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Every syscall line of every trace file (`name.<pid>`). */
function traceLines(): string[] {
  const lines: string[] = [];
  for (const f of readdirSync(d.traces)) lines.push(...readFileSync(join(d.traces, f), 'utf8').split('\n').filter(Boolean));
  return lines;
}

function loopback(addr: string): boolean {
  return /^127\./.test(addr) || addr === '::1' || /^::ffff:127\./i.test(addr);
}

/** Connections and datagrams that would leave the machine, and every name lookup. */
function networkViolations(lines: string[]): string[] {
  const bad: string[] = [];
  for (const line of lines) {
    if (!/^(connect|sendto|sendmsg|sendmmsg)\(/.test(line)) continue;
    if (/htons\(53\)/.test(line)) bad.push(`DNS query: ${line}`);
    else if (/sun_path="[^"]*(nscd|systemd\/resolve)[^"]*"/.test(line)) bad.push(`name lookup through a local resolver: ${line}`);
    else if (/sa_family=AF_INET6?\b/.test(line)) {
      const addrs = [...line.matchAll(/inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"/g)].map((m) => m[1] ?? m[2]!);
      if (addrs.length === 0 || !addrs.every(loopback)) bad.push(`non-loopback address: ${line}`);
    }
  }
  return bad;
}

/**
 * Paths created or opened for writing (successful calls only) outside the allowed
 * folders. With `-y`, strace prints a directory fd's path (`AT_FDCWD</cwd>`,
 * `3</dir>`), so relative paths resolve exactly.
 */
function writesOutside(lines: string[], allowed: string[]): string[] {
  const bad: string[] = [];
  const inside = (p: string) => allowed.some((a) => p === a || p.startsWith(a + sep)) || /^\/dev\/(null|tty|pts\/|shm\/)/.test(p) || /^\/proc\/(self|\d+)\//.test(p);
  for (const line of lines) {
    const m = /^(\w+)\((.*)\)\s+= (-?\d+)/.exec(line);
    if (!m || Number(m[3]) < 0) continue;
    const [, call, args] = m as unknown as [string, string, string];
    const strs = [...args.matchAll(/(?:(\w+|\d+)<([^>]*)>, )?"((?:[^"\\]|\\.)*)"/g)];
    const at = (i: number) => {
      const s = strs[i];
      if (!s) return null;
      const path = s[3]!;
      return isAbsolute(path) ? resolve(path) : resolve(s[2] ?? ROOT, path);
    };
    let targets: (string | null)[] = [];
    if (call === 'open' || call === 'openat' || call === 'openat2') {
      if (/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_TMPFILE/.test(args)) targets = [at(0)];
    } else if (['creat', 'mkdir', 'mkdirat', 'truncate', 'mknod', 'mknodat'].includes(call)) targets = [at(0)];
    else if (['rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat'].includes(call)) targets = [at(strs.length - 1)];
    for (const t of targets) if (t === null || !inside(t)) bad.push(line);
  }
  return bad;
}

/** Files and folders left under dir, as paths relative to it. */
function leftovers(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('privacy: nothing leaves the machine', { skip }, () => {
  before(async () => {
    assert.ok(hasStrace, 'strace is missing: install it (apt-get install strace; npm test does so on Debian)');
    d = fresh();
    await writeTweetsJs(join(d.input, 'tweets.js'), 24);
    writeFileSync(join(d.input, 'upload.csv'), 'text\nrockets at dawn, again\ngardens after the rain\n');
  });
  after(() => {
    if (d) rmSync(d.root, { recursive: true, force: true });
  });

  test('a CLI session: import, compress, restyle, export', async () => {
    const imported = JSON.parse(await cli('--json', 'import', join(d.input, 'tweets.js'), '--profile', 'me')) as Array<{ phase: string; stored: number }>;
    assert.deepEqual(
      imported.map((r) => [r.phase, r.stored]),
      [['done', 24]],
    );
    const st = JSON.parse(await cli('--json', 'compress')) as { done: number; total: number; packId: string };
    assert.equal(st.packId, 'stories260k');
    assert.equal(st.done, st.total);
    const out = JSON.parse(await cli('--json', 'restyle', 'coffee before code', '--profile', 'me', '-n', '2', '--seed', '1', '--max-new-tokens', '8')) as { usedDocs: number; candidates: string[] };
    assert.equal(out.usedDocs, 24);
    assert.equal(out.candidates.length, 2);
    await cli('export', join(d.out, 'export.json'));
    assert.equal(JSON.parse(readFileSync(join(d.out, 'export.json'), 'utf8')).profiles[0].documents.length, 24);
  });

  test('the web host: activate the pack, upload and import a file, restyle', async () => {
    const child = traced('web', [join(ROOT, 'main/app/web-main.ts'), '--data-dir', d.data, '--pack-dir', d.packs]);
    const exit = finished(child);
    try {
      let printed = '';
      const url = await new Promise<URL>((resolveUrl, reject) => {
        child.stdout!.on('data', (c: Buffer) => {
          printed += c.toString();
          const m = /running at (http:\/\/\S+)/.exec(printed);
          if (m) resolveUrl(new URL(m[1]!));
        });
        child.once('exit', (code) => reject(new Error(`web host exited (${code}) before printing its URL:\n${printed}`)));
      });
      const web = webClient(Number(url.port), url.searchParams.get('token')!);
      const activated = await web.invoke('packs:activate', { id: 'stories260k' });
      assert.equal(activated.status, 200, JSON.stringify(activated.json));
      const since = Date.now();

      const profile = await web.invoke('profiles:create', { name: 'web' });
      const up = await web.call('POST', '/api/upload?name=upload.csv', readFileSync(join(d.input, 'upload.csv')));
      assert.equal(up.status, 200, JSON.stringify(up.json));
      const imported = web.events((name, data) => name === 'import:progress' && ['done', 'failed', 'cancelled'].includes(data.phase));
      await imported.subscribed;
      const started = await web.invoke('import:start', { profileId: profile.json.value.id, files: [{ uploadId: up.json.value.uploadId, name: 'upload.csv' }] });
      assert.equal(started.status, 200, JSON.stringify(started.json));
      assert.equal((await imported.done).at(-1)!.data.phase, 'done');

      const me = (await web.invoke('profiles:list')).json.value.find((p: { name: string }) => p.name === 'me');
      let streamId = '';
      const stream = web.events((name, data) => name === 'restyle:event' && data.streamId === streamId && ['done', 'error'].includes(data.event.type));
      await stream.subscribed;
      const r = await web.invoke('restyle:start', { profileId: me.id, task: 'headline', draft: 'rockets are fun', docs: 'all', n: 1, sampling: { maxNewTokens: 8, seed: 2 } });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      streamId = r.json.value.streamId;
      const mine = (await stream.done).filter((e) => e.name === 'restyle:event' && e.data.streamId === streamId);
      assert.equal(mine.at(-1)!.data.event.type, 'done', JSON.stringify(mine.at(-1)));

      // Stay up past the moment onnxruntime's telemetry would start uploading (~9 s after its first session).
      await new Promise((r) => setTimeout(r, Math.max(0, 15_000 - (Date.now() - since))));
    } finally {
      // SIGTERM to the web host itself (strace's child), so it shuts down as a user's ^C would and cleans up.
      const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      for (const pid of kids) process.kill(pid, 'SIGTERM');
    }
    const r = await exit;
    assert.equal(r.code, 0, `the web host did not stop cleanly:\n${r.stderr}`);
  });

  test('no connection left the machine and no name was looked up', () => {
    const lines = traceLines();
    assert.ok(
      lines.some((l) => l.startsWith('bind(')),
      'the traces hold the web host (it binds its port)',
    );
    assert.deepEqual(networkViolations(lines), []);
  });

  test('nothing was written outside the data folder, the export folder and the temp folder; no leftovers', () => {
    const lines = traceLines();
    assert.ok(
      lines.some((l) => l.includes(join(d.data, 'commer.db'))),
      'the traces hold the database writes',
    );
    assert.deepEqual(writesOutside(lines, [d.data, d.out, d.tmp]), []);
    assert.deepEqual(leftovers(d.home), [], 'HOME');
    assert.deepEqual(leftovers(d.xdg), ['cache', 'config', 'data', 'runtime', 'state'], 'the XDG folders');
    assert.deepEqual(leftovers(d.tmp), [], 'the temp folder');
    assert.deepEqual(leftovers(d.out), ['export.json']);
  });
});

function webClient(port: number, token: string) {
  const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; json: any }>((resolveCall, reject) => {
      const r = request({ host: '127.0.0.1', port, method, path, headers: { 'x-commer-token': token, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = text;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON: kept as text for the assertion message
          }
          resolveCall({ status: res.statusCode ?? 0, json });
        });
      });
      r.on('error', reject);
      r.end(body);
    });
  const invoke = (channel: string, input?: unknown) =>
    call('POST', `/api/invoke/${channel}`, input === undefined ? undefined : JSON.stringify(input), input === undefined ? {} : { 'content-type': 'application/json' });
  /** Collects SSE events until `until` says stop; `ready` once the host has the subscription (so nothing is missed). */
  const events = (until: (name: string, data: any) => boolean) => {
    let ready!: () => void;
    const subscribed = new Promise<void>((r) => (ready = r));
    const done = new Promise<{ name: string; data: any }[]>((resolveEvents, reject) => {
      const seen: { name: string; data: any }[] = [];
      const r = request({ host: '127.0.0.1', port, path: '/api/events', headers: { 'x-commer-token': token } }, (res) => {
        // The host registers the stream before it sends the headers.
        ready();
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString('utf8');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const name = /^event: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (!name || !data) continue;
            seen.push({ name, data: JSON.parse(data) });
            if (until(name, seen.at(-1)!.data)) {
              res.destroy();
              resolveEvents(seen);
            }
          }
        });
      });
      r.on('error', reject);
      r.end();
    });
    return { subscribed, done };
  };
  return { call, invoke, events };
}
