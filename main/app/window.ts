// The one place windows are made. Every window is sandboxed and context-isolated,
// can neither open other windows nor navigate away from the app, and hands http(s)
// links to the OS browser; everything else a page might ask for is refused.
import { BrowserWindow, nativeTheme, screen, shell, type WebContents } from 'electron';
import { loadWindowState, saveWindowState, type WindowState } from './window-state.js';

export interface MainWindowOptions {
  preload: string;
  url: string;
  isAppUrl(url: string): boolean;
  /** Folder for window-state.json. */
  stateDir: string;
  devTools: boolean;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const state = loadWindowState(
    opts.stateDir,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...boundsOf(state),
    minWidth: 640,
    minHeight: 460,
    show: false,
    title: 'ComMer Studio',
    // Matches the renderer's first paint in either theme, so opening does not flash white in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111318' : '#f6f7f9',
    autoHideMenuBar: false,
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      navigateOnDragDrop: false,
      spellcheck: true,
      devTools: opts.devTools,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  hardenContents(win.webContents, opts.isAppUrl);
  keepState(win, opts.stateDir);
  void win.loadURL(opts.url);
  return win;
}

function boundsOf(s: WindowState) {
  return s.x === undefined || s.y === undefined ? { width: s.width, height: s.height } : { x: s.x, y: s.y, width: s.width, height: s.height };
}

/** Opens a link in the OS browser only when it is plain http(s); anything else is dropped. */
export function openExternalSafely(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return;
  }
  if (u.protocol === 'https:' || u.protocol === 'http:') void shell.openExternal(u.toString());
}

function hardenContents(contents: WebContents, isAppUrl: (url: string) => boolean) {
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    if (!isAppUrl(url)) openExternalSafely(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Copy-to-clipboard is the one permission the renderer uses.
  const allowed = new Set(['clipboard-sanitized-write']);
  contents.session.setPermissionRequestHandler((_wc, permission, callback) => callback(allowed.has(permission)));
  contents.session.setPermissionCheckHandler((_wc, permission) => allowed.has(permission));
}

function keepState(win: BrowserWindow, dir: string) {
  let timer: NodeJS.Timeout | undefined;
  const snapshot = (): WindowState => {
    const b = win.getNormalBounds();
    return { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() };
  };
  const save = () => void saveWindowState(dir, snapshot()).catch(() => {});
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('close', () => {
    clearTimeout(timer);
    save();
  });
}
