// Electron's file references: the renderer passes paths the user dropped or picked
// (the preload read them with webUtils.getPathForFile). They are checked here so a
// bad one fails with a clear message before any import starts.
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { ServiceError } from '../services/errors.js';
import type { FileRef } from './contract.js';
import type { ResolvedFile } from './handler-deps.js';

export async function resolveLocalFile(ref: FileRef): Promise<ResolvedFile> {
  if (!('path' in ref)) throw new ServiceError('INVALID_INPUT', 'the desktop app imports files by path; uploads are for the web host');
  if (!isAbsolute(ref.path)) throw new ServiceError('INVALID_INPUT', `not an absolute path: ${ref.path}`);
  const st = await stat(ref.path).catch(() => null);
  if (!st) throw new ServiceError('NOT_FOUND', `file not found: ${ref.path}`);
  if (!st.isFile()) throw new ServiceError('INVALID_INPUT', `not a file: ${ref.path}`);
  return { path: ref.path };
}
