// The web host as `npm start` runs it (main/app/web-main.ts) in a child process, over
// the real services, a real SQLite file and a real model pack.
/* eslint-disable @typescript-eslint/no-explicit-any -- the replies are untyped JSON, checked field by field by the assertions */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
let child: ChildProcess;
let dir: string;
let port: number;
let token: string;
let output = '';

function call(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers: { 'x-commer-token': token, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = text;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the assertion message
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}
const invoke = (channel: string, input?: unknown) =>
  call('POST', `/api/invoke/${channel}`, input === undefined ? undefined : JSON.stringify(input), input === undefined ? {} : { 'content-type': 'application/json' });

/** Collects SSE events until `until` says stop. */
function events(until: (name: string, data: any) => boolean): Promise<{ name: string; data: any }[]> {
  return new Promise((resolve, reject) => {
    const seen: { name: string; data: any }[] = [];
    const r = request({ host: '127.0.0.1', port, path: '/api/events', headers: { 'x-commer-token': token } }, (res: IncomingMessage) => {
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
          const e = { name, data: JSON.parse(data) };
          seen.push(e);
          if (until(e.name, e.data)) {
            // Frames after the match in the same chunk are not part of the answer (the last one is the match).
            res.destroy();
            resolve(seen);
            return;
          }
        }
      });
    });
    r.on('error', reject);
    r.end();
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commer-app-test-'));
  await mkdir(join(dir, 'packs'));
  // The small random pack keeps this test fast; the host must find it by scanning the folder.
  await symlink(join(repo, 'test/fixtures/packs/tiny-random'), join(dir, 'packs', 'tiny-random'));
  child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'main/app/web-main.ts'), '--data-dir', join(dir, 'data'), '--pack-dir', join(dir, 'packs')], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(output);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`web host exited (${code}) before printing its URL:\n${output}`)));
  });
  const u = new URL(url);
  assert.equal(u.hostname, '127.0.0.1');
  port = Number(u.port);
  token = u.searchParams.get('token')!;
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  await rm(dir, { recursive: true, force: true });
});

describe('web host over the real services', () => {
  test('refuses a request without the token', async () => {
    const r = await call('POST', '/api/invoke/profiles:list', undefined, { 'x-commer-token': '' });
    assert.equal(r.status, 401);
  });

  test('imports an uploaded CSV, streams progress, and lists the documents', async () => {
    const created = await invoke('profiles:create', { name: 'me' });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const profileId = created.json.value.id;

    const up = await call('POST', '/api/upload?name=tweets.csv', 'text\nfirst tweet about rockets\nsecond tweet about gardens\nthird tweet about rockets again\n');
    assert.equal(up.status, 200, JSON.stringify(up.json));
    const done = events((name, data) => name === 'import:progress' && ['done', 'failed', 'cancelled'].includes(data.phase) && data.phase !== 'compressing');
    const started = await invoke('import:start', { profileId, files: [{ uploadId: up.json.value.uploadId, name: 'tweets.csv' }] });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const seen = await done;
    const last = seen.at(-1)!.data;
    assert.equal(last.phase, 'done', JSON.stringify(last));
    assert.equal(last.stored, 3);

    const docs = await invoke('library:list', { profileId, search: 'rockets' });
    assert.equal(docs.status, 200, JSON.stringify(docs.json));
    assert.equal(docs.json.value.total, 2);
  });

  test('a bad payload is refused with the schema message, and nothing is created', async () => {
    const r = await invoke('profiles:create', { name: 'x'.repeat(101) });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /at most 100 characters/);
    const list = await invoke('profiles:list');
    assert.deepEqual(
      list.json.value.map((p: { name: string }) => p.name),
      ['me'],
    );
  });

  test('restyle streams two candidates token by token over SSE and records them in history', async () => {
    let profile = (await invoke('profiles:list')).json.value[0];
    const profileId = profile.id;
    // Restyling with 'all' uses committed compressions only: let the queue finish first.
    for (let i = 0; i < 600 && profile.compression.compressed < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      profile = (await invoke('profiles:list')).json.value[0];
    }
    assert.equal(profile.compression.compressed, 3, JSON.stringify(profile));
    let streamId = '';
    const stream = events((name, data) => name === 'restyle:event' && data.streamId === streamId && (data.event.type === 'done' || data.event.type === 'error'));
    const r = await invoke('restyle:start', { profileId, task: 'paraphrase', draft: 'rockets are fun', docs: 'all', n: 2, sampling: { maxNewTokens: 6, seed: 7 } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    streamId = r.json.value.streamId;
    const mine = (await stream).filter((e) => e.name === 'restyle:event' && e.data.streamId === streamId).map((e) => e.data.event);
    assert.equal(mine.at(-1).type, 'done', JSON.stringify(mine.at(-1)));
    assert.ok(mine.some((e) => e.type === 'token'));
    const finished = mine.filter((e) => e.type === 'candidate-done');
    assert.equal(finished.length, 2);
    const history = await invoke('history:list', { profileId });
    assert.equal(history.status, 200);
    assert.deepEqual(history.json.value.items.map((g: { output: string }) => g.output).sort(), finished.map((e: { text: string }) => e.text).sort());
  });

  test('exports all data to a file the browser can download with the token', async () => {
    const r = await invoke('settings:export');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.match(r.json.value.downloadUrl, /^\/api\/download\/commer-export-[\w-]+\.json$/);
    const file = await call('GET', r.json.value.downloadUrl);
    assert.equal(file.status, 200);
    assert.ok(JSON.stringify(file.json).includes('first tweet about rockets'), 'the export holds the documents');
    const refused = await call('GET', r.json.value.downloadUrl, undefined, { 'x-commer-token': 'wrong' });
    assert.equal(refused.status, 401);
  });

  test('stops cleanly on SIGTERM', async () => {
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0, output);
  });
});
