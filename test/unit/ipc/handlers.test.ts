import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHandlers } from '../../../main/ipc/handlers.js';
import { dispatch } from '../../../main/ipc/dispatch.js';
import type { HandlerDeps, ResolvedFile } from '../../../main/ipc/handler-deps.js';
import type { FileRef } from '../../../main/ipc/contract.js';
import { ServiceError } from '../../../main/services/errors.js';
import type { RestyleEvent, ServiceEvent, Services } from '../../../main/services/types.js';

/** Services where only what a test sets exists; anything else fails loudly. */
function services(parts: Record<string, object>): Services & { fire(e: ServiceEvent): void } {
  let listener: ((e: ServiceEvent) => void) | null = null;
  const base = {
    onEvent(l: (e: ServiceEvent) => void) {
      listener = l;
      return () => (listener = null);
    },
    fire: (e: ServiceEvent) => listener?.(e),
    close: async () => {},
  };
  return new Proxy({ ...base, ...parts } as unknown as Services & { fire(e: ServiceEvent): void }, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target];
      throw new Error(`the test did not provide services.${String(key)}`);
    },
  });
}

/** Waits for a condition (events arrive asynchronously); the cap only keeps a broken test from hanging. */
async function until(cond: () => boolean) {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
}

function deps(svc: Services, over: Partial<HandlerDeps> = {}) {
  const emitted: [string, unknown][] = [];
  const d: HandlerDeps = {
    services: svc,
    host: 'web',
    appVersion: '1.2.3',
    platform: 'linux',
    emit: (c, p) => void emitted.push([c, p]),
    resolveFile: async (ref: FileRef) => ({ path: 'path' in ref ? ref.path : `/tmp/${ref.uploadId}` }),
    exportTarget: (name) => ({ path: `/exports/${name}`, downloadUrl: `/api/download/${name}` }),
    ...over,
  };
  return { d, emitted };
}

