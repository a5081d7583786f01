// Export of all data, and the record of the files exports wrote (so that deleting all
// data can find every copy of it). Its own module: the services call it, it owns
// nothing of theirs but a read of the database and the `exports` setting.
import { closeSync, createWriteStream, existsSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join, resolve } from 'node:path';
import * as store from '../store/index.js';
import type { Database } from '../store/index.js';
import { ServiceError } from './errors.js';
import type { ExportFile } from './types.js';
import type { StoreCall } from './validate.js';

/** The settings key holding the export files written ({path, bytes, exportedAt}[]); never itself exported. */
const EXPORTS_KEY = 'exports';
/** How every export file starts: what makes a recorded path safe to delete (a file put there since is not ours). */
const EXPORT_HEADER = '{"format":"commer-studio-export"';
const EXPORT_FILE_NAME = /^commer-export-[A-Za-z0-9-]+\.json$/;

export interface ExportsDeps {
  db: Database;
  dbPath: string;
  dataDir: string;
  /** The services' store-call wrapper (StoreError and busy mapping). */
  storeCall: StoreCall;
}

export interface Exports {
  /** Writes every profile, document, generation and setting to `path`. */
  write(path: string): Promise<{ path: string; bytes: number }>;
  /** The export files still there. */
  list(): ExportFile[];
  /** Stops running exports; resolves when they have let go of the database (null when none ran). */
  stopAll(): Promise<void> | null;
  /** After the data is deleted: deletes `files` when asked, and records the ones kept (the record went with the data). */
  afterDeleteAll(files: readonly ExportFile[], deleteThem: boolean): { exportsDeleted: number; exportsKept: ExportFile[] };
}

