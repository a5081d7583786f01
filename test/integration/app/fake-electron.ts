// A stand-in for the `electron` module, so the built main-process bundle
// (dist/main/app/electron-main.js) can be started and driven where no Electron
// binary exists. It records what the app asks of Electron; utilityProcess.fork runs
// the entry in a worker thread, which speaks the same inference protocol.
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

type Fn = (...args: never[]) => unknown;

export const fake = {
  root: '',
  appPath: '',
  appHandlers: new Map<string, Fn>(),
  windows: [] as BrowserWindow[],
  schemes: [] as unknown[],
  protocolHandlers: new Map<string, (req: { url: string }) => Promise<Response>>(),
  menu: null as unknown,
  opened: [] as string[],
  errors: [] as string[],
  quits: 0,
  exitCode: null as number | null,
  children: [] as FakeUtilityProcess[],
};

class FakeWebContents {
  mainFrame = { url: '' };
  sent: [string, unknown][] = [];
  listeners = new Map<string, Fn[]>();
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  permissionRequest: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | null = null;
  session = {
    setPermissionRequestHandler: (fn: FakeWebContents['permissionRequest']) => (this.permissionRequest = fn),
    setPermissionCheckHandler: () => {},
  };
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  on(event: string, fn: Fn) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
  }
  setWindowOpenHandler(fn: FakeWebContents['windowOpenHandler']) {
    this.windowOpenHandler = fn;
  }
}

export class BrowserWindow {
  webContents = new FakeWebContents();
  constructor(readonly options: Record<string, unknown> & { webPreferences: Record<string, unknown> }) {
    fake.windows.push(this);
  }
  loadURL(url: string) {
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  once() {}
  on() {}
  show() {}
  maximize() {}
  getNormalBounds() {
    return { x: 10, y: 10, width: 1200, height: 800 };
  }
  isMaximized() {
    return false;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
}

export const app = {
  isPackaged: false,
  getPath: (name: string) => join(fake.root, name),
  getAppPath: () => fake.appPath,
  getVersion: () => '0.0.0-fake',
  requestSingleInstanceLock: () => true,
  on: (event: string, fn: Fn) => void fake.appHandlers.set(event, fn),
  whenReady: () => Promise.resolve(),
  quit: () => void fake.quits++,
  exit: (code: number) => void (fake.exitCode = code),
  setAppUserModelId: () => {},
};

export const ipcMain = {
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
  handle(channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) {
    this.handlers.set(channel, fn);
  },
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  },
};

export const dialog = { showErrorBox: (title: string, message: string) => void fake.errors.push(`${title}: ${message}`) };
export const Menu = {
  buildFromTemplate: (template: unknown) => ({ template }),
  setApplicationMenu: (menu: unknown) => void (fake.menu = menu),
};
export const protocol = {
  registerSchemesAsPrivileged: (schemes: unknown[]) => void fake.schemes.push(...schemes),
  handle: (scheme: string, fn: (req: { url: string }) => Promise<Response>) => void fake.protocolHandlers.set(scheme, fn),
};
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
export const net = {
  async fetch(url: string) {
    const path = fileURLToPath(url);
    return new Response(await readFile(path), { headers: { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' } });
  },
};
export const nativeTheme = { shouldUseDarkColors: false };
export const screen = { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] };
export const shell = { openExternal: (url: string) => (fake.opened.push(url), Promise.resolve()) };

export class FakeUtilityProcess extends EventEmitter {
  readonly worker: Worker;
  constructor(entry: string) {
    super();
    this.worker = new Worker(entry);
    this.worker.on('message', (m) => this.emit('message', m));
    this.worker.on('exit', (code) => this.emit('exit', code));
  }
  postMessage(msg: unknown) {
    this.worker.postMessage(msg);
  }
  kill() {
    void this.worker.terminate();
    return true;
  }
}
export const utilityProcess = {
  fork(entry: string) {
    const child = new FakeUtilityProcess(entry);
    fake.children.push(child);
    return child;
  },
};

export default { app, BrowserWindow, ipcMain, dialog, Menu, protocol, net, nativeTheme, screen, shell, utilityProcess };
