// Starts the built desktop main process (dist/main/app/electron-main.js) against a
// stand-in `electron` module and drives it the way the window would: the real
// composition root, services, SQLite, IPC handlers and inference host (in a worker
// thread standing in for the utilityProcess). It cannot show that Electron itself
// behaves; it shows that our wiring asks Electron for the right things.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserWindow as FakeWindow } from './fake-electron.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
let fake: (typeof import('./fake-electron.js'))['fake'];
let ipcMain: (typeof import('./fake-electron.js'))['ipcMain'];
let win: FakeWindow;
let dir: string;
let beforeQuit: ((e: { preventDefault(): void }) => void) | undefined;

async function until<T>(what: string, probe: () => T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const invoke = (channel: string, input?: unknown, frame: { url: string } = win.webContents.mainFrame) =>
  ipcMain.handlers.get(channel)!({ senderFrame: frame }, input) as Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }>; // eslint-disable-line @typescript-eslint/no-explicit-any

before(async () => {
  const built = spawnSync(process.execPath, [join(repo, 'scripts/build.mjs'), '--if-stale'], { cwd: repo, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  dir = await mkdtemp(join(tmpdir(), 'commer-electron-main-'));
  await mkdir(join(dir, 'app', 'models', 'packs'), { recursive: true });
  await symlink(join(repo, 'test/fixtures/packs/tiny-random'), join(dir, 'app', 'models', 'packs', 'tiny-random'));
  register('./electron-loader.mjs', import.meta.url);
  const mod = await import('./fake-electron.js');
  fake = mod.fake;
  ipcMain = mod.ipcMain;
  fake.root = join(dir, 'paths');
  fake.appPath = join(dir, 'app');
  delete process.env.COMMER_DATA_DIR;
  await import(pathToFileURL(join(repo, 'dist/main/app/electron-main.js')).href);
  win = await until('the main window', () => fake.windows[0]);
  beforeQuit = fake.appHandlers.get('before-quit') as typeof beforeQuit;
});

after(async () => {
  if (beforeQuit) {
    let prevented = false;
    beforeQuit({ preventDefault: () => (prevented = true) });
    assert.ok(prevented, 'quitting waits for the services to close');
    await until('the app to quit after closing the services', () => fake.quits > 0, 20_000);
  }
  for (const c of fake?.children ?? []) await c.worker.terminate();
  await rm(dir, { recursive: true, force: true });
});

describe('desktop main process (built bundle, stand-in electron)', () => {
  test('opens one sandboxed, isolated window on the app:// page with the bundled preload', () => {
    assert.equal(fake.windows.length, 1);
    const prefs = win.options.webPreferences;
    assert.equal(prefs.contextIsolation, true);
    assert.equal(prefs.sandbox, true);
    assert.equal(prefs.nodeIntegration, false);
    assert.equal(prefs.webviewTag, false);
    assert.equal(prefs.preload, join(repo, 'dist', 'preload', 'preload.cjs'));
    assert.equal(win.webContents.mainFrame.url, 'app://studio/index.html');
    assert.deepEqual(fake.schemes, [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    assert.ok(fake.menu, 'an application menu is set');
    assert.deepEqual(fake.errors, []);
    assert.equal(fake.exitCode, null);
  });

  test('keeps its data in the user-data folder and ships packs from models/packs in development', async () => {
    const s = await invoke('settings:get');
    assert.ok(s.ok, JSON.stringify(s));
    assert.equal(s.value.dataDir, join(fake.root, 'userData'));
    assert.ok(s.value.packDirs.includes(join(dir, 'app', 'models', 'packs')));
    const packs = await invoke('packs:list');
    assert.deepEqual(
      packs.value.map((p: { id: string; active: boolean }) => [p.id, p.active]),
      [['tiny-random', true]],
    );
  });

  test('registers every contract channel and answers only the main frame of its window', async () => {
    const { INVOKE_CHANNELS } = await import('../../../main/ipc/contract.js');
    assert.deepEqual([...ipcMain.handlers.keys()].sort(), [...INVOKE_CHANNELS].sort());
    const created = await invoke('profiles:create', { name: 'desk' });
    assert.equal(created.ok, true, JSON.stringify(created));
    const foreign = await invoke('profiles:list', undefined, { url: 'app://studio/index.html' });
    assert.equal(foreign.error?.code, 'FORBIDDEN');
    const bad = await invoke('profiles:create', { name: 42 });
    assert.equal(bad.error?.code, 'INVALID_INPUT');
  });

  test('denies new windows and navigation; only http(s) links reach the OS browser', () => {
    const open = win.webContents.windowOpenHandler!;
    assert.deepEqual(open({ url: 'https://example.com/a' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'file:///etc/passwd' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'javascript:alert(1)' }), { action: 'deny' });
    let prevented = 0;
    for (const l of win.webContents.listeners.get('will-navigate') ?? []) {
      (l as (e: unknown, url: string) => void)({ preventDefault: () => prevented++ }, 'https://evil.example/');
    }
    assert.equal(prevented, 1);
    assert.deepEqual(fake.opened, ['https://example.com/a', 'https://evil.example/']);
    let granted: boolean | null = null;
    win.webContents.permissionRequest!(null, 'media', (ok) => (granted = ok));
    assert.equal(granted, false);
    win.webContents.permissionRequest!(null, 'clipboard-sanitized-write', (ok) => (granted = ok));
    assert.equal(granted, true);
  });

  test('serves the built renderer on app://studio with the CSP, and nothing outside it', async () => {
    const serve = fake.protocolHandlers.get('app')!;
    const page = await serve({ url: 'app://studio/index.html' });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="root">/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const outside = await serve({ url: 'app://studio/../../package.json' });
    assert.notEqual(await outside.text().then((t) => t.includes('"name": "commer-studio"')), true);
    const other = await serve({ url: 'app://elsewhere/index.html' });
    assert.equal(other.status, 404);
  });

  test('restyles through the inference host process and survives its crash with a notice', async () => {
    const profileId = (await invoke('profiles:list')).value[0].id;
    // The pack loads in the background after start-up; the provider shows once it has.
    for (let i = 0; i < 600; i++) {
      const s = await invoke('settings:get');
      if (s.value.provider) break;
      const q = await invoke('queue:status');
      if (q.value.state === 'error') assert.fail(JSON.stringify(q.value));
      await new Promise((r) => setTimeout(r, 100));
    }
    const run = async () => {
      const started = await invoke('restyle:start', { profileId, task: 'headline', draft: 'a quiet day', docs: 'none', n: 1, sampling: { maxNewTokens: 4, seed: 3 } });
      assert.equal(started.ok, true, JSON.stringify(started));
      const id = started.value.streamId;
      return until('the restyle stream to end', () => {
        const mine = win.webContents.sent.filter(([c, p]) => c === 'restyle:event' && (p as { streamId: string }).streamId === id).map(([, p]) => (p as { event: { type: string } }).event);
        return mine.some((e) => e.type === 'done' || e.type === 'error') && mine;
      });
    };
    const first = await run();
    assert.equal(first.at(-1)!.type, 'done', JSON.stringify(first.at(-1)));
    assert.ok(first.some((e) => e.type === 'token'));

    const host = await until('an inference host process', () => fake.children.at(-1));
    await host.worker.terminate();
    const notice = await until('a crash notice', () => win.webContents.sent.find(([c]) => c === 'app:notice'));
    assert.match((notice[1] as { message: string }).message, /model process stopped/);

    const again = await run();
    assert.equal(again.at(-1)!.type, 'done', JSON.stringify(again.at(-1)));
    assert.ok(fake.children.length >= 2, 'a fresh host was started');
  });

  test('a data folder that cannot be opened ends in an error dialog and exit code 1, not a half-started app', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'a file where the data folder should be');
    process.env.COMMER_DATA_DIR = blocker;
    const windowsBefore = fake.windows.length;
    try {
      // A second copy of the bundle (a fresh module instance) starts against the broken folder.
      await import(pathToFileURL(join(repo, 'dist/main/app/electron-main.js')).href + '?broken-data-dir');
      await until('the error dialog', () => fake.errors.length > 0, 20_000);
    } finally {
      delete process.env.COMMER_DATA_DIR;
    }
    assert.match(fake.errors[0]!, /could not start[\s\S]*not-a-folder/);
    assert.equal(fake.exitCode, 1);
    assert.equal(fake.windows.length, windowsBefore, 'no window was opened');
    fake.errors.length = 0;
  });
});
