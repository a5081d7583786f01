// Composition root of the desktop app: wires the services, the inference host
// (utilityProcess), the window and the IPC handlers together. Behaviour lives in the
// modules it wires; this file only decides what goes where.
// First: onnxruntime's telemetry stays off here and in every process started from here.
import '../runtime/no-telemetry.js';
import { app, dialog, ipcMain, Menu } from 'electron';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices, type Services } from '../services/index.js';
import { createSenderCheck, registerIpcHandlers } from '../ipc/handle.js';
import { createHandlers, type HostHandlers } from '../ipc/handlers.js';
import type { Emit } from '../ipc/handler-deps.js';
import { resolveLocalFile } from '../ipc/local-files.js';
import { APP_URL, isAppUrl, registerAppScheme, serveRenderer } from './app-protocol.js';
import { crashNotice, reportCrashes } from './crash-report.js';
import { buildAppMenu } from './menu.js';
import { createUtilityTransport } from './utility-transport.js';
import { createMainWindow } from './window.js';
import type { BrowserWindow } from 'electron';

// The bundle lives in dist/main/app/; the renderer and preload sit beside it in dist/.
const here = fileURLToPath(new URL('.', import.meta.url));
const distDir = join(here, '..', '..');
const isDev = !app.isPackaged;
const dataDir = process.env.COMMER_DATA_DIR || app.getPath('userData');
const shippedPacks = app.isPackaged ? join(process.resourcesPath, 'packs') : join(app.getAppPath(), 'models', 'packs');

let mainWindow: BrowserWindow | null = null;
let services: Services | null = null;
let handlers: HostHandlers | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!mainWindow && services) openWindow();
  });
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing || !services) return;
    // Let the services stop the queue and close the database before the process ends.
    event.preventDefault();
    closing = true;
    handlers?.dispose();
    void services.close().finally(() => app.quit());
  });
  app.whenReady().then(start).catch(fatal);
}

async function start() {
  mkdirSync(dataDir, { recursive: true });
  serveRenderer(join(distDir, 'renderer'));
  const emit: Emit = (channel, payload) => mainWindow?.webContents.send(channel, payload);
  services = await createServices({
    dataDir,
    packDirs: [shippedPacks, join(dataDir, 'packs')],
    createInferenceTransport: () => reportCrashes(createUtilityTransport(join(here, 'inference.worker.js')), (code) => emit('app:notice', crashNotice(code))),
  });
  handlers = createHandlers({
    services,
    host: 'electron',
    appVersion: app.getVersion(),
    platform: process.platform,
    emit,
    resolveFile: resolveLocalFile,
    exportTarget: (fileName) => ({ path: join(app.getPath('downloads'), fileName) }),
  });
  registerIpcHandlers(
    ipcMain,
    createSenderCheck(() => mainWindow?.webContents.mainFrame ?? null, isAppUrl),
    handlers.table,
  );
  app.setAppUserModelId('studio.commer.app');
  Menu.setApplicationMenu(buildAppMenu({ isMac: process.platform === 'darwin', isDev }));
  openWindow();
}

function openWindow() {
  mainWindow = createMainWindow({
    preload: join(distDir, 'preload', 'preload.cjs'),
    url: APP_URL,
    isAppUrl,
    stateDir: dataDir,
    devTools: isDev,
  });
  mainWindow.on('closed', () => (mainWindow = null));
}

function fatal(err: unknown) {
  const message = err instanceof Error ? err.message : String(err);
  dialog.showErrorBox('ComMer Studio could not start', `${message}\n\nData folder: ${dataDir}`);
  app.exit(1);
}
