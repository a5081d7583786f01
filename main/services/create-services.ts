// The composition of the service layer: one database, one inference host, one
// compression queue, and the task-shaped operations of types.ts on top.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { OffensiveStreamFilter } from '../core/offensive-words.js';
import { parsePackManifest } from '../core/pack-manifest.js';
import { blendTowards, DEFAULT_STRENGTH, strengthProblem } from '../core/style-strength.js';
import * as store from '../store/index.js';
import { StoreError, type Database } from '../store/index.js';
import { CompressionQueue, type Compressor } from '../jobs/compression-queue.js';
import { InferenceClient, InferenceError } from '../jobs/inference-client.js';
import { createWorkerTransport } from '../jobs/worker-transport.js';
import type { GenerateParams } from '../jobs/inference-protocol.js';
import { hidePath, queuedProgress, runImport, type ImportJobContext } from './import-runner.js';
import { inspectImport } from './import-inspect.js';
import { ImportParseError } from '../core/import/index.js';
import { createExports } from './exports.js';
import { ServiceError } from './errors.js';
import type { ServicesOptions } from './index.js';
import {
  DOC_KINDS,
  TASKS,
  type BackboneSource,
  type ClosestDocument,
  type DocKind,
  type DocsUsed,
  type DeleteAllResult,
  type DocumentItem,
  type GenerationItem,
  type ImportFormat,
  type ImportPhase,
  type ImportProgress,
  type PackSummary,
  type ProfileSummary,
  type QueueStatus,
  type RestyleEvent,
  type RestyleRequest,
  type ServiceEvent,
  type Services,
  type SettingsInfo,
} from './types.js';

const REPO_PACKS = fileURLToPath(new URL('../../models/packs', import.meta.url));
const TASK_KIND: Record<'paraphrase' | 'headline', DocKind> = { paraphrase: 'tweet', headline: 'article' };

/** The loaded pack's reference mean for a kind; a pack without one cannot weaken a style (the request says why it fails). */
function referenceFor(info: { packId: string; reference?: { tweet?: Float32Array; article?: Float32Array } | null }, kind: DocKind): Float32Array {
  const ref = info.reference?.[kind];
  if (!ref)
    throw new ServiceError(
      'INVALID_INPUT',
      `the model pack "${info.packId}" has no reference mean for ${kind}s, so a style strength below "fully me" cannot be applied (build one with: commer reference-mean)`,
    );
  return ref;
}
const UNDO_DAYS = 30;
/** Documents shown beside each suggestion as the closest of the person's own. */
const CLOSEST_DOCUMENTS = 3;
/** Undo of a library delete: this many recent deletes, for this long (the toast that offers it is long gone by then). */
const UNDO_DELETES_KEPT = 20;
const UNDO_DELETE_MS = 10 * 60_000;
const IMPORT_FORMATS: readonly ImportFormat[] = ['twitter-zip', 'tweets-js', 'csv', 'json', 'jsonl', 'text', 'markdown', 'html'];

/** A runner for store calls that turns StoreErrors into ServiceErrors with the same code, and a locked database into BUSY naming who holds it. */
function storeCalls(busy: () => string) {
  return function s<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreError) throw new ServiceError(err.code, err.code === 'BUSY' ? `${busy()}; try again when it has finished` : err.message);
      if ((err as { code?: string } | null)?.code === 'SQLITE_FULL') throw new ServiceError('DISK_FULL', 'the disk (or the database size limit) is full; nothing of this change was written');
      if (store.isBusyError(err)) throw new ServiceError('BUSY', `${busy()}; nothing of this change was written, try again when it has finished`);
      throw err;
    }
  };
}

