// The import jobs: starting, inspecting, cancelling, undoing and resuming them, and
// the learning side of their progress, which follows the compression queue.
import { randomUUID } from 'node:crypto';
import { basename, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import * as store from '../store/index.js';
import { ImportParseError } from '../core/import/index.js';
import { IMPORT_FORMATS } from '../core/inputs.js';
import { hidePath, queuedProgress, runImport, type ImportJobContext } from './import-runner.js';
import { inspectImport } from './import-inspect.js';
import { requireProfile } from './library.js';
import { ServiceError } from './errors.js';
import type { ServiceContext } from './context.js';
import { requireInt } from './validate.js';
import { DOC_KINDS, type HeldImport, type ImportPhase, type ImportProgress, type ImportService, type QueueStatus } from './types.js';

const READING: ReadonlySet<ImportPhase> = new Set(['queued', 'parsing', 'storing']);
const snapshot = (p: ImportProgress): ImportProgress => ({ ...p, errors: [...p.errors] });

interface Job {
  ctx: ImportJobContext;
  ac: AbortController;
  finished: Promise<void>;
  settled: Array<() => void>;
  /** The user cancelled it before it had read the whole file: learning its kept documents later does not make it 'done'. */
  readCancelled: boolean;
}

export interface ImportsDeps {
  /** The session id recorded as each import's owner (crash recovery leaves a live owner's imports alone). */
  owner: string;
  activePackId: () => string | null;
  queueStatus: () => QueueStatus;
}

export type Imports = ReturnType<typeof createImports>;

export function createImports({ db, storeCall, emit, queue }: ServiceContext, { owner, activePackId, queueStatus }: ImportsDeps) {
  const jobs = new Map<string, Job>();
  let lastJobUpdate = 0;

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
      const packId = activePackId();
      if (id === undefined || !packId) continue;
      if (p.phase === 'storing') {
        // The queue learns batches while the file is still being read; the reader emits this with its next batch.
        p.compressed = store.importCompressedCount(db, id, packId);
        continue;
      }
      if (p.phase !== 'compressing') continue;
      const docs = store.importDocumentCount(db, id);
      p.compressed = store.importCompressedCount(db, id, packId);
      const left = store.pendingThroughImport(db, id, packId);
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
    storeCall(() => store.setImportHeld(db, id, true));
    void queue.restart();
    const packId = activePackId();
    j.ctx.progress.compressed = packId ? store.importCompressedCount(db, id, packId) : 0;
  }

  /** Ends a job whose documents are held, read to the end: 'cancelled', with the learned count as it stands. */
  function endCancelled(j: Job): void {
    const p = j.ctx.progress;
    p.phase = 'cancelled';
    p.etaSec = null;
    p.docsPerSec = 0;
    storeCall(() => store.markImportCancelled(db, j.ctx.importId!, 'cancelled while learning: the documents it stored stay, not learned'));
    for (const r of j.settled.splice(0)) r();
    emit({ type: 'import', progress: snapshot(p) });
    emit({ type: 'queue', status: queueStatus() });
  }

  /** What a cancelled job turns back into when its kept documents may be learned. */
  function resumeJob(j: Job): ImportProgress {
    const p = j.ctx.progress;
    const id = j.ctx.importId;
    if (p.phase !== 'cancelled' || id === undefined) throw new ServiceError('CONFLICT', `${basename(j.ctx.path)}: only a cancelled import can be learned after all (this one is ${p.phase})`);
    storeCall(() => store.setImportHeld(db, id, false));
    const st = queue.status();
    if (toLearn(id) > 0 && st.packId && st.state !== 'paused' && st.state !== 'error') {
      p.phase = 'compressing';
      queue.notify();
      updateJobLearning();
    }
    emit({ type: 'import', progress: snapshot(p) });
    emit({ type: 'queue', status: queueStatus() });
    return snapshot(p);
  }

  /** The live job of an import, when this process started it. */
  function jobOfImport(importId: number): Job | undefined {
    for (const j of jobs.values()) if (j.ctx.importId === importId) return j;
    return undefined;
  }

  /** What a CONFLICT says when an import is not held, per action. */
  const NOT_HELD_MESSAGE = {
    learn: "its documents are learned already or waiting to be (only a cancelled import's kept documents are held back)",
    remove: 'its documents are not held back by a cancel, so they are removed one by one in the Library, not here',
  } as const;

  /** A held import's row, or NOT_FOUND / CONFLICT saying what is wrong with the id. */
  function requireHeld(importId: unknown, doing: keyof typeof NOT_HELD_MESSAGE): store.ImportRow {
    const id = requireInt(importId, 'importId', 1, Number.MAX_SAFE_INTEGER);
    const row = storeCall(() => store.getImport(db, id));
    if (!row) throw new ServiceError('NOT_FOUND', `no import with id ${id}`);
    if (!row.held) throw new ServiceError('CONFLICT', `${row.file}: ${NOT_HELD_MESSAGE[doing]}`);
    return row;
  }

  /** Import ids whose documents are being removed now: a second remove, or a learn, of one is refused with CONFLICT. */
  const removing = new Set<number>();

  /** Removes an import's documents in batches of 1000, yielding to the loop between them. */
  async function removeDocuments(id: number): Promise<number> {
    let removed = 0;
    for (;;) {
      const n = storeCall(() => store.removeImportDocuments(db, id, 1000));
      if (!n) break;
      removed += n;
      // A big import goes in many transactions; the host answers other calls between them.
      await yieldToLoop();
    }
    return removed;
  }

  const service: ImportService = {
    start: (req) => {
      const profile = storeCall(() => requireProfile(db, req?.profileId));
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
        owner,
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
        if (ac.signal.aborted && (progress.phase === 'compressing' || progress.phase === 'done')) {
          // Cancelled after the reader's last row, while it saved its last batch: the reader no longer looks
          // at the signal, but cancel() has held the documents, so they will never be learned. End it as a
          // cancel during learning; otherwise it would wait in 'compressing' for ever.
          endCancelled(j);
        } else if (progress.phase === 'compressing') {
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
      endCancelled(j);
    },
    undo: async (jobId) => {
      const j = job(jobId);
      const p = j.ctx.progress;
      if (READING.has(p.phase) || p.phase === 'compressing') service.cancel(jobId as string);
      await j.finished;
      const id = j.ctx.importId;
      if (id === undefined) return { removed: 0 };
      // Held first, so that the queue leaves the documents alone while they go.
      holdJob(j);
      const removed = await removeDocuments(id);
      p.removed = (p.removed ?? 0) + removed;
      const packId = activePackId();
      p.compressed = packId ? store.importCompressedCount(db, id, packId) : 0;
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
    held: (profileId) => {
      const profile = storeCall(() => requireProfile(db, profileId));
      return storeCall(() => store.listHeldImports(db, profile.id, activePackId())).map((r): HeldImport => ({
        importId: r.id,
        profileId: profile.id,
        file: r.file,
        startedAt: r.started_at,
        status: r.status,
        documents: r.documents,
        learned: r.learned,
      }));
    },
    release: async (importId) => {
      let row = requireHeld(importId, 'learn');
      if (removing.has(row.id)) throw new ServiceError('CONFLICT', `${row.file}: its documents are being removed`);
      const j = jobOfImport(row.id);
      if (j) {
        // A cancel still stopping the reader: let it end, so the job is 'cancelled' and follows the learning.
        await j.finished;
        row = requireHeld(row.id, 'learn');
        if (j.ctx.progress.phase === 'cancelled') {
          resumeJob(j);
          emit({ type: 'data-changed', what: 'documents', profileId: row.profile_id });
          return { toLearn: toLearn(row.id) };
        }
      }
      // No job in this process (the app was restarted since the cancel): from the store.
      storeCall(() => store.setImportHeld(db, row.id, false));
      queue.notify();
      emit({ type: 'data-changed', what: 'documents', profileId: row.profile_id });
      emit({ type: 'queue', status: queueStatus() });
      return { toLearn: toLearn(row.id) };
    },
    remove: async (importId) => {
      const row = requireHeld(importId, 'remove');
      if (removing.has(row.id)) throw new ServiceError('CONFLICT', `${row.file}: its documents are being removed already`);
      removing.add(row.id);
      try {
        const j = jobOfImport(row.id);
        // The job's own undo, so its card says "removed" too.
        if (j?.ctx.progress.jobId) return await service.undo(j.ctx.progress.jobId);
        const removed = await removeDocuments(row.id);
        emit({ type: 'data-changed', what: 'documents', profileId: row.profile_id });
        emit({ type: 'queue', status: queueStatus() });
        return { removed };
      } finally {
        removing.delete(row.id);
      }
    },
  };

  /** An import's documents not yet learned with the active pack. */
  function toLearn(id: number): number {
    const packId = activePackId();
    return storeCall(() => store.importDocumentCount(db, id) - (packId ? store.importCompressedCount(db, id, packId) : 0));
  }

  return {
    service,
    /** Follows a queue status event: counting an import's compressed documents is a join over its rows, a few times a second is plenty. */
    onQueueStatus(st: QueueStatus): void {
      const now = Date.now();
      if (st.state !== 'running' || now - lastJobUpdate > 250) {
        lastJobUpdate = now;
        updateJobLearning(st);
      }
    },
    /** Stops every running job (delete all, close). */
    abortAll(): void {
      for (const j of jobs.values()) j.ac.abort();
    },
    /** Stops the jobs importing into one profile. */
    abortImportsOf(profileId: number): void {
      for (const j of jobs.values()) if (j.ctx.progress.profileId === profileId) j.ac.abort();
    },
    /** Resolves when every job has finished reading (failed or not). */
    allFinished: () => Promise.all([...jobs.values()].map((j) => j.finished.catch(() => undefined))),
  };
}