export function createExports({ db, dbPath, dataDir, storeCall }: ExportsDeps): Exports {
  const running = new Set<{ ac: AbortController; finished: Promise<void> }>();

  /**
   * Writes everything to one JSON file, streamed row by row (a profile of 100k documents
   * is never built as one string). It reads through its own read-only connection: an open
   * better-sqlite3 iterator makes every other statement on its connection throw "busy
   * executing a query", and the app keeps reading (and writing) while an export runs. The
   * read is one transaction, so the file is a consistent snapshot of one moment.
   */
  async function write(path: string): Promise<{ path: string; bytes: number }> {
    if (typeof path !== 'string' || !path.trim()) throw new ServiceError('INVALID_INPUT', 'path must be a file path');
    const out = resolve(path);
    await mkdir(dirname(out), { recursive: true });
    const ac = new AbortController();
    let settle = () => {};
    const entry = { ac, finished: new Promise<void>((r) => (settle = r)) };
    running.add(entry);
    let reader: Database | null = null;
    const ws = createWriteStream(out, { encoding: 'utf8' });
    let bytes = 0;
    const put = async (chunk: string) => {
      if (ac.signal.aborted) throw new ServiceError('CANCELLED', 'the export was stopped: all data was deleted, or the app is closing');
      bytes += Buffer.byteLength(chunk);
      if (!ws.write(chunk)) await once(ws, 'drain');
    };
    try {
      reader = storeCall(() => store.openReadOnly(dbPath));
      const r = reader;
      r.exec('BEGIN');
      const settings = store.allSettings(r);
      delete settings[EXPORTS_KEY];
      await put(`{"format":"commer-studio-export","version":1,"exportedAt":${JSON.stringify(new Date().toISOString())},"schemaVersion":${store.schemaVersion(r)},\n`);
      await put(`"settings":${JSON.stringify(settings)},\n"profiles":[`);
      let firstP = true;
      for (const p of store.listProfiles(r)) {
        await put(`${firstP ? '' : ','}\n{"id":${p.id},"name":${JSON.stringify(p.name)},"createdAt":${JSON.stringify(p.created_at)},"documents":[`);
        firstP = false;
        let firstD = true;
        for (const d of r.prepare('SELECT id, kind, text, source, written_at, imported_at FROM documents WHERE profile_id = ? ORDER BY id').iterate(p.id) as Iterable<Record<string, unknown>>) {
          await put(`${firstD ? '' : ','}\n${JSON.stringify({ id: d.id, kind: d.kind, text: d.text, source: d.source, writtenAt: d.written_at, importedAt: d.imported_at })}`);
          firstD = false;
        }
        await put(']}');
      }
      await put('],\n"generations":[');
      let firstG = true;
      for (const g of r.prepare('SELECT * FROM generations WHERE deleted_at IS NULL ORDER BY id').iterate() as Iterable<store.GenerationRow>) {
        await put(
          `${firstG ? '' : ','}\n${JSON.stringify({ id: g.id, profileId: g.profile_id, profileName: g.profile_name, task: g.task, draft: g.draft, output: g.output, packId: g.pack_id, settings: JSON.parse(g.settings), createdAt: g.created_at })}`,
        );
        firstG = false;
      }
      await put(']}\n');
      r.exec('COMMIT');
      ws.end();
      await once(ws, 'finish');
      if (ac.signal.aborted) throw new ServiceError('CANCELLED', 'the export was stopped: all data was deleted, or the app is closing');
      // Recorded, so that deleting all data can find (and offer to delete) this copy of it.
      const record: ExportFile = { path: out, bytes, exportedAt: new Date().toISOString() };
      storeCall(() => store.setSetting(db, EXPORTS_KEY, [...recordedExports().filter((e) => e.path !== out), record]));
    } catch (err) {
      ws.destroy();
      // Half a file is no export: never leave one behind.
      await rm(out, { force: true }).catch(() => undefined);
      if (err instanceof ServiceError) throw err;
      throw new ServiceError('INTERNAL', `export to ${out} failed: ${(err as Error).message}`);
    } finally {
      reader?.close();
      running.delete(entry);
      settle();
    }
    return { path: out, bytes };
  }

  function recordedExports(): ExportFile[] {
    const v = store.getSetting<unknown>(db, EXPORTS_KEY, []);
    return Array.isArray(v) ? v.filter((e): e is ExportFile => typeof (e as ExportFile | null)?.path === 'string') : [];
  }

  /** The export files that still exist: the ones this data folder recorded, and any in its own exports/ folder (the web host's, also from before exports were recorded). */
  function listExports(): ExportFile[] {
    const found = new Map<string, ExportFile>();
    const add = (path: string, exportedAt?: string) => {
      if (found.has(path) || !isExportFile(path)) return;
      const st = statSync(path);
      found.set(path, { path, bytes: st.size, exportedAt: exportedAt ?? st.mtime.toISOString() });
    };
    for (const e of storeCall(() => recordedExports())) add(e.path, e.exportedAt);
    const own = join(dataDir, store.EXPORTS_DIR_NAME);
    if (existsSync(own)) for (const name of readdirSync(own).sort()) if (EXPORT_FILE_NAME.test(name)) add(join(own, name));
    return [...found.values()].sort((a, b) => a.exportedAt.localeCompare(b.exportedAt));
  }

  return {
    write,
    list: listExports,
    stopAll: () => {
      if (!running.size) return null;
      for (const e of running) e.ac.abort();
      return Promise.all([...running].map((e) => e.finished)).then(() => undefined);
    },
    afterDeleteAll: (files, deleteThem) => {
      let exportsDeleted = 0;
      const exportsKept: ExportFile[] = [];
      for (const f of files) {
        if (deleteThem && removeExport(f.path)) exportsDeleted++;
        else if (existsSync(f.path)) exportsKept.push(f);
      }
      // The files kept stay listed, so a later delete still offers them.
      if (exportsKept.length) storeCall(() => store.setSetting(db, EXPORTS_KEY, exportsKept));
      return { exportsDeleted, exportsKept };
    },
  };
}

/** Whether path is a plain file that starts like an export this app writes. */
function isExportFile(path: string): boolean {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
    const head = Buffer.alloc(EXPORT_HEADER.length);
    readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8') === EXPORT_HEADER;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Deletes an export file (checked again: only a file that still is one); whether it is gone. */
function removeExport(path: string): boolean {
  if (!isExportFile(path)) return !existsSync(path);
  try {
    rmSync(path);
    return true;
  } catch {
    return false;
  }
}