function int(v: unknown, name: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ServiceError('INVALID_INPUT', `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  return v;
}

function ids(v: unknown, name: string): number[] {
  if (!Array.isArray(v) || v.length > 100_000 || !v.every((x) => Number.isInteger(x))) throw new ServiceError('INVALID_INPUT', `${name} must be an array of integer ids`);
  return v as number[];
}

interface PackEntry {
  id: string;
  dir: string;
  name: string;
  description: string;
  k: number | null;
  dim: number | null;
  error: string | null;
  evaluation: unknown;
  source: BackboneSource | null;
  referenceKinds: DocKind[];
}

/** The id an invalid manifest claims, when it is a usable one, so the pack is known by it in errors. */
function claimedId(json: unknown): string | null {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) ? id : null;
}

function backboneSource(s: { name?: string; author?: string; license?: string; source?: string } | undefined): BackboneSource | null {
  if (!s) return null;
  return { name: s.name, author: s.author, license: s.license, source: s.source };
}

/** Opens the database and returns the services; the active pack loads in the background. */
export async function createServices(opts: ServicesOptions = {}): Promise<Services> {
  const dataDir = resolve(opts.dataDir ?? store.defaultDataDir());
  const dbPath = join(dataDir, store.DB_FILE_NAME);
  const packDirs = (opts.packDirs ?? [REPO_PACKS, join(dataDir, 'packs')]).map((d) => resolve(d));
  // Registered before the database opens, so that a process waiting on it can be named too.
  const session = store.registerSession(dataDir, opts.processLabel ?? store.defaultProcessLabel());
  let db: Database;
  try {
    db = store.openDatabase(dbPath);
  } catch (err) {
    session.close();
    if (err instanceof StoreError) throw new ServiceError(err.code, err.code === 'BUSY' ? `${store.busyMessage(dataDir, session.info.id)}; try again when it has finished` : err.message);
    throw err;
  }
  store.attachSession(db, session);
  const s = storeCalls(() => store.busyMessage(db));
  const exporter = createExports({ db, dbPath, dataDir, s });
  startupCleanup(db, dataDir);

  const listeners = new Set<(e: ServiceEvent) => void>();
  const emit = (e: ServiceEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // A failing listener must not stop the others or the job that emitted.
      }
    }
  };

  const client = new InferenceClient(opts.createInferenceTransport ?? (() => createWorkerTransport()));
  let lastJobUpdate = 0;
  interface Job {
    ctx: ImportJobContext;
    ac: AbortController;
    finished: Promise<void>;
    settled: Array<() => void>;
    /** The user cancelled it before it had read the whole file: learning its kept documents later does not make it 'done'. */
    readCancelled: boolean;
  }
  const jobs = new Map<string, Job>();
  const READING: ReadonlySet<ImportPhase> = new Set(['queued', 'parsing', 'storing']);
  const snapshot = (p: ImportProgress): ImportProgress => ({ ...p, errors: [...p.errors] });

  const queue = new CompressionQueue(db, {
    batchSize: opts.compressBatchSize ?? 8,
    onStatus: (st) => {
      emit({ type: 'queue', status: st as QueueStatus });
      // Counting an import's compressed documents is a join over its rows: a few times a second is plenty.
      const now = Date.now();
      if (st.state !== 'running' || now - lastJobUpdate > 250) {
        lastJobUpdate = now;
        updateJobLearning(st as QueueStatus);
      }
    },
  });

  let activePackId: string | null = store.getSetting<string | null>(db, 'activePackId', null);
  let threads = store.getSetting<number>(db, 'threads', 0);
  let filterOffensive = store.getSetting<boolean>(db, 'filterOffensive', true);
  let activation: Promise<void> = Promise.resolve();
  let activationError: string | null = null;
  let activationStarted = false;
  // Packs whose full check (hashes, graph) failed when loading: the manifest alone looked fine.
  const loadErrors = new Map<string, string>();
  let closed = false;
  const deletedDocs = new Map<string, { docs: store.DeletedDocument[]; at: number }>();

  function scanPacks(): PackEntry[] {
    const out: PackEntry[] = [];
    const seen = new Set<string>();
    for (const root of packDirs) {
      if (!existsSync(root)) continue;
      for (const name of readdirSync(root).sort()) {
        const dir = join(root, name);
        const mf = join(dir, 'manifest.json');
        if (!existsSync(mf) || !statSync(dir).isDirectory()) continue;
        let entry: PackEntry;
        try {
          const json: unknown = JSON.parse(readFileSync(mf, 'utf8'));
          const r = parsePackManifest(json);
          entry = r.ok
            ? {
                id: r.manifest.id,
                dir,
                name: r.manifest.name,
                description: r.manifest.description,
                k: r.manifest.compression.k,
                dim: r.manifest.backbone.dim,
                error: null,
                evaluation: r.manifest.evaluation ?? null,
                source: backboneSource(r.manifest.backbone.source),
                referenceKinds: r.manifest.reference?.kinds ?? [],
              }
            : { id: claimedId(json) ?? name, dir, name, description: '', k: null, dim: null, error: r.message, evaluation: null, source: null, referenceKinds: [] };
        } catch (err) {
          entry = {
            id: name,
            dir,
            name,
            description: '',
            k: null,
            dim: null,
            error: `manifest.json is not valid JSON (${(err as Error).message})`,
            evaluation: null,
            source: null,
            referenceKinds: [],
          };
        }
        out.push(entry);
      }
    }
    // One entry per id, the first that is valid (a broken copy never hides a good one), else the first.
    return out.filter((e) => {
      if (seen.has(e.id)) return false;
      const pick = out.find((o) => o.id === e.id && o.error === null) ?? e;
      if (pick !== e) return false;
      seen.add(e.id);
      return true;
    });
  }

  function summary(p: PackEntry): PackSummary {
    const err = loadErrors.get(p.id) ?? p.error;
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      dir: p.dir,
      k: p.k,
      dim: p.dim,
      valid: err === null,
      error: err,
      active: p.id === activePackId,
      evaluation: p.evaluation,
      source: p.source,
      referenceKinds: p.referenceKinds,
    };
  }

  async function activate(id: string): Promise<void> {
    const packs = scanPacks();
    const entry = packs.find((p) => p.id === id);
    if (!entry) {
      // The pack may be there with a manifest too broken to name it: say what could not be read.
      const unreadable = packs.filter((p) => p.error && p.id !== id).map((p) => `${p.dir}: ${p.error}`);
      throw new ServiceError('NOT_FOUND', `no model pack "${id}" in ${packDirs.join(', ')}${unreadable.length ? `; packs that could not be read: ${unreadable.join('; ')}` : ''}`);
    }
    if (entry.error) throw new ServiceError('PACK_INVALID', `${entry.dir}: ${entry.error}`);
    await queue.setCompressor(null);
    let info;
    try {
      info = await client.load(entry.dir, { threads });
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new ServiceError(err instanceof InferenceError && err.code === 'PACK_INVALID' ? 'PACK_INVALID' : 'INFERENCE_FAILED', msg);
    }
    const compressor: Compressor = { packId: info.packId, k: info.k, dim: info.dim, compress: (texts, signal) => client.compress(texts, signal) };
    activePackId = info.packId;
    loadErrors.delete(id);
    store.setSetting(db, 'activePackId', info.packId);
    await queue.setCompressor(compressor);
  }

  /**
   * Loads a pack in the background. `fallbacks` are tried in order when the pack
   * turns out to be unusable (a bad file behind a valid manifest): used only for the
   * pack picked automatically at start, never for one the user chose.
   */
  function startActivation(id: string, fallbacks: string[] = []): Promise<void> {
    activationStarted = true;
    activationError = null;
    activation = activate(id).catch((err) => {
      activationError = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ServiceError && err.code === 'NOT_FOUND')) loadErrors.set(id, activationError);
      if (fallbacks.length && err instanceof ServiceError && err.code === 'PACK_INVALID') {
        activePackId = fallbacks[0]!;
        return startActivation(fallbacks[0]!, fallbacks.slice(1));
      }
      emit({ type: 'queue', status: queueStatus() });
      throw err;
    });
    return activation;
  }

  // Pick up where the last session left: the saved pack, else the first shipped one
  // that loads (the others in order if it does not).
  let startFallbacks: string[] = [];
  {
    const packs = scanPacks();
    const saved = activePackId ? packs.find((p) => p.id === activePackId) : undefined;
    const candidates = saved ? [saved.id] : packs.filter((p) => p.error === null).map((p) => p.id);
    if (candidates.length) {
      activePackId = candidates[0]!;
      startFallbacks = candidates.slice(1);
      if (opts.autoStartQueue === false) queue.pause();
      if (opts.loadModelAtStart !== false) startActivation(activePackId, startFallbacks).catch(() => undefined);
    }
  }

  /** Waits for the active pack to be loaded, starting the load if the host deferred it. */
  async function ensureActivated(): Promise<void> {
    if (!activationStarted && activePackId) startActivation(activePackId, startFallbacks).catch(() => undefined);
    await activation.catch(() => undefined);
  }

  function queueStatus(): QueueStatus {
    const st = queue.status() as QueueStatus;
    if (st.state === 'no-pack' && activationError) {
      // Counted against the pack that failed, so "0 of 0" does not hide the documents waiting for it.
      const counts = activePackId ? s(() => store.compressionTotals(db, activePackId!)) : {};
      return { ...st, ...counts, state: 'error', packId: activePackId, error: { code: 'PACK_INVALID', message: activationError } };
    }
    return st;
  }

  function profileSummary(row: store.ProfileRow): ProfileSummary {
    const counts = store.countDocuments(db, row.id);
    const packId = activePackId;
    const compression = packId ? { packId, ...store.profileCompressionCounts(db, row.id, packId) } : { packId: null, compressed: 0, pending: counts.tweet + counts.article, held: 0 };
    return { id: row.id, name: row.name, createdAt: row.created_at, docCounts: counts, compression };
  }

  function requireProfile(id: unknown): store.ProfileRow {
    const pid = int(id, 'profileId', 1, Number.MAX_SAFE_INTEGER);
    const row = store.getProfile(db, pid);
    if (!row) throw new ServiceError('NOT_FOUND', `no profile with id ${pid}`);
    return row;
  }

  function job(jobId: unknown): Job {
    const j = typeof jobId === 'string' ? jobs.get(jobId) : undefined;
    if (!j) throw new ServiceError('NOT_FOUND', `no import job ${String(jobId)}`);
    return j;
  }

  /**
   * The learning side of every job's progress, from one queue snapshot (the one just
   * sent as a 'queue' event), so an import's figures and the queue's never disagree:
   * its rate is the queue's, and its time left is the queue's estimate for the
   * documents up to its last one.
   */
  function updateJobLearning(st: QueueStatus = queueStatus()): void {
    for (const j of jobs.values()) {
      const p = j.ctx.progress;
      const id = j.ctx.importId;
      if (id === undefined || !activePackId) continue;
      if (p.phase === 'storing') {
        // The queue learns batches while the file is still being read; the reader emits this with its next batch.
        p.compressed = store.importCompressedCount(db, id, activePackId);
        continue;
      }
      if (p.phase !== 'compressing') continue;
      const docs = store.importDocumentCount(db, id);
      p.compressed = store.importCompressedCount(db, id, activePackId);
      const left = store.pendingThroughImport(db, id, activePackId);
      p.docsPerSec = st.docsPerSec;
      p.etaSec = left === 0 ? 0 : st.etaSec !== null && st.pending > 0 ? Math.round((st.etaSec * left) / st.pending) : null;
      if (p.compressed >= docs || st.state === 'paused' || st.state === 'error' || st.state === 'no-pack') {
        p.phase = j.readCancelled ? 'cancelled' : 'done';
        p.etaSec = null;
        p.docsPerSec = 0;
        for (const r of j.settled.splice(0)) r();
      }
      emit({ type: 'import', progress: snapshot(p) });
    }
  }

  /**
   * Holds a job's documents back from learning, at once: the queue drops the batch it
   * has in flight, and a batch that still arrives adds nothing of them (addCompressions
   * skips held documents). From here on the job's learned count no longer changes.
   */
  function holdJob(j: Job): void {
    const id = j.ctx.importId;
    if (id === undefined) return;
    s(() => store.setImportHeld(db, id, true));
    void queue.restart();
    j.ctx.progress.compressed = activePackId ? store.importCompressedCount(db, id, activePackId) : 0;
  }

  /** What a cancelled job turns back into when its kept documents may be learned. */
  function resumeJob(j: Job): ImportProgress {
    const p = j.ctx.progress;
    const id = j.ctx.importId;
    if (p.phase !== 'cancelled' || id === undefined) throw new ServiceError('CONFLICT', `${basename(j.ctx.path)}: only a cancelled import can be learned after all (this one is ${p.phase})`);
    s(() => store.setImportHeld(db, id, false));
    const st = queue.status();
    const left = store.importDocumentCount(db, id) - (activePackId ? store.importCompressedCount(db, id, activePackId) : 0);
    if (left > 0 && st.packId && st.state !== 'paused' && st.state !== 'error') {
      p.phase = 'compressing';
      queue.notify();
      updateJobLearning();
    }
    emit({ type: 'import', progress: snapshot(p) });
    emit({ type: 'queue', status: queueStatus() });
    return snapshot(p);
  }

  const services: Services = {
    profiles: {
      list: () => s(() => store.listProfiles(db).map(profileSummary)),
      get: (id) => s(() => profileSummary(requireProfile(id))),
      create: (name) =>
        s(() => {
          if (typeof name !== 'string') throw new ServiceError('INVALID_INPUT', 'a profile name must be text');
          const p = profileSummary(store.createProfile(db, name));
          emit({ type: 'data-changed', what: 'profiles', profileId: p.id });
          return p;
        }),
      rename: (id, name) =>
        s(() => {
          if (typeof name !== 'string') throw new ServiceError('INVALID_INPUT', 'a profile name must be text');
          const p = profileSummary(store.renameProfile(db, requireProfile(id).id, name));
          emit({ type: 'data-changed', what: 'profiles', profileId: p.id });
          return p;
        }),
      delete: (id) =>
        s(() => {
          const row = requireProfile(id);
          for (const j of jobs.values()) if (j.ctx.progress.profileId === row.id) j.ac.abort();
          store.deleteProfile(db, row.id);
          emit({ type: 'data-changed', what: 'profiles', profileId: row.id });
        }),
    },

    documents: {
      list: (req) =>
        s(() => {
          const p = requireProfile(req?.profileId);
          if (req.kind !== undefined && !DOC_KINDS.includes(req.kind)) throw new ServiceError('INVALID_INPUT', `kind must be one of ${DOC_KINDS.join(', ')}`);
          const offset = req.offset === undefined ? 0 : int(req.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
          const limit = req.limit === undefined ? 50 : int(req.limit, 'limit', 1, 500);
          const r = store.listDocuments(db, { profileId: p.id, kind: req.kind, search: typeof req.search === 'string' ? req.search : undefined, offset, limit, packId: activePackId });
          const items: DocumentItem[] = r.items.map((d) => ({
            id: d.id,
            profileId: d.profile_id,
            kind: d.kind,
            text: d.text,
            source: d.source,
            writtenAt: d.written_at,
            importedAt: d.imported_at,
            compressed: d.compressed === 1,
            held: d.held === 1,
          }));
          return { items, total: r.total, offset, limit };
        }),
      delete: (list) =>
        s(() => {
          const taken = store.takeDocuments(db, ids(list, 'ids'));
          emit({ type: 'data-changed', what: 'documents' });
          if (!taken.length) return { deleted: 0, undoToken: null };
          const now = Date.now();
          for (const [t, d] of deletedDocs) if (now - d.at > UNDO_DELETE_MS || deletedDocs.size >= UNDO_DELETES_KEPT) deletedDocs.delete(t);
          const undoToken = randomUUID();
          deletedDocs.set(undoToken, { docs: taken, at: now });
          return { deleted: taken.length, undoToken };
        }),
      restore: (token) =>
        s(() => {
          if (typeof token !== 'string' || !token) throw new ServiceError('INVALID_INPUT', 'undoToken must be the token a delete returned');
          const d = deletedDocs.get(token);
          if (!d || Date.now() - d.at > UNDO_DELETE_MS) {
            deletedDocs.delete(token);
            throw new ServiceError('NOT_FOUND', `that delete can no longer be undone (undo lasts ${UNDO_DELETE_MS / 60_000} minutes, for the last ${UNDO_DELETES_KEPT} deletes, until the app closes)`);
          }
          const r = store.restoreDocuments(db, d.docs);
          deletedDocs.delete(token);
          // Restored documents that lack a compression with the active pack are learned again.
          queue.notify();
          emit({ type: 'data-changed', what: 'documents' });
          return r;
        }),
      locate: (id) =>
        s(() => {
          const found = store.documentPosition(db, int(id, 'id', 1, Number.MAX_SAFE_INTEGER));
          if (!found) throw new ServiceError('NOT_FOUND', `document ${id} does not exist (it may have been deleted)`);
          const d = found.row;
          const compressed = activePackId ? store.hasCompression(db, d.id, activePackId) : false;
          return {
            document: { id: d.id, profileId: d.profile_id, kind: d.kind, text: d.text, source: d.source, writtenAt: d.written_at, importedAt: d.imported_at, compressed, held: d.held === 1 },
            index: found.index,
          };
        }),
    },

    imports: {
      start: (req) => {
        const profile = s(() => requireProfile(req?.profileId));
        if (typeof req.path !== 'string' || !req.path.trim()) throw new ServiceError('INVALID_INPUT', 'path must be a file path');
        const options = { ...(req.options ?? {}) };
        if (options.onBadRow !== undefined && options.onBadRow !== 'skip' && options.onBadRow !== 'abort') throw new ServiceError('INVALID_INPUT', "onBadRow must be 'skip' or 'abort'");
        if (options.kind !== undefined && !DOC_KINDS.includes(options.kind)) throw new ServiceError('INVALID_INPUT', `kind must be one of ${DOC_KINDS.join(', ')}`);
        if (options.format !== undefined && !IMPORT_FORMATS.includes(options.format)) throw new ServiceError('INVALID_INPUT', `format must be one of ${IMPORT_FORMATS.join(', ')}`);
        if (options.textSplit !== undefined && options.textSplit !== 'blocks' && options.textSplit !== 'file') throw new ServiceError('INVALID_INPUT', "textSplit must be 'blocks' or 'file'");
        const jobId = randomUUID();
        const name = req.name?.trim() ? basename(req.name.replace(/\\/g, '/')) : undefined;
        const progress = queuedProgress(jobId, profile.id, name ?? req.path);
        const ac = new AbortController();
        const ctx: ImportJobContext = {
          db,
          progress,
          options,
          path: resolve(req.path),
          ...(name ? { name } : {}),
          signal: ac.signal,
          emit: (p) => emit({ type: 'import', progress: p }),
          onStored: () => queue.notify(),
          owner: session.info.id,
          afterParse: (p) => {
            const st = queue.status();
            return p.stored > 0 && st.packId && st.state !== 'paused' && st.state !== 'error' ? 'compressing' : 'done';
          },
          onCancelled: () => {
            j.readCancelled = true;
            try {
              holdJob(j);
            } catch {
              // The database refused even this (disk full, locked for longer than we wait): cancel() held it already if it could.
            }
          },
        };
        const j: Job = { ctx, ac, settled: [], finished: Promise.resolve(), readCancelled: false };
        j.finished = runImport(ctx).then(() => {
          emit({ type: 'data-changed', what: 'documents', profileId: profile.id });
          if (progress.phase === 'compressing') {
            queue.notify();
            updateJobLearning();
          }
        });
        jobs.set(jobId, j);
        return { jobId };
      },
      inspect: async (req) => {
        if (typeof req?.path !== 'string' || !req.path.trim()) throw new ServiceError('INVALID_INPUT', 'path must be a file path');
        const options = req.options ?? {};
        if (options.format !== undefined && !IMPORT_FORMATS.includes(options.format)) throw new ServiceError('INVALID_INPUT', `format must be one of ${IMPORT_FORMATS.join(', ')}`);
        const name = req.name?.trim() ? basename(req.name.replace(/\\/g, '/')) : basename(req.path);
        try {
          return await inspectImport(resolve(req.path), name, options);
        } catch (err) {
          if (err instanceof ServiceError) throw err;
          if (err instanceof ImportParseError) throw new ServiceError('INVALID_INPUT', hidePath(err.message, resolve(req.path), name));
          throw new ServiceError('INTERNAL', `${name}: ${hidePath(err instanceof Error ? err.message : String(err), resolve(req.path), name)}`);
        }
      },
      get: (jobId) => snapshot(job(jobId).ctx.progress),
      list: () => [...jobs.values()].map((j) => snapshot(j.ctx.progress)),
      cancel: (jobId) => {
        const j = job(jobId);
        const p = j.ctx.progress;
        if (READING.has(p.phase)) {
          // Hold what it stored so far at once (the queue learns batches while the file is read);
          // the reader stops at its next row and ends the job 'cancelled' (onCancelled above).
          holdJob(j);
          j.ac.abort();
          return;
        }
        if (p.phase !== 'compressing') return;
        holdJob(j);
        p.phase = 'cancelled';
        p.etaSec = null;
        p.docsPerSec = 0;
        s(() => store.markImportCancelled(db, j.ctx.importId!, 'cancelled while learning: the documents it stored stay, not learned'));
        for (const r of j.settled.splice(0)) r();
        emit({ type: 'import', progress: snapshot(p) });
        emit({ type: 'queue', status: queueStatus() });
      },
      undo: async (jobId) => {
        const j = job(jobId);
        const p = j.ctx.progress;
        if (READING.has(p.phase) || p.phase === 'compressing') services.imports.cancel(jobId as string);
        await j.finished;
        const id = j.ctx.importId;
        if (id === undefined) return { removed: 0 };
        // Held first, so that the queue leaves the documents alone while they go.
        holdJob(j);
        let removed = 0;
        for (;;) {
          const n = s(() => store.removeImportDocuments(db, id, 1000));
          if (!n) break;
          removed += n;
          // A big import goes in many transactions; the host answers other calls between them.
          await yieldToLoop();
        }
        p.removed = (p.removed ?? 0) + removed;
        p.compressed = activePackId ? store.importCompressedCount(db, id, activePackId) : 0;
        emit({ type: 'import', progress: snapshot(p) });
        emit({ type: 'data-changed', what: 'documents', profileId: p.profileId });
        emit({ type: 'queue', status: queueStatus() });
        return { removed };
      },
      resume: (jobId) => resumeJob(job(jobId)),
      wait: async (jobId, o) => {
        const j = job(jobId);
        await j.finished;
        if (o?.waitForCompression && j.ctx.progress.phase === 'compressing') await new Promise<void>((r) => j.settled.push(r));
        return { ...j.ctx.progress, errors: [...j.ctx.progress.errors] };
      },
    },

    queue: {
      status: () => queueStatus(),
      pause: () => (queue.pause(), queueStatus()),
      resume: () => {
        void ensureActivated();
        queue.resume();
        return queueStatus();
      },
      cancel: () => (queue.cancel(), queueStatus()),
      drain: async (signal) => {
        await ensureActivated();
        await queue.drain(signal);
        return queueStatus();
      },
    },

    restyle: {
      run: (req, signal) => restyle(req, signal),
    },

    history: {
      list: (req = {}) =>
        s(() => {
          const offset = req.offset === undefined ? 0 : int(req.offset, 'offset', 0, Number.MAX_SAFE_INTEGER);
          const limit = req.limit === undefined ? 50 : int(req.limit, 'limit', 1, 500);
          if (req.search !== undefined && typeof req.search !== 'string') throw new ServiceError('INVALID_INPUT', 'search must be text');
          const r = store.listGenerations(db, { profileId: req.profileId, search: req.search, offset, limit });
          const items: GenerationItem[] = r.items.map((g) => ({
            id: g.id,
            profileId: g.profile_id,
            profileName: g.profile_name,
            task: g.task,
            draft: g.draft,
            output: g.output,
            packId: g.pack_id,
            settings: JSON.parse(g.settings) as GenerationItem['settings'],
            createdAt: g.created_at,
          }));
          return { items, total: r.total, offset, limit };
        }),
      delete: (list) =>
        s(() => {
          const n = store.softDeleteGenerations(db, ids(list, 'ids'));
          emit({ type: 'data-changed', what: 'history' });
          return { deleted: n };
        }),
      undoDelete: (list) =>
        s(() => {
          const n = store.restoreGenerations(db, ids(list, 'ids'));
          emit({ type: 'data-changed', what: 'history' });
          return { restored: n };
        }),
    },

    packs: {
      list: () => scanPacks().map(summary),
      validate: async (dir) => {
        if (typeof dir !== 'string' || !dir.trim()) throw new ServiceError('INVALID_INPUT', 'dir must be a folder path');
        // The same check loading does, graph included (in the inference host: it needs an onnxruntime session).
        try {
          const r = await client.validate(resolve(dir));
          if (!r.ok) return { ok: false as const, error: r.error.message };
          const m = r.manifest;
          return {
            ok: true as const,
            pack: {
              id: m.id,
              name: m.name,
              description: m.description,
              dir: resolve(dir),
              k: m.compression.k,
              dim: m.backbone.dim,
              valid: true,
              error: null,
              active: m.id === activePackId,
              evaluation: m.evaluation ?? null,
              source: backboneSource(m.backbone.source),
              referenceKinds: m.reference?.kinds ?? [],
            },
          };
        } catch (err) {
          return { ok: false as const, error: err instanceof Error ? err.message : String(err) };
        }
      },
      setActive: async (id) => {
        if (typeof id !== 'string' || !id) throw new ServiceError('INVALID_INPUT', 'id must be a pack id');
        await activation.catch(() => undefined);
        const previous = client.info ? activePackId : null;
        try {
          await startActivation(id);
        } catch (err) {
          // A pack that fails to load must not leave the app without a model: go back to the one that worked.
          if (previous && previous !== id) await startActivation(previous).catch(() => undefined);
          throw err;
        }
        emit({ type: 'data-changed', what: 'packs' });
        return summary(scanPacks().find((p) => p.id === id)!);
      },
    },

    settings: {
      get: () => settingsInfo(),
      update: async (patch) => {
        if (patch.threads !== undefined) {
          const max = availableParallelism();
          if (typeof patch.threads !== 'number' || !Number.isInteger(patch.threads) || patch.threads < 0 || patch.threads > max) {
            throw new ServiceError('INVALID_INPUT', `threads must be 0 (automatic) or a whole number from 1 to ${max}, the processors this computer has; got ${JSON.stringify(patch.threads)}`);
          }
          threads = patch.threads;
          s(() => store.setSetting(db, 'threads', threads));
          if (activePackId) {
            await activation.catch(() => undefined);
            await startActivation(activePackId);
          }
        }
        if (patch.filterOffensive !== undefined) {
          if (typeof patch.filterOffensive !== 'boolean') throw new ServiceError('INVALID_INPUT', 'filterOffensive must be true or false');
          filterOffensive = patch.filterOffensive;
          s(() => store.setSetting(db, 'filterOffensive', filterOffensive));
        }
        emit({ type: 'data-changed', what: 'settings' });
        return settingsInfo();
      },
      exportAll: (path) => exporter.write(path),
      listExports: () => exporter.list(),
      deleteAll: (o = {}) =>
        s((): DeleteAllResult => {
          for (const j of jobs.values()) j.ac.abort();
          // An export still running would write the data being deleted to a file after the delete.
          const stopped = exporter.stopAll();
          const files = exporter.list();
          db.transaction(() => {
            db.prepare('DELETE FROM generations').run();
            db.prepare('DELETE FROM profiles').run();
            db.prepare('DELETE FROM imports').run();
            // The pack choice, thread count and output filter are app configuration, not the user's data; they stay.
            db.prepare("DELETE FROM settings WHERE key NOT IN ('activePackId', 'threads', 'filterOffensive')").run();
          })();
          // TRUNCATE scrubs the deleted rows from the WAL file, but waits (busy_timeout) for every reader of an
          // older snapshot: a stopped export's connection closes only once its current write returns. Then.
          if (!stopped) db.pragma('wal_checkpoint(TRUNCATE)');
          else {
            db.pragma('wal_checkpoint(PASSIVE)');
            void stopped.then(() => {
              try {
                if (!closed) db.pragma('wal_checkpoint(TRUNCATE)');
              } catch {
                // Another process holds the folder: SQLite checkpoints again on its own as the WAL grows.
              }
            });
          }
          const { exportsDeleted, exportsKept } = exporter.afterDeleteAll(files, o.exports === true);
          emit({ type: 'data-changed', what: 'profiles' });
          emit({ type: 'data-changed', what: 'history' });
          return { exportsDeleted, exportsKept };
        }),
      recompute: () =>
        s(() => {
          const t0 = performance.now();
          const r = store.recomputeMeans(db);
          return { ...r, ms: Math.round((performance.now() - t0) * 10) / 10 };
        }),
    },

    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },

    close: async () => {
      if (closed) return;
      closed = true;
      for (const j of jobs.values()) j.ac.abort();
      const exportsStopped = exporter.stopAll();
      await Promise.all([...jobs.values()].map((j) => j.finished.catch(() => undefined)));
      await exportsStopped;
      await queue.close();
      await client.dispose();
      listeners.clear();
      db.close();
      session.close();
    },
  };

  function settingsInfo(): SettingsInfo {
    let dbBytes = 0;
    for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) dbBytes += statSync(f).size;
    return {
      dataDir,
      dbPath,
      dbBytes,
      schemaVersion: store.schemaVersion(db),
      activePackId,
      threads,
      threadsInUse: client.info?.threads ?? null,
      maxThreads: availableParallelism(),
      provider: client.info?.provider ?? null,
      packDirs,
      filterOffensive,
    };
  }

  async function* restyle(req: RestyleRequest, signal?: AbortSignal): AsyncGenerator<RestyleEvent> {
    const profile = s(() => requireProfile(req?.profileId));
    if (!TASKS.includes(req.task)) throw new ServiceError('INVALID_INPUT', `task must be one of ${TASKS.join(', ')}`);
    if (typeof req.draft !== 'string' || !req.draft.trim()) throw new ServiceError('INVALID_INPUT', 'the draft is empty');
    if (req.draft.length > 20_000) throw new ServiceError('INVALID_INPUT', 'the draft is longer than 20,000 characters');
    const n = req.n === undefined ? 3 : int(req.n, 'n', 1, 5);
    const strengthBad = req.strength === undefined ? null : strengthProblem(req.strength);
    if (strengthBad) throw new ServiceError('INVALID_INPUT', strengthBad);
    const strength = req.strength ?? DEFAULT_STRENGTH;
    await ensureActivated();
    const info = client.info;
    if (!info || !activePackId) throw new ServiceError('NO_PACK', activationError ?? 'no model pack is loaded; choose one in Settings');

    const taskKind = TASK_KIND[req.task];
    const counts = store.countDocuments(db, profile.id);
    const kinds: DocKind[] = req.kind && req.kind !== 'any' ? [req.kind] : req.kind === 'any' ? [...DOC_KINDS] : counts[taskKind] > 0 ? [taskKind] : [...DOC_KINDS];
    let merged: Float32Array | null = null;
    let usedDocs = 0;
    let relevantIds: number[] = [];
    const docsUsed: DocsUsed = { selection: 'none', requested: null, matched: null, used: 'none', count: 0 };
    if (req.docs !== 'none') {
      let mean: store.Mean | null = null;
      if (typeof req.docs === 'object' && req.docs !== null) {
        const want = int(req.docs.relevant, 'docs.relevant', 1, 10_000);
        const found = store.relevantDocumentIds(db, profile.id, req.draft, want, kinds, info.packId);
        relevantIds = found;
        mean = found.length ? store.meanOfDocuments(db, info.packId, found) : null;
        Object.assign(docsUsed, { selection: 'relevant', requested: want, matched: found.length, used: mean ? 'relevant' : 'all' });
      } else if (req.docs !== 'all') throw new ServiceError('INVALID_INPUT', "docs must be 'all', 'none' or {relevant: N}");
      else Object.assign(docsUsed, { selection: 'all', used: 'all' });
      // No document shares a word with the draft: the whole profile is the next best evidence of style (docsUsed says so).
      mean ??= store.getMean(db, profile.id, info.packId, kinds);
      if (mean) {
        merged = strength === 1 ? mean.mean : blendTowards(referenceFor(info, taskKind), mean.mean, strength);
        usedDocs = mean.count;
        docsUsed.count = mean.count;
      } else if (counts.tweet + counts.article > 0) {
        // Documents exist but none is learned yet: generic text would pass for theirs, so say why there is none.
        const pending = store.profileCompressionCounts(db, profile.id, info.packId).pending;
        throw new ServiceError(
          'NO_DOCUMENTS',
          pending > 0
            ? `"${profile.name}" has ${pending} documents still being compressed; try again when the queue is done`
            : `none of "${profile.name}"'s ${kinds.map((k) => `${k}s`).join(' or ')} is learned with this pack`,
        );
      } else {
        // A profile with no documents at all: generic suggestions (the n = 0 generation), as the Restyle page promises; docsUsed says so.
        docsUsed.used = 'none';
      }
    }
    // Without documents there is no "me" to weigh: the strength is recorded as not applied.
    const appliedStrength = merged ? strength : null;
    const sp = req.sampling ?? {};
    const params: GenerateParams = {
      merged,
      task: req.task,
      input: req.draft.trim(),
      n,
      temperature: sp.temperature ?? 0.8,
      topK: sp.topK ?? 40,
      topP: sp.topP ?? 0.95,
      repetitionPenalty: sp.repetitionPenalty ?? 1.1,
      seed: sp.seed ?? Math.floor(Math.random() * 2 ** 31),
      maxNewTokens: sp.maxNewTokens ?? info.maxNewTokens,
    };
    const save = req.save !== false;
    // "Why it sounds like you": among the documents the style came from (the merged ones of a "most relevant" run).
    const closestAmong = docsUsed.used === 'relevant' ? relevantIds : undefined;
    const closestTo = (text: string): ClosestDocument[] =>
      docsUsed.used === 'none' || !text
        ? []
        : s(() => store.closestDocuments(db, { profileId: profile.id, text, kinds, packId: info.packId, among: closestAmong, limit: CLOSEST_DOCUMENTS })).map((r) => ({
            id: r.id,
            kind: r.kind,
            source: r.source,
            writtenAt: r.written_at,
            importedAt: r.imported_at,
            snippet: r.snippet,
            marks: r.marks,
          }));
    const texts: string[] = Array.from({ length: n }, () => '');
    // Masked as they stream: the suggestions are sampled from a model trained on other people's tweets.
    const filters = Array.from({ length: n }, () => (filterOffensive ? new OffensiveStreamFilter() : null));
    const shown = (c: number, text: string) => filters[c]?.push(text) ?? text;
    yield { type: 'start', restyleId: randomUUID(), packId: info.packId, usedDocs, n, docs: docsUsed, seed: params.seed, strength: appliedStrength };
    let aborted = false;
    try {
      for await (const ev of client.generate(params, signal)) {
        if (!ev.done) {
          texts[ev.candidate] += ev.text;
          yield { type: 'token', candidate: ev.candidate, tokenId: ev.tokenId, text: shown(ev.candidate, ev.text) };
          continue;
        }
        // The closing event can carry the last token's text (finish by length): stream it like any other,
        // with whatever the filter still held back.
        const filter = filters[ev.candidate];
        const last = (ev.text ? shown(ev.candidate, ev.text) : '') + (filter?.end() ?? '');
        texts[ev.candidate] += ev.text;
        if (last) yield { type: 'token', candidate: ev.candidate, tokenId: ev.tokenId, text: last };
        const reason = ev.finishReason ?? 'eos';
        if (reason === 'aborted') aborted = true;
        const masked = filter?.result() ?? { text: texts[ev.candidate]!, hidden: 0 };
        const text = masked.text.trim();
        let generationId: number | null = null;
        if (save && reason !== 'aborted' && text) {
          generationId = s(() =>
            store.insertGeneration(db, {
              profileId: profile.id,
              profileName: profile.name,
              task: req.task,
              draft: req.draft,
              output: text,
              packId: info.packId,
              settings: {
                docs: req.docs,
                usedDocs,
                docsUsed,
                strength: appliedStrength,
                hidden: masked.hidden,
                sampling: { ...params, merged: undefined, input: undefined, task: undefined, n: undefined },
                candidate: ev.candidate,
              },
            }),
          );
        }
        const closest = reason === 'aborted' ? [] : closestTo(text);
        yield { type: 'candidate-done', candidate: ev.candidate, text, finishReason: reason, generationId, hidden: masked.hidden, closest };
      }
    } catch (err) {
      if (err instanceof InferenceError) {
        if (err.code === 'CANCELLED') aborted = true;
        else throw new ServiceError('INFERENCE_FAILED', err.message);
      } else throw err;
    }
    if (signal?.aborted) aborted = true;
    if (save) emit({ type: 'data-changed', what: 'history' });
    yield { type: 'done', aborted };
  }

  return services;
}

/**
 * Start-up housekeeping: recover the imports of processes that died (never those
 * of another process still running on this folder) and purge old undo history.
 * Both can wait for the next start if another process holds the write lock.
 */
function startupCleanup(db: Database, dataDir: string): void {
  try {
    store.recoverInterruptedImports(db, (owner) => store.ownerAlive(dataDir, owner));
    store.pruneDeadSessions(dataDir);
    store.purgeDeletedGenerations(db, new Date(Date.now() - UNDO_DAYS * 86400_000).toISOString());
  } catch (err) {
    if (!store.isBusyError(err)) throw err;
  }
}
