// The browser client's own behaviour, with fetch and EventSource played by the test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebApi } from '../../../main/web/client/web-api.js';

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;

function withFetch(handler: Handler) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return handler(url, init);
  }) as unknown as typeof fetch;
  return { calls, fetchFn };
}

class FakeEventSource {
  static last: FakeEventSource | null = null;
  listeners = new Map<string, ((ev: { data: string }) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, fn: (ev: { data: string }) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  fire(name: string, data: string) {
    for (const l of this.listeners.get(name) ?? []) l({ data });
  }
}
const ES = FakeEventSource as unknown as typeof EventSource;
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('browser client', () => {
  test('posts calls as JSON to /api/invoke/<channel> and returns the Result body, even for error statuses', async () => {
    const f = withFetch((url) => (url.endsWith('profiles:create') ? json({ ok: false, error: { code: 'INVALID_INPUT', message: 'name: too long' } }, 400) : json({ ok: true, value: [] })));
    const api = createWebApi({ baseUrl: 'http://h', fetch: f.fetchFn, EventSource: ES });
    assert.deepEqual(await api.listProfiles(), { ok: true, value: [] });
    assert.deepEqual(await api.createProfile({ name: 'x' }), { ok: false, error: { code: 'INVALID_INPUT', message: 'name: too long' } });
    assert.equal(f.calls[0]!.url, 'http://h/api/invoke/profiles:list');
    assert.equal(f.calls[0]!.init.body, undefined, 'a call without input sends no body');
    assert.equal(f.calls[1]!.init.body, JSON.stringify({ name: 'x' }));
    assert.equal((f.calls[1]!.init.headers as Record<string, string>)['content-type'], 'application/json');
    assert.equal(f.calls[1]!.init.credentials, 'same-origin');
  });

  test('turns a refused token and an unreachable host into clear errors', async () => {
    const refused = createWebApi({ fetch: withFetch(() => new Response('nope', { status: 401 })).fetchFn, EventSource: ES });
    const r1 = await refused.listProfiles();
    assert.equal(r1.ok, false);
    if (!r1.ok) {
      assert.equal(r1.error.code, 'FORBIDDEN');
      assert.match(r1.error.message, /reopen the URL/);
    }
    const down = createWebApi({
      fetch: withFetch(() => {
        throw new TypeError('fetch failed');
      }).fetchFn,
      EventSource: ES,
    });
    const r2 = await down.listProfiles();
    assert.equal(r2.ok, false);
    if (!r2.ok) assert.equal(r2.error.code, 'HOST_UNAVAILABLE');
  });

  test('uploads each file and names the file that failed', async () => {
    let n = 0;
    const f = withFetch((url) => {
      if (url.includes('/api/upload')) {
        n++;
        return n === 1
          ? json({ ok: true, value: { uploadId: 'u1234567890' } })
          : json({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'the file is larger than the limit of 512 MiB' } }, 413);
      }
      return json({ ok: true, value: { jobIds: ['j'] } });
    });
    const api = createWebApi({ fetch: f.fetchFn, EventSource: ES });
    const r = await api.importFiles({ profileId: 1, files: [new File(['a'], 'small.csv'), new File(['b'], 'huge tweets.js')] });
    assert.deepEqual(r, { ok: false, error: { code: 'PAYLOAD_TOO_LARGE', message: 'huge tweets.js: the file is larger than the limit of 512 MiB' } });
    assert.equal(f.calls[1]!.url, '/api/upload?name=huge%20tweets.js');
    assert.ok(!f.calls.some((c) => c.url.includes('import:start')), 'nothing is imported when an upload fails');
  });

  test('shares one event stream and dispatches by channel until unsubscribed', () => {
    const api = createWebApi({ fetch: withFetch(() => json({ ok: true, value: null })).fetchFn, EventSource: ES });
    const seen: unknown[] = [];
    const off = api.onImportProgress((p) => seen.push(p));
    api.onNotice((n) => seen.push(n));
    const es = FakeEventSource.last!;
    assert.equal(es.url, '/api/events');
    es.fire('import:progress', JSON.stringify({ jobId: 'j', phase: 'parsing' }));
    es.fire('app:notice', JSON.stringify({ level: 'warning', message: 'm' }));
    es.fire('import:progress', '{broken');
    off();
    es.fire('import:progress', JSON.stringify({ jobId: 'j', phase: 'done' }));
    assert.deepEqual(seen, [
      { jobId: 'j', phase: 'parsing' },
      { level: 'warning', message: 'm' },
    ]);
    assert.equal(FakeEventSource.last, es, 'one EventSource for all subscriptions');
  });
});