describe('handlers', () => {
  test('import:start checks the profile and every file before starting any job, and releases what it resolved', async () => {
    const started: string[] = [];
    const released: string[] = [];
    const svc = services({
      profiles: {
        get: (id: number) =>
          id === 1
            ? { id }
            : (() => {
                throw new ServiceError('NOT_FOUND', `no profile with id ${id}`);
              })(),
      },
      imports: { start: ({ path }: { path: string }) => (started.push(path), { jobId: `job:${path}` }), wait: () => Promise.resolve() },
    });
    const resolveFile = async (ref: FileRef): Promise<ResolvedFile> => {
      if (!('uploadId' in ref)) throw new ServiceError('INVALID_INPUT', 'uploads only');
      return { path: `/tmp/${ref.uploadId}`, release: () => released.push(ref.uploadId) };
    };
    const { table } = createHandlers(deps(svc, { resolveFile }).d);

    const badFile = await dispatch(table, 'import:start', { profileId: 1, files: [{ uploadId: 'aaaaaaaa1' }, { path: '/etc/passwd' }] });
    assert.deepEqual(badFile, { ok: false, error: { code: 'INVALID_INPUT', message: 'uploads only' } });
    assert.deepEqual(started, []);
    assert.deepEqual(released, ['aaaaaaaa1']);

    const noProfile = await dispatch(table, 'import:start', { profileId: 9, files: [{ uploadId: 'bbbbbbbb2' }] });
    assert.equal(noProfile.ok ? '' : noProfile.error.code, 'NOT_FOUND');
    assert.deepEqual(started, []);

    const good = await dispatch(table, 'import:start', { profileId: 1, files: [{ uploadId: 'cccccccc3' }, { uploadId: 'dddddddd4' }] });
    assert.deepEqual(good, { ok: true, value: { jobIds: ['job:/tmp/cccccccc3', 'job:/tmp/dddddddd4'] } });
    await until(() => released.length === 3);
    assert.deepEqual(released.slice(1), ['cccccccc3', 'dddddddd4'], 'each upload is released once its import has read it');
  });

  test("import:inspect only looks (an upload stays for import:start); import:start lays each file's own options over the drop's and names the file as the user did", async () => {
    const inspected: unknown[] = [];
    const started: unknown[] = [];
    const kept: Array<boolean | undefined> = [];
    const svc = services({
      profiles: { get: (id: number) => ({ id }) },
      imports: {
        inspect: async (req: { path: string; name: string }) => {
          inspected.push(req);
          if (req.path.endsWith('gone')) throw new ServiceError('NOT_FOUND', `${req.name}: no such file`);
          return { file: req.name, error: null };
        },
        start: (req: unknown) => (started.push(req), { jobId: `job${started.length}` }),
        wait: () => Promise.resolve(),
      },
    });
    const resolveFile = async (ref: FileRef, o?: { keep?: boolean }): Promise<ResolvedFile> => {
      kept.push(o?.keep);
      if (!('uploadId' in ref)) throw new ServiceError('INVALID_INPUT', 'uploads only');
      return { path: `/tmp/commer-uploads-x/${ref.uploadId}/${ref.uploadId === 'gonegone1' ? 'gone' : 'x.csv'}`, name: 'x.csv' };
    };
    const { table } = createHandlers(deps(svc, { resolveFile }).d);
    const r = await dispatch(table, 'import:inspect', {
      files: [
        { uploadId: 'aaaaaaaa1', name: 'My Tweets (1).csv' },
        { uploadId: 'gonegone1', name: 'old.csv' },
      ],
      options: { encoding: 'windows-1252' },
    });
    assert.ok(r.ok);
    assert.deepEqual(kept, [true, true], 'inspection never consumes an upload');
    assert.deepEqual(inspected[0], { path: '/tmp/commer-uploads-x/aaaaaaaa1/x.csv', name: 'My Tweets (1).csv', options: { encoding: 'windows-1252' } });
    assert.equal(r.value[0]!.file, 'My Tweets (1).csv');
    // A file that cannot be looked at comes back as an inspection saying why; the others still answer.
    assert.equal(r.value[1]!.file, 'old.csv');
    assert.equal(r.value[1]!.error, 'old.csv: no such file');
    assert.doesNotMatch(JSON.stringify(r.value), /commer-uploads/);

    const bad = await dispatch(table, 'import:inspect', { files: [{ uploadId: 'aaaaaaaa1', options: { encoding: 'x' } }] });
    assert.equal(bad.ok ? '' : bad.error.code, 'INVALID_INPUT', 'inspection takes no per-file options');

    const s = await dispatch(table, 'import:start', {
      profileId: 1,
      files: [{ uploadId: 'aaaaaaaa1', name: 'My Tweets (1).csv', options: { encoding: 'windows-1252', textColumn: 'body' } }, { uploadId: 'bbbbbbbb2' }],
      options: { onBadRow: 'skip', encoding: 'utf-8' },
    });
    assert.ok(s.ok);
    assert.deepEqual(started, [
      { path: '/tmp/commer-uploads-x/aaaaaaaa1/x.csv', name: 'My Tweets (1).csv', profileId: 1, options: { onBadRow: 'skip', encoding: 'windows-1252', textColumn: 'body' } },
      { path: '/tmp/commer-uploads-x/bbbbbbbb2/x.csv', name: 'x.csv', profileId: 1, options: { onBadRow: 'skip', encoding: 'utf-8' } },
    ]);
  });

  test('packs:validate takes a known pack id, never a directory, and reports a bad pack as PACK_INVALID', async () => {
    const validated: string[] = [];
    const svc = services({
      packs: {
        list: () => [
          { id: 'good', dir: '/packs/good' },
          { id: 'bad', dir: '/packs/bad' },
        ],
        validate: async (dir: string) => (validated.push(dir), dir.endsWith('good') ? { ok: true, pack: { id: 'good' } } : { ok: false, error: 'backbone.onnx: sha256 mismatch' }),
      },
    });
    const { table } = createHandlers(deps(svc).d);
    assert.deepEqual(await dispatch(table, 'packs:validate', { id: 'good' }), { ok: true, value: { id: 'good' } });
    assert.deepEqual(await dispatch(table, 'packs:validate', { id: 'bad' }), { ok: false, error: { code: 'PACK_INVALID', message: 'backbone.onnx: sha256 mismatch' } });
    const unknown = await dispatch(table, 'packs:validate', { id: '../../etc' });
    assert.equal(unknown.ok ? '' : unknown.error.code, 'NOT_FOUND');
    assert.deepEqual(validated, ['/packs/good', '/packs/bad']);
  });

  test('library:locate takes one positive document id and passes the service answer or its NOT_FOUND through', async () => {
    const asked: number[] = [];
    const svc = services({
      documents: {
        locate: (id: number) => {
          asked.push(id);
          if (id === 404) throw new ServiceError('NOT_FOUND', 'document 404 does not exist (it may have been deleted)');
          return { document: { id }, index: 7 };
        },
      },
    });
    const { table } = createHandlers(deps(svc).d);
    assert.deepEqual(await dispatch(table, 'library:locate', { id: 12 }), { ok: true, value: { document: { id: 12 }, index: 7 } });
    assert.deepEqual(await dispatch(table, 'library:locate', { id: 404 }), { ok: false, error: { code: 'NOT_FOUND', message: 'document 404 does not exist (it may have been deleted)' } });
    for (const bad of [{ id: 0 }, { id: 1.5 }, { id: '3' }, {}, { id: 3, extra: true }, undefined]) {
      const r = await dispatch(table, 'library:locate', bad);
      assert.equal(r.ok ? '' : r.error.code, 'INVALID_INPUT', JSON.stringify(bad));
    }
    assert.deepEqual(asked, [12, 404]);
  });

  test('restyle:start accepts save: false (the "without my voice" comparison) and refuses a save that is not a boolean', async () => {
    const seen: unknown[] = [];
    const svc = services({
      restyle: {
        async *run(req: unknown): AsyncIterable<RestyleEvent> {
          seen.push(req);
          yield { type: 'done', aborted: false };
        },
      },
    });
    const { table } = createHandlers(deps(svc).d);
    const req = { profileId: 1, task: 'paraphrase', draft: 'hi', docs: 'none', n: 2, sampling: { seed: 5 }, save: false };
    assert.equal((await dispatch(table, 'restyle:start', req)).ok, true);
    const bad = await dispatch(table, 'restyle:start', { ...req, save: 'no' });
    assert.equal(bad.ok ? '' : bad.error.code, 'INVALID_INPUT');
    await until(() => seen.length === 1);
    assert.deepEqual(seen, [req]);
  });

  test('restyle streams tagged events after answering, maps a failure to an error event, and stop aborts', async () => {
    let signal: AbortSignal | undefined;
    const svc = services({
      restyle: {
        async *run(req: { draft: string }, s?: AbortSignal): AsyncIterable<RestyleEvent> {
          signal = s;
          yield { type: 'start', restyleId: 'r', packId: 'p', usedDocs: 0, n: 1 };
          if (req.draft === 'fail') throw new ServiceError('NO_DOCUMENTS', 'import some documents first');
          await new Promise((r) => setTimeout(r, 20));
          yield { type: 'done', aborted: s?.aborted ?? false };
        },
      },
    });
    const { d, emitted } = deps(svc);
    const { table } = createHandlers(d);
    const req = { profileId: 1, task: 'paraphrase', draft: 'hello', docs: 'all' } as const;

    const r = await dispatch(table, 'restyle:start', req);
    assert.ok(r.ok);
    assert.equal(emitted.length, 0, 'no event before the id was answered');
    await dispatch(table, 'restyle:stop', { streamId: r.value.streamId });
    await until(() => emitted.length === 2);
    assert.equal(signal?.aborted, true);
    assert.deepEqual(
      emitted.map(([c, p]) => [c, (p as { streamId: string }).streamId, (p as { event: { type: string } }).event.type]),
      [
        ['restyle:event', r.value.streamId, 'start'],
        ['restyle:event', r.value.streamId, 'done'],
      ],
    );

    emitted.length = 0;
    const f = await dispatch(table, 'restyle:start', { ...req, draft: 'fail' });
    assert.ok(f.ok);
    await until(() => emitted.length === 2);
    assert.deepEqual((emitted.at(-1)![1] as { event: unknown }).event, { type: 'error', error: { code: 'NO_DOCUMENTS', message: 'import some documents first' } });
    assert.deepEqual(await dispatch(table, 'restyle:stop', { streamId: 'long-gone' }), { ok: true, value: null }, 'stopping a finished stream is fine');
  });

  test('service events are forwarded on the contract channels until disposed', () => {
    const svc = services({});
    const { d, emitted } = deps(svc);
    const h = createHandlers(d);
    svc.fire({ type: 'data-changed', what: 'profiles' });
    svc.fire({ type: 'queue', status: { state: 'idle' } as never });
    h.dispose();
    svc.fire({ type: 'data-changed', what: 'history' });
    assert.deepEqual(emitted, [
      ['data:changed', { what: 'profiles' }],
      ['queue:progress', { state: 'idle' }],
    ]);
  });

  test('settings:export names the file and passes the host download link through', async () => {
    const svc = services({ settings: { exportAll: async (path: string) => ({ path, bytes: 42 }) } });
    const r = await dispatch(createHandlers(deps(svc).d).table, 'settings:export', undefined);
    assert.ok(r.ok);
    assert.match(r.value.fileName, /^commer-export-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    assert.equal(r.value.path, `/exports/${r.value.fileName}`);
    assert.equal(r.value.downloadUrl, `/api/download/${r.value.fileName}`);
    assert.equal(r.value.bytes, 42);
  });

  test('settings:deleteAll passes the exports choice (default: keep them); library:restore takes only an undo token', async () => {
    const calls: unknown[] = [];
    const svc = services({
      settings: { deleteAll: (o: unknown) => (calls.push(o), { exportsDeleted: 0, exportsKept: [] }) },
      documents: { restore: (t: string) => (calls.push(t), { restored: 1, alreadyThere: 0, profileGone: 0 }) },
    });
    const table = createHandlers(deps(svc).d).table;
    assert.ok((await dispatch(table, 'settings:deleteAll', { confirm: 'DELETE', exports: true })).ok);
    assert.ok((await dispatch(table, 'settings:deleteAll', { confirm: 'DELETE' })).ok);
    const token = '0b7e4c1e-6f7a-4d3b-9a53-1f0d7c2a9e10';
    assert.ok((await dispatch(table, 'library:restore', { undoToken: token })).ok);
    const bad = await dispatch(table, 'library:restore', { undoToken: '../../etc' });
    assert.equal(bad.ok, false);
    assert.deepEqual(calls, [{ exports: true }, { exports: false }, token]);
  });
  test('import:held, import:release and import:remove take ids only (the schema refuses anything else before a service runs) and keep the service codes', async () => {
    const calls: string[] = [];
    const svc = services({
      imports: {
        held: (profileId: number) => (calls.push(`held ${profileId}`), []),
        release: async (importId: number) => {
          calls.push(`release ${importId}`);
          if (importId === 7) throw new ServiceError('CONFLICT', 'a.js: its documents are not held back from learning');
          return { toLearn: 3 };
        },
        remove: async (importId: number) => {
          calls.push(`remove ${importId}`);
          throw new ServiceError('NOT_FOUND', `no import with id ${importId}`);
        },
      },
    });
    const { table } = createHandlers(deps(svc).d);
    for (const [channel, input] of [
      ['import:held', {}],
      ['import:held', { profileId: '1' }],
      ['import:release', { importId: 0 }],
      ['import:release', { importId: 1.5 }],
      ['import:release', { jobId: 'x' }],
      ['import:remove', { importId: -2 }],
      ['import:remove', { importId: 1, also: true }],
    ] as const) {
      const r = await dispatch(table, channel, input);
      assert.equal(r.ok ? 'ok' : r.error.code, 'INVALID_INPUT', `${channel} ${JSON.stringify(input)}`);
      assert.match(r.ok ? '' : r.error.message, new RegExp(`^${channel}: `));
    }
    assert.deepEqual(calls, [], 'no service ran for a refused request');
    assert.deepEqual(await dispatch(table, 'import:held', { profileId: 1 }), { ok: true, value: [] });
    assert.deepEqual(await dispatch(table, 'import:release', { importId: 5 }), { ok: true, value: { toLearn: 3 } });
    assert.deepEqual(await dispatch(table, 'import:release', { importId: 7 }), { ok: false, error: { code: 'CONFLICT', message: 'a.js: its documents are not held back from learning' } });
    assert.deepEqual(await dispatch(table, 'import:remove', { importId: 9 }), { ok: false, error: { code: 'NOT_FOUND', message: 'no import with id 9' } });
    assert.deepEqual(calls, ['held 1', 'release 5', 'release 7', 'remove 9']);
  });
});
