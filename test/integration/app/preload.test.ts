// Runs the built preload (dist/preload/preload.cjs) the way a sandboxed renderer does:
// a bare script context whose require() knows only 'electron'. It must need nothing
// else, expose exactly window.api, and route every call through ipcRenderer.invoke.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createContext, runInContext } from 'node:vm';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

interface Harness {
  exposed: Map<string, Record<string, (...args: unknown[]) => unknown>>;
  required: string[];
  invokes: [string, unknown][];
  listeners: Map<string, Set<(event: unknown, payload: unknown) => void>>;
  answer: (channel: string, input: unknown) => unknown;
}

function loadPreload(): Harness {
  const h: Harness = { exposed: new Map(), required: [], invokes: [], listeners: new Map(), answer: () => ({ ok: true, value: null }) };
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: Record<string, (...args: unknown[]) => unknown>) => void h.exposed.set(name, api) },
    ipcRenderer: {
      invoke: async (channel: string, input: unknown) => {
        h.invokes.push([channel, input]);
        return h.answer(channel, input);
      },
      on(channel: string, l: (event: unknown, payload: unknown) => void) {
        if (!h.listeners.has(channel)) h.listeners.set(channel, new Set());
        h.listeners.get(channel)!.add(l);
      },
      removeListener(channel: string, l: (event: unknown, payload: unknown) => void) {
        h.listeners.get(channel)?.delete(l);
      },
    },
    webUtils: { getPathForFile: (f: { diskPath?: string }) => f.diskPath ?? '' },
  };
  const sandboxRequire = (name: string) => {
    h.required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require "${name}"`);
  };
  const code = readFileSync(join(repo, 'dist/preload/preload.cjs'), 'utf8');
  const context = createContext({ console });
  const module = { exports: {} };
  runInContext(`(function (require, module, exports) {${code}\n})`, context, { filename: 'preload.cjs' })(sandboxRequire, module, module.exports);
  return h;
}

before(() => {
  const built = spawnSync(process.execPath, [join(repo, 'scripts/build.mjs'), '--if-stale', '--only=electron'], { cwd: repo, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
});

describe('preload bundle in a sandbox-like context', () => {
  test('requires only electron and exposes exactly one object, api, with the contract methods', async () => {
    const h = loadPreload();
    assert.deepEqual(h.required, ['electron']);
    assert.deepEqual([...h.exposed.keys()], ['api']);
    const { invokeMethods, eventMethods } = await import('../../../main/ipc/contract.js');
    const api = h.exposed.get('api')!;
    assert.deepEqual(Object.keys(api).sort(), [...Object.keys(invokeMethods), ...Object.keys(eventMethods), 'importFiles', 'inspectFiles', 'restyle'].sort());
    assert.ok(!('invoke' in api) && !('send' in api) && !('on' in api), 'no generic IPC door');
  });

  test('calls go through ipcRenderer.invoke on the contract channel; a missing handler becomes HOST_UNAVAILABLE', async () => {
    const h = loadPreload();
    const api = h.exposed.get('api')!;
    h.answer = (channel) => (channel === 'profiles:list' ? { ok: true, value: [{ id: 1 }] } : Promise.reject(new Error(`No handler registered for '${channel}'`)));
    assert.deepEqual(plain(await api.listProfiles!()), { ok: true, value: [{ id: 1 }] });
    const r = plain(await api.renameProfile!({ id: 1, name: 'x' })) as { ok: boolean; error: { code: string } };
    assert.equal(r.error.code, 'HOST_UNAVAILABLE');
    assert.deepEqual(plain(h.invokes), [
      ['profiles:list', null],
      ['profiles:rename', { id: 1, name: 'x' }],
    ]);
  });

  test('importFiles sends the files’ paths, and refuses a file with no location on disk', async () => {
    const h = loadPreload();
    const api = h.exposed.get('api')!;
    const ok = plain(await api.importFiles!({ profileId: 2, files: [{ name: 'tweets.js', diskPath: '/home/me/tweets.js' }] }));
    assert.deepEqual(ok, { ok: true, value: null });
    assert.deepEqual(plain(h.invokes.at(-1)), ['import:start', { profileId: 2, files: [{ path: '/home/me/tweets.js', name: 'tweets.js' }] }]);
    const refused = plain(await api.importFiles!({ profileId: 2, files: [{ name: 'pasted.txt' }] })) as { error: { code: string; message: string } };
    assert.equal(refused.error.code, 'INVALID_INPUT');
    assert.match(refused.error.message, /pasted\.txt: this file has no location on disk/);
    assert.equal(h.invokes.length, 1);
  });

  test('event subscriptions forward payloads (not the IPC event) and unsubscribe', () => {
    const h = loadPreload();
    const api = h.exposed.get('api')!;
    const seen: unknown[] = [];
    const off = api.onImportProgress!((p: unknown) => seen.push(p)) as () => void;
    for (const l of h.listeners.get('import:progress')!) l({ sender: 'secret ipc event' }, { jobId: 'j', phase: 'parsing' });
    off();
    assert.equal(h.listeners.get('import:progress')!.size, 0);
    assert.deepEqual(plain(seen), [{ jobId: 'j', phase: 'parsing' }]);
  });
});
