// The web host against clients that connect and then stall: idle sockets, a trickled
// request head, a stalled upload, a flood of connections. Loopback only, bounded
// (every socket opened here is closed at the end), with the host's limits shortened.
// Bounds are generous on purpose: what is asserted is that a socket gets closed, or a
// request still gets its answer, never how fast.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebHost, type ConnectionLimits, type WebHost } from '../../../main/web/server.js';
import { fakeServices } from './fake-services.js';

const GENEROUS_MS = 30_000;
const hosts: WebHost[] = [];
const sockets = new Set<Socket>();
const dirs: string[] = [];

after(async () => {
  for (const s of sockets) s.destroy();
  for (const h of hosts) await h.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function host(limits: Partial<ConnectionLimits>): Promise<WebHost> {
  const dir = await mkdtemp(join(tmpdir(), 'commer-hostile-'));
  dirs.push(dir);
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>studio</title>');
  const h = await startWebHost({ services: fakeServices(), appVersion: '0.0.0-test', staticDir: dir, exportDir: join(dir, 'exports'), limits });
  hosts.push(h);
  return h;
}

/** A raw loopback socket, connected; `closed` resolves when the host hangs up, with whatever it sent. */
async function open(h: WebHost): Promise<{ socket: Socket; closed: Promise<string> }> {
  const socket = connect({ host: '127.0.0.1', port: h.port });
  sockets.add(socket);
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  await once(socket, 'connect');
  return { socket, closed };
}

/** Upload folders holding a file of this name, in any web host's upload root. */
async function uploadsNamed(name: string): Promise<string[]> {
  const found: string[] = [];
  for (const root of (await readdir(tmpdir())).filter((n) => n.startsWith('commer-uploads-'))) {
    for (const sub of await readdir(join(tmpdir(), root)).catch(() => [] as string[])) {
      if ((await readdir(join(tmpdir(), root, sub)).catch(() => [] as string[])).includes(name)) found.push(join(root, sub));
    }
  }
  return found;
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > GENEROUS_MS) throw new Error(`${what}: not within ${GENEROUS_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function within<T>(p: Promise<T>, what: string, ms = GENEROUS_MS): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A real authenticated call on a fresh connection. */
function listProfiles(h: WebHost): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port: h.port, method: 'POST', path: '/api/invoke/profiles:list', agent: false, headers: { host: `127.0.0.1:${h.port}`, 'x-commer-token': h.token } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}

describe('web host under hostile clients', () => {
  test('a flood of idle connections cannot shut out a real request: the longest idle ones make room', async () => {
    // Default timeouts (a minute of idleness): only the connection limit can help here.
    const h = await host({ maxConnections: 32 });
    const flood: { socket: Socket; closed: Promise<string> }[] = [];
    for (let i = 0; i < 300; i++) flood.push(await open(h));
    const r = await within(listProfiles(h), 'the real request');
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { ok: true, value: [] });
    // The flood was trimmed to the limit (closing is asynchronous: wait for the hangups, not a moment).
    await within(Promise.all(flood.slice(0, 300 - 32).map((f) => f.closed)), 'the oldest idle connections closed');
    const stillOpen = flood.filter((f) => !f.socket.destroyed && f.socket.readyState === 'open').length;
    assert.ok(stillOpen < 32, `${stillOpen} idle connections kept, limit 32`);
    for (const f of flood) f.socket.destroy();
  });

  test('a connection that never sends a byte, or stops after its answer, is closed after the idle timeout', async () => {
    const h = await host({ idleTimeoutMs: 300, keepAliveTimeoutMs: 300 });
    const silent = await Promise.all(Array.from({ length: 20 }, () => open(h)));
    await within(Promise.all(silent.map((s) => s.closed)), 'silent sockets closed');

    const kept = await open(h);
    kept.socket.write(`POST /api/invoke/profiles:list HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nx-commer-token: ${h.token}\r\nContent-Length: 0\r\n\r\n`);
    const answered = await within(kept.closed, 'keep-alive socket closed after its answer');
    assert.match(answered, /^HTTP\/1\.1 200 /, 'it got its answer first');
  });

  test('a request head trickled byte by byte is cut off by the head timeout (408)', async () => {
    const h = await host({ headersTimeoutMs: 500 });
    const slow = await open(h);
    slow.socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\n`);
    // One header byte every 100 ms keeps the socket busy, so only the head timeout can end this.
    const drip = setInterval(() => slow.socket.writable && slow.socket.write('X'), 100);
    try {
      const got = await within(slow.closed, 'trickling socket closed');
      assert.match(got, /^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  });

  test('an upload that stalls mid-body is dropped after the idle timeout, and leaves no file', async () => {
    const h = await host({ idleTimeoutMs: 300 });
    const stalled = await open(h);
    stalled.socket.write(`POST /api/upload?name=stalled.csv HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nx-commer-token: ${h.token}\r\nContent-Length: 100000\r\n\r\ntext\nfirst row\n`);
    await within(stalled.closed, 'stalled upload closed');
    await eventually(async () => (await uploadsNamed('stalled.csv')).length === 0, 'the partial upload removed');
    const r = await within(listProfiles(h), 'a request after the stalled upload');
    assert.equal(r.status, 200);
  });

  test('the SSE event stream outlives every timeout: it is meant to sit idle', async () => {
    const h = await host({ idleTimeoutMs: 200, keepAliveTimeoutMs: 200, headersTimeoutMs: 500, requestTimeoutMs: 1000 });
    const sse = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: h.port, path: '/api/events', agent: false, headers: { host: `127.0.0.1:${h.port}`, 'x-commer-token': h.token } }, resolve);
      r.on('error', reject);
      r.end();
    });
    assert.equal(sse.statusCode, 200);
    let text = '';
    let closed = false;
    sse.on('data', (c: Buffer) => (text += c.toString('utf8')));
    sse.on('close', () => (closed = true));
    // Well past the idle, keep-alive and request timeouts (the host pings only every 15 s).
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(closed, false, 'the event stream was closed by a timeout');
    const arrived = new Promise<void>((resolve) => sse.on('data', () => text.includes('event: app:notice') && resolve()));
    h.emit('app:notice', { level: 'info', message: 'still here' });
    await within(arrived, 'an event after the quiet spell');
    assert.match(text, /still here/);
    sse.destroy();
  });
});
