import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHandle, createSenderCheck, registerIpcHandlers, type InvokeEventLike, type IpcMainLike } from '../../../main/ipc/handle.js';
import { INVOKE_CHANNELS } from '../../../main/ipc/contract.js';
import type { HandlerTable } from '../../../main/ipc/dispatch.js';
import { ServiceError } from '../../../main/services/errors.js';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

/** A stand-in for Electron's ipcMain that lets a test play the renderer. */
function fakeIpcMain() {
  const listeners = new Map<string, Listener>();
  const ipc: IpcMainLike = {
    handle(channel, listener) {
      if (listeners.has(channel)) throw new Error(`second handler for ${channel}`);
      listeners.set(channel, listener);
    },
    removeHandler(channel) {
      listeners.delete(channel);
    },
  };
  const invoke = (channel: string, event: InvokeEventLike, ...args: unknown[]) => {
    const l = listeners.get(channel);
    if (!l) throw new Error(`no handler for ${channel}`);
    return l(event, ...args);
  };
  return { ipc, invoke, listeners };
}

const APP_URL = 'app://studio/index.html';
const mainFrame = { url: APP_URL };
const isAppUrl = (url: string) => new URL(url).protocol === 'app:' && new URL(url).host === 'studio';

function setup(rename: HandlerTable['profiles:rename'] = ({ id, name }) => profile(id, name)) {
  const { ipc, invoke } = fakeIpcMain();
  const calls: unknown[] = [];
  const handle = createHandle(
    ipc,
    createSenderCheck(() => mainFrame, isAppUrl),
  );
  handle('profiles:rename', {
    'profiles:rename': (input) => {
      calls.push(input);
      return rename(input);
    },
  });
  return { invoke, calls };
}

function profile(id: number, name: string) {
  return { id, name, createdAt: '2026-01-01T00:00:00Z', docCounts: { tweet: 0, article: 0 }, compression: { packId: null, compressed: 0, pending: 0 } };
}

describe('IPC handle() wrapper', () => {
  test('answers a well-formed call from the app window with ok and the handler value', async () => {
    const { invoke, calls } = setup();
    const r = await invoke('profiles:rename', { senderFrame: mainFrame }, { id: 3, name: '  @work ' });
    assert.deepEqual(r, { ok: true, value: profile(3, '@work') });
    assert.deepEqual(calls, [{ id: 3, name: '@work' }], 'the handler sees the parsed (trimmed) input');
  });

  test('refuses a call from another frame even when it shows the same URL', async () => {
    const { invoke, calls } = setup();
    const r = (await invoke('profiles:rename', { senderFrame: { url: APP_URL } }, { id: 3, name: 'x' })) as { ok: boolean; error: { code: string } };
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'FORBIDDEN');
    assert.equal(calls.length, 0);
  });

  test('refuses a call from our main frame after it navigated to a foreign page', async () => {
    const { ipc, invoke } = fakeIpcMain();
    const frame = { url: 'https://evil.example/' };
    const handle = createHandle(
      ipc,
      createSenderCheck(() => frame, isAppUrl),
    );
    let ran = false;
    handle('profiles:list', { 'profiles:list': () => ((ran = true), []) });
    const r = (await invoke('profiles:list', { senderFrame: frame })) as { ok: boolean; error: { code: string } };
    assert.equal(r.error.code, 'FORBIDDEN');
    assert.equal(ran, false);
  });

  test('refuses a call whose frame is gone (null senderFrame) or when no window exists', async () => {
    const { invoke } = setup();
    const r1 = (await invoke('profiles:rename', { senderFrame: null }, { id: 1, name: 'x' })) as { error: { code: string } };
    assert.equal(r1.error.code, 'FORBIDDEN');

    const { ipc, invoke: invoke2 } = fakeIpcMain();
    createHandle(
      ipc,
      createSenderCheck(() => null, isAppUrl),
    )('profiles:list', { 'profiles:list': () => [] });
    const r2 = (await invoke2('profiles:list', { senderFrame: mainFrame })) as { error: { code: string } };
    assert.equal(r2.error.code, 'FORBIDDEN');
  });

  test('rejects a bad payload with INVALID_INPUT naming the field, without running the handler', async () => {
    const { invoke, calls } = setup();
    const bad = [
      [{ id: 'three', name: 'x' }, /id/],
      [{ id: 3, name: '   ' }, /name: a profile needs a name/],
      [{ id: 3, name: 'x', extra: true }, /extra/],
      [{ id: -1, name: 'x' }, /id/],
      [undefined, /profiles:rename/],
    ] as const;
    for (const [input, re] of bad) {
      const r = (await invoke('profiles:rename', { senderFrame: mainFrame }, input)) as { ok: boolean; error: { code: string; message: string } };
      assert.equal(r.ok, false, JSON.stringify(input));
      assert.equal(r.error.code, 'INVALID_INPUT');
      assert.match(r.error.message, re);
    }
    assert.equal(calls.length, 0);
  });

  test('rejects extra positional arguments', async () => {
    const { invoke, calls } = setup();
    const r = (await invoke('profiles:rename', { senderFrame: mainFrame }, { id: 1, name: 'x' }, 'more')) as { error: { code: string } };
    assert.equal(r.error.code, 'INVALID_INPUT');
    assert.equal(calls.length, 0);
  });

  test('maps a thrown ServiceError to its code and message, and other errors to INTERNAL', async () => {
    const notFound = setup(() => {
      throw new ServiceError('NOT_FOUND', 'no profile with id 9');
    });
    assert.deepEqual(await notFound.invoke('profiles:rename', { senderFrame: mainFrame }, { id: 9, name: 'x' }), {
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no profile with id 9' },
    });
    const boom = setup(() => {
      throw new TypeError('boom');
    });
    assert.deepEqual(await boom.invoke('profiles:rename', { senderFrame: mainFrame }, { id: 9, name: 'x' }), {
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
  });

  test('registerIpcHandlers registers every contract channel once and removes them all', () => {
    const { ipc, listeners } = fakeIpcMain();
    const table = Object.fromEntries(INVOKE_CHANNELS.map((c) => [c, () => null])) as unknown as HandlerTable;
    const unregister = registerIpcHandlers(ipc, () => true, table);
    assert.deepEqual([...listeners.keys()].sort(), [...INVOKE_CHANNELS].sort());
    unregister();
    assert.equal(listeners.size, 0);
  });
});
