// Issue 12 item 2: one schema per input. The same invalid inputs go through the three
// hosts (Electron IPC through registerIpcHandlers, the web host over HTTP, and the
// `commer` CLI as a child process), all over the real services on one real data
// folder, and each host refuses them with the same INVALID_INPUT message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../../../main/services/index.js';
import type { Services } from '../../../main/services/types.js';
import { createHandlers } from '../../../main/ipc/handlers.js';
import { createSenderCheck, registerIpcHandlers, type InvokeEventLike } from '../../../main/ipc/handle.js';
import type { AppError, Result } from '../../../main/ipc/contract.js';
import { startWebHost, type WebHost } from '../../../main/web/server.js';
import { finished, spawnCli, ROOT } from '../../faults/helpers.js';

let dir: string;
let dataDir: string;
let svc: Services;
let web: WebHost;
let profileId: number;
const packs = join(ROOT, 'test/fixtures/packs');
const archive = join(ROOT, 'test/fixtures/import/archive.zip');

/** Electron's ipcMain as registerIpcHandlers sees it; invoke() plays the app window's main frame. */
const listeners = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
const frame = { url: 'app://studio/index.html' };
async function ipc(channel: string, input: unknown): Promise<AppError> {
  const r = (await listeners.get(channel)!({ senderFrame: frame }, input)) as Result<unknown>;
  assert.equal(r.ok, false, `${channel} over IPC accepted ${JSON.stringify(input)}`);
  return (r as { ok: false; error: AppError }).error;
}

function http(channel: string, input: unknown): Promise<AppError> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(input);
    const r = request({ host: '127.0.0.1', port: web.port, method: 'POST', path: `/api/invoke/${channel}`, headers: { 'x-commer-token': web.token, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Result<unknown>;
        if (json.ok) return reject(new Error(`${channel} over HTTP accepted ${body}`));
        assert.equal(res.statusCode, 400);
        resolve(json.error);
      });
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** The CLI's answer: exit 2 (usage) and "error (CODE): message" on stderr. */
async function cli(...args: string[]): Promise<AppError> {
  const r = await finished(spawnCli(['--data-dir', dataDir, '--packs', packs, ...args]));
  assert.equal(r.code, 2, `commer ${args.join(' ')}: ${r.stderr}`);
  const m = /^error \(([A-Z_]+)\): (.*)$/m.exec(r.stderr);
  assert.ok(m, `no error line in: ${r.stderr}`);
  return { code: m[1] as AppError['code'], message: m[2]! };
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'commer-same-errors-'));
  dataDir = join(dir, 'data');
  svc = await createServices({ dataDir, packDirs: [packs], loadModelAtStart: false, autoStartQueue: false });
  profileId = svc.profiles.create('me').id;
  const { table } = createHandlers({
    services: svc,
    host: 'electron',
    appVersion: '0.0.0-test',
    platform: process.platform,
    emit: () => {},
    resolveFile: async (ref) => {
      if (!('path' in ref)) throw new Error('the Electron host takes paths only');
      return { path: ref.path };
    },
    exportTarget: (name) => ({ path: join(dir, 'exports', name) }),
  });
  registerIpcHandlers(
    { handle: (c, l) => void listeners.set(c, l), removeHandler: (c) => void listeners.delete(c) },
    createSenderCheck(
      () => frame,
      (url) => url.startsWith('app://'),
    ),
    table,
  );
  web = await startWebHost({ services: svc, appVersion: '0.0.0-test', staticDir: null, exportDir: join(dir, 'web-exports') });
});

after(async () => {
  await web?.close();
  await svc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the same invalid input gets the same error on every host', () => {
  const long = 'x'.repeat(101);
  const cases: { what: string; channel: string; input: () => unknown; argv: () => string[]; message: string }[] = [
    {
      what: 'a profile name over 100 characters',
      channel: 'profiles:create',
      input: () => ({ name: long }),
      argv: () => ['import', archive, '--profile', long],
      message: 'profiles:create: name: a profile name has at most 100 characters',
    },
    {
      what: 'a blank profile name',
      channel: 'profiles:create',
      input: () => ({ name: '   ' }),
      argv: () => ['import', archive, '--profile', '   '],
      message: 'profiles:create: name: a profile needs a name',
    },
    {
      what: 'six suggestions',
      channel: 'restyle:start',
      input: () => ({ profileId, task: 'paraphrase', draft: 'coffee', docs: 'all', n: 6, sampling: {} }),
      argv: () => ['restyle', 'coffee', '--profile', 'me', '-n', '6'],
      message: 'restyle:start: n: ask for 1 to 5 suggestions',
    },
    {
      what: 'an empty draft',
      channel: 'restyle:start',
      input: () => ({ profileId, task: 'paraphrase', draft: '  ', docs: 'all', n: 1, sampling: {} }),
      argv: () => ['restyle', '  ', '--profile', 'me'],
      message: 'restyle:start: draft: write a draft first',
    },
    {
      what: 'a temperature above 2',
      channel: 'restyle:start',
      input: () => ({ profileId, task: 'headline', draft: 'coffee', docs: 'all', n: 1, sampling: { temperature: 3 } }),
      argv: () => ['restyle', 'coffee', '--profile', 'me', '--task', 'headline', '--temperature', '3'],
      message: 'restyle:start: sampling.temperature: Too big: expected number to be <=2',
    },
    {
      what: 'an empty encoding label',
      channel: 'import:start',
      input: () => ({ profileId, files: [{ path: archive }], options: { encoding: '' } }),
      argv: () => ['import', archive, '--profile', 'me', '--encoding', ''],
      message: 'import:start: options.encoding: Too small: expected string to have >=1 characters',
    },
  ];

  for (const c of cases) {
    test(c.what, async () => {
      const want = { code: 'INVALID_INPUT', message: c.message };
      assert.deepEqual(await ipc(c.channel, c.input()), want, 'Electron IPC');
      assert.deepEqual(await http(c.channel, c.input()), want, 'web host');
      assert.deepEqual(await cli(...c.argv()), want, 'CLI');
    });
  }

  test('nothing was created or imported by the refused calls, and the store applies the same name limit', async () => {
    assert.deepEqual(
      svc.profiles.list().map((p) => p.name),
      ['me'],
    );
    assert.equal(svc.profiles.get(profileId).docCounts.tweet, 0);
    assert.throws(() => svc.profiles.create(long), /^.*a profile name has at most 100 characters$/);
    assert.equal(svc.profiles.create('y'.repeat(100)).name.length, 100);
  });
});
