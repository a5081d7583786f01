import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'commer-studio';
export const DB_FILE_NAME = 'commer.db';
/** Where a host that has no user folder for downloads (the web host) writes exports, inside the data folder. */
export const EXPORTS_DIR_NAME = 'exports';

/**
 * The per-user data folder when no host passes one: COMMER_DATA_DIR, else the OS
 * convention (%APPDATA% on Windows, ~/Library/Application Support on macOS,
 * $XDG_DATA_HOME or ~/.local/share elsewhere). Electron passes app.getPath('userData').
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.COMMER_DATA_DIR) return env.COMMER_DATA_DIR;
  const home = homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), APP_DIR_NAME);
}
