// What the per-domain handlers need from their host. Electron and the web host differ
// only here: where imported files come from, where exports go, and how events leave.
import type { Services } from '../services/types.js';
import type { EventChannel, EventMap, FileRef } from './contract.js';

export type Emit = <E extends EventChannel>(channel: E, payload: EventMap[E]) => void;

export interface ResolvedFile {
  path: string;
  /** The file's name as the user gave it (an upload's original name), when the host knows it. */
  name?: string;
  /** Called once the import no longer reads the file (e.g. to delete an upload's temp copy). */
  release?: () => void;
}

export interface HandlerDeps {
  services: Services;
  host: 'electron' | 'web';
  appVersion: string;
  platform: string;
  /**
   * Throws a ServiceError (INVALID_INPUT / NOT_FOUND) for a reference this host does not accept.
   * `keep`: only look (an inspection before import); an upload stays available for import:start.
   */
  resolveFile(ref: FileRef, opts?: { keep?: boolean }): Promise<ResolvedFile>;
  /** Where an export named fileName is written, and (web) the URL that downloads it. */
  exportTarget(fileName: string): { path: string; downloadUrl?: string };
  emit: Emit;
}
