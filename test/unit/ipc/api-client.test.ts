import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi, type ApiTransport } from '../../../main/ipc/api-client.js';
import { eventMethods, invokeMethods, type EventChannel, type RestyleStreamEvent } from '../../../main/ipc/contract.js';

function fakeTransport(onInvoke: (channel: string, input: unknown, emit: (c: EventChannel, p: unknown) => void) => Promise<unknown>) {
  const subs = new Map<EventChannel, Set<(p: unknown) => void>>();
  const calls: [string, unknown][] = [];
  const emit = (c: EventChannel, p: unknown) => subs.get(c)?.forEach((l) => l(p));
  const t: ApiTransport = {
    async invoke(channel, input) {
      calls.push([channel, input]);
      return (await onInvoke(channel, input, emit)) as never;
    },
    subscribe(channel, l) {
      if (!subs.has(channel)) subs.set(channel, new Set());
      subs.get(channel)!.add(l);
      return () => void subs.get(channel)!.delete(l);
    },
    async toFileRefs(files) {
      return { ok: true, value: files.map((f) => ({ path: `/tmp/${f.name}` })) };
    },
  };
  return { t, calls, subs, emit };
}

const req = { profileId: 1, task: 'paraphrase' as const, draft: 'hi', docs: 'all' as const };

describe('createApi', () => {
  test('exposes every invoke and event method of the contract', () => {
    const api = createApi(fakeTransport(async () => ({ ok: true, value: null })).t) as unknown as Record<string, unknown>;
    for (const m of [...Object.keys(invokeMethods), ...Object.keys(eventMethods), 'importFiles', 'inspectFiles', 'restyle']) {
      assert.equal(typeof api[m], 'function', m);
    }
  });

  test('restyle delivers its own stream in order, including events that overtook the start answer', async () => {
    const f = fakeTransport(async (channel, _input, emit) => {
      if (channel !== 'restyle:start') return { ok: true, value: null };
      const ev = (streamId: string, event: RestyleStreamEvent['event']) => emit('restyle:event', { streamId, event });
      ev('s1', { type: 'start', restyleId: 'r', packId: 'p', usedDocs: 1, n: 1 });
      ev('other', { type: 'token', candidate: 0, tokenId: 9, text: 'NOT MINE' });
      ev('s1', { type: 'token', candidate: 0, tokenId: 5, text: 'a' });
      setTimeout(() => {
        ev('s1', { type: 'token', candidate: 0, tokenId: 6, text: 'b' });
        ev('s1', { type: 'done', aborted: false });
        ev('s1', { type: 'token', candidate: 0, tokenId: 7, text: 'after done' });
      }, 1);
      return { ok: true, value: { streamId: 's1' } };
    });
    const seen: string[] = [];
    const handle = createApi(f.t).restyle(req, (e) => seen.push(e.type === 'token' ? e.text : e.type));
    assert.deepEqual(await handle.done, { ok: true, value: { streamId: 's1' } });
    assert.deepEqual(seen, ['start', 'a', 'b', 'done']);
    assert.equal(f.subs.get('restyle:event')!.size, 0, 'unsubscribed after done');
  });

  test('a refused start ends the stream with the error', async () => {
    const f = fakeTransport(async () => ({ ok: false, error: { code: 'INVALID_INPUT', message: 'draft: write a draft first' } }));
    const seen: unknown[] = [];
    const r = await createApi(f.t).restyle({ ...req, draft: '' }, (e) => seen.push(e)).done;
    assert.equal(r.ok, false);
    assert.deepEqual(seen, [{ type: 'error', error: { code: 'INVALID_INPUT', message: 'draft: write a draft first' } }]);
  });

  test('cancel before the id is known stops the stream once it is', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const f = fakeTransport(async (channel, _input, emit) => {
      if (channel === 'restyle:start') {
        await gate;
        return { ok: true, value: { streamId: 's9' } };
      }
      if (channel === 'restyle:stop') emit('restyle:event', { streamId: 's9', event: { type: 'done', aborted: true } });
      return { ok: true, value: null };
    });
    const handle = createApi(f.t).restyle(req, () => {});
    handle.cancel();
    release();
    await handle.done;
    assert.deepEqual(
      f.calls.map(([c]) => c),
      ['restyle:start', 'restyle:stop'],
    );
    assert.deepEqual(f.calls[1]![1], { streamId: 's9' });
  });

  test('importFiles turns files into references and starts one import call', async () => {
    const f = fakeTransport(async () => ({ ok: true, value: { jobIds: ['j1'] } }));
    const r = await createApi(f.t).importFiles({ profileId: 2, files: [new File(['x'], 'a.csv')] });
    assert.deepEqual(r, { ok: true, value: { jobIds: ['j1'] } });
    assert.deepEqual(f.calls, [['import:start', { profileId: 2, files: [{ path: '/tmp/a.csv' }], options: undefined }]]);
    const none = await createApi(f.t).importFiles({ profileId: 2, files: [] });
    assert.equal(none.ok, false);
  });
});
