import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { fakeServices, type FakeServices } from './fake-services.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let host: WebHost;
let services: FakeServices;
let dir: string;

function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: host.port, method, path, headers: { host: `127.0.0.1:${host.port}`, ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(opts.body);
  });
}

const auth = () => ({ 'x-commer-token': host.token });
const json = (body: unknown) => ({ headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify(body) });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commer-web-test-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>studio</title>');
  services = fakeServices();
  host = await startWebHost({
    services,
    appVersion: '0.0.0-test',
    staticDir: dir,
    exportDir: join(dir, 'exports'),
    maxJsonBytes: 1024,
    maxUploadBytes: 4096,
  });
});
after(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

describe('web host security', () => {
  test('listens on 127.0.0.1 and prints a URL that carries the token', () => {
    assert.match(host.url, new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[0-9a-f]{64}$`));
  });

  test('refuses requests without the token or with a wrong one (401), for the API and the page alike', async () => {
    for (const [path, headers] of [
      ['/api/invoke/profiles:list', {}],
      ['/', {}],
      ['/api/events', {}],
      ['/api/invoke/profiles:list', { 'x-commer-token': 'f'.repeat(64) }],
      ['/api/invoke/profiles:list', { cookie: `commer_token_${host.port}=nope` }],
      ['/?token=wrong', {}],
    ] as const) {
      const r = await call(path.startsWith('/api/invoke') ? 'POST' : 'GET', path, { headers: { ...headers } });
      assert.equal(r.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.match(r.body, /token/);
    }
  });

  test('a browser opening the page without a valid token gets a readable page, not JSON', async () => {
    const r = await call('GET', '/?token=stale', { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['content-type']), /text\/html/);
    assert.match(r.body, /wrong token/);
    assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  });

  test('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    for (const badHost of ['evil.example', `evil.example:${host.port}`, `127.0.0.1:${host.port + 1}`, `0.0.0.0:${host.port}`]) {
      const r = await call('POST', '/api/invoke/profiles:list', { headers: { ...auth(), host: badHost } });
      assert.equal(r.status, 403, badHost);
      assert.match(JSON.parse(r.body).error.message, /Host/);
    }
  });

  test('refuses a foreign Origin even with the token', async () => {
    const r = await call('POST', '/api/invoke/profiles:list', { headers: { ...auth(), origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    assert.match(JSON.parse(r.body).error.message, /origin/);
    const same = await call('POST', '/api/invoke/profiles:list', { headers: { ...auth(), origin: `http://localhost:${host.port}` } });
    assert.equal(same.status, 200);
  });

  test('answers 413 to a JSON body over the limit, declared or streamed', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2000) });
    const r = await call('POST', '/api/invoke/profiles:create', { headers: { ...auth(), 'content-type': 'application/json' }, body: big });
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body).error.code, 'PAYLOAD_TOO_LARGE');
    const chunked = await call('POST', '/api/invoke/profiles:create', {
      headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: big,
    });
    assert.equal(chunked.status, 413);
  });

  test('answers 413 to an upload over the cap and keeps no partial file', async () => {
    const r = await call('POST', '/api/upload?name=big.csv', { headers: { ...auth(), 'transfer-encoding': 'chunked' }, body: Buffer.alloc(10_000, 65) });
    assert.equal(r.status, 413);
    assert.match(JSON.parse(r.body).error.message, /4 KiB/);
    const roots = (await readdir(tmpdir())).filter((n) => n.startsWith('commer-uploads-'));
    for (const root of roots) {
      for (const sub of await readdir(join(tmpdir(), root)).catch(() => [] as string[])) {
        assert.notDeepEqual(await readdir(join(tmpdir(), root, sub)), ['big.csv'], 'the oversized upload left a file behind');
      }
    }
  });

  test('rejects a bad payload with 400 and the zod message naming the field', async () => {
    const r = await call('POST', '/api/invoke/profiles:create', json({ name: '   ' }));
    assert.equal(r.status, 400);
    const body = JSON.parse(r.body);
    assert.equal(body.ok, false);
    assert.equal(body.error.code, 'INVALID_INPUT');
    assert.match(body.error.message, /name: a profile needs a name/);

    const notJson = await call('POST', '/api/invoke/profiles:create', { headers: { ...auth(), 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
    assert.match(JSON.parse(notJson.body).error.message, /not valid JSON/);

    const unknown = await call('POST', '/api/invoke/profiles:explode', json({}));
    assert.equal(unknown.status, 404);
  });

  test('a malformed percent-encoding in the path is a 400 with the Result envelope, not a 500', async () => {
    for (const [method, path] of [
      ['POST', '/api/invoke/%E0%A4%A'],
      ['GET', '/api/download/%E0%A4%A'],
      ['GET', '/assets/%E0%A4%A.js'],
    ] as const) {
      const r = await call(method, path, { headers: auth() });
      assert.equal(r.status, 400, `${method} ${path}: ${r.body}`);
      assert.match(String(r.headers['content-type']), /application\/json/);
      const body = JSON.parse(r.body);
      assert.equal(body.ok, false);
      assert.equal(body.error.code, 'INVALID_INPUT');
      assert.match(body.error.message, /malformed path/);
    }
    const page = await call('GET', '/%E0%A4%A', { headers: { ...auth(), accept: 'text/html' } });
    assert.equal(page.status, 400);
    assert.match(String(page.headers['content-type']), /text\/html/);
  });

  test('a good call works and returns the Result envelope; service errors keep their code', async () => {
    const created = await call('POST', '/api/invoke/profiles:create', json({ name: ' me ' }));
    assert.equal(created.status, 200);
    assert.equal(JSON.parse(created.body).value.name, 'me');
    const list = await call('POST', '/api/invoke/profiles:list', { headers: auth() });
    assert.deepEqual(
      JSON.parse(list.body).value.map((p: { name: string }) => p.name),
      ['me'],
    );
    const dup = await call('POST', '/api/invoke/profiles:create', json({ name: 'me' }));
    assert.equal(dup.status, 409);
    assert.equal(JSON.parse(dup.body).error.code, 'CONFLICT');
    const missing = await call('POST', '/api/invoke/profiles:rename', json({ id: 99, name: 'x' }));
    assert.equal(missing.status, 404);
  });

  test('the token URL sets an HttpOnly SameSite=Strict cookie, redirects to a clean URL, and the page carries a strict CSP', async () => {
    const first = await call('GET', `/?token=${host.token}`);
    assert.equal(first.status, 303);
    assert.equal(first.headers.location, '/');
    const cookie = String(first.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const page = await call('GET', '/', { headers: { cookie: cookie.split(';')[0]! } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<title>studio<\/title>/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
  });

  test('does not serve files outside the renderer folder', async () => {
    for (const path of ['/..%2f..%2f..%2fetc%2fpasswd', '/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/hostname']) {
      const r = await call('GET', path, { headers: auth() });
      assert.doesNotMatch(r.body, /root:|^[a-z0-9-]+\n$/, path);
      if (r.status === 200) assert.match(r.body, /<title>studio<\/title>/, 'only the app page is served for unknown routes');
    }
    const r2 = await call('GET', '/assets/missing.js', { headers: auth() });
    assert.equal(r2.status, 404);
  });
});

describe('web host transport', () => {
  test('an uploaded file is imported by upload id, and the web host refuses raw paths', async () => {
    const profile = JSON.parse((await call('POST', '/api/invoke/profiles:create', json({ name: 'uploader' }))).body).value;
    const up = await call('POST', '/api/upload?name=' + encodeURIComponent('my tweets.csv'), { headers: auth(), body: 'text\nhello world\n' });
    assert.equal(up.status, 200, up.body);
    const { uploadId } = JSON.parse(up.body).value;
    const started = await call('POST', '/api/invoke/import:start', json({ profileId: profile.id, files: [{ uploadId }] }));
    assert.equal(started.status, 200, started.body);
    assert.equal(JSON.parse(started.body).value.jobIds.length, 1);
    await services.imports.wait(JSON.parse(started.body).value.jobIds[0]);
    const got = services.imported.at(-1)!;
    assert.equal(got.content, 'text\nhello world\n');
    assert.match(got.path, /my tweets\.csv$/, 'the original name is kept so the importer can detect the format');

    const reused = await call('POST', '/api/invoke/import:start', json({ profileId: profile.id, files: [{ uploadId }] }));
    assert.equal(reused.status, 404, 'an upload is used once');
    const raw = await call('POST', '/api/invoke/import:start', json({ profileId: profile.id, files: [{ path: '/etc/passwd' }] }));
    assert.equal(raw.status, 400);
    assert.match(JSON.parse(raw.body).error.message, /uploaded files only/);
  });

  test('restyle events stream over SSE, tagged with the stream id, ending with done', async () => {
    const profile = JSON.parse((await call('POST', '/api/invoke/profiles:create', json({ name: 'streamer' }))).body).value;
    const events: { streamId: string; event: { type: string; text?: string } }[] = [];
    const sse = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port: host.port, path: '/api/events', headers: { host: `127.0.0.1:${host.port}`, ...auth() } }, resolve);
      r.on('error', reject);
      r.end();
    });
    assert.equal(sse.statusCode, 200);
    assert.match(String(sse.headers['content-type']), /text\/event-stream/);
    let buffer = '';
    const finished = new Promise<void>((resolve) => {
      sse.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let idx;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const name = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (name === 'restyle:event' && data) {
            events.push(JSON.parse(data));
            if (events.at(-1)!.event.type === 'done') resolve();
          }
        }
      });
    });
    const started = await call('POST', '/api/invoke/restyle:start', json({ profileId: profile.id, task: 'paraphrase', draft: 'hello big world', docs: 'all' }));
    assert.equal(started.status, 200, started.body);
    const { streamId } = JSON.parse(started.body).value;
    await finished;
    sse.destroy();
    assert.ok(events.every((e) => e.streamId === streamId));
    assert.deepEqual(
      events.map((e) => e.event.type),
      ['start', 'token', 'token', 'token', 'candidate-done', 'done'],
    );
    assert.equal(
      events
        .filter((e) => e.event.type === 'token')
        .map((e) => e.event.text)
        .join(''),
      'HELLO BIG WORLD ',
    );
  });
});

describe('browser client against the web host', () => {
  test('calls, uploads and imports through the same Api the renderer uses', async () => {
    const { createWebApi } = await import('../../../main/web/client/web-api.js');
    // Node's fetch cannot hold the browser's cookie, so the token rides in a header here.
    const api = createWebApi({
      baseUrl: `http://127.0.0.1:${host.port}`,
      fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), 'x-commer-token': host.token } }),
    });
    const created = await api.createProfile({ name: 'client' });
    assert.ok(created.ok, JSON.stringify(created));
    const bad = await api.renameProfile({ id: created.value.id, name: '' });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error.message, /a profile needs a name/);

    const file = new File(['text\nfrom the client\n'], 'client.csv', { type: 'text/csv' });
    const started = await api.importFiles({ profileId: created.value.id, files: [file] });
    assert.ok(started.ok, JSON.stringify(started));
    await services.imports.wait(started.value.jobIds[0]!);
    assert.equal(services.imported.at(-1)!.content, 'text\nfrom the client\n');

    const refused = await createWebApi({ baseUrl: `http://127.0.0.1:${host.port}` }).listProfiles();
    assert.deepEqual(refused.ok, false);
    if (!refused.ok) assert.equal(refused.error.code, 'FORBIDDEN');
  });
});
