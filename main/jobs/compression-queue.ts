// Background compression: finds documents without a compression for the active
// pack, compresses them in batches through a Compressor (the inference host),
// and commits each batch with its running-mean updates in one transaction. The
// queue keeps no state of its own on disk: "pending" is simply "no compression
// row for this pack", so a restart (or a crash) resumes exactly where the last
// committed batch ended. Another process on the same data folder holding the
// write lock only makes it wait (it says so in `waiting`), never stop.
import type { QueueState } from '../core/inputs.js';
import { firstNonFinite } from '../core/running-mean.js';
import { ThroughputWindow } from '../core/throughput.js';
import { addCompressions, busyMessage, compressionTotals, pendingDocuments, retryWhileBusy, type Database } from '../store/index.js';

/** The queue's view of a model: the inference client or anything with the same shape. */
export interface Compressor {
  readonly packId: string;
  readonly k: number;
  readonly dim: number;
  compress(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type { QueueState };

export interface QueueSnapshot {
  state: QueueState;
  packId: string | null;
  total: number;
  done: number;
  pending: number;
  /** Documents kept from cancelled imports and not learned: in neither total nor pending. */
  held: number;
  docsPerSec: number;
  etaSec: number | null;
  /** Documents this session gave up on (each failed alone while others compressed); not counted in pending. */
  skipped: number;
  error?: { code: string; message: string };
  /** Set while the queue waits for another process to release the database (who it is, in words). */
  waiting?: string;
}

export interface QueueOptions {
  batchSize?: number;
  /** The runtime truncates to the pack's max_doc_tokens anyway; this keeps huge articles off the message channel. */
  maxChars?: number;
  onStatus?: (s: QueueSnapshot) => void;
  /** Consecutive failed batches before the queue stops with state 'error'. */
  maxFailures?: number;
}

export class CompressionQueue {
  private compressor: Compressor | null = null;
  private state: QueueState = 'no-pack';
  private paused = false;
  private loop: Promise<void> | null = null;
  private ac: AbortController | null = null;
  private dirty = false;
  private rate = 0;
  // Documents per second over about the last minute of batches (the ETA divides by it).
  private readonly throughput = new ThroughputWindow(60);
  private error: { code: string; message: string } | undefined;
  private waiting: string | undefined;
  private waiters: Array<() => void> = [];
  /** Documents that failed alone while others succeeded; left pending (a restart retries them) but not retried this session. */
  private readonly skipped = new Map<number, string>();
  private readonly batchSize: number;
  private readonly maxChars: number;
  private readonly maxFailures: number;

  constructor(
    private readonly db: Database,
    private readonly opts: QueueOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 8;
    this.maxChars = opts.maxChars ?? 16_000;
    this.maxFailures = opts.maxFailures ?? 3;
  }

  /** Sets the model to compress with (null: none); pending work for the new pack starts unless paused. */
  async setCompressor(c: Compressor | null): Promise<void> {
    await this.stopLoop();
    this.compressor = c;
    this.error = undefined;
    this.skipped.clear();
    this.rate = 0;
    this.throughput.reset();
    this.state = c ? (this.paused ? 'paused' : 'idle') : 'no-pack';
    this.kick();
  }

  /** Tells the queue new documents exist. */
  notify(): void {
    this.dirty = true;
    this.kick();
  }

  pause(): QueueSnapshot {
    this.paused = true;
    this.ac?.abort();
    if (this.compressor) this.state = 'paused';
    this.publish();
    return this.status();
  }

  resume(): QueueSnapshot {
    this.paused = false;
    this.error = undefined;
    if (this.compressor && (this.state === 'paused' || this.state === 'error')) this.state = 'idle';
    this.kick();
    return this.status();
  }

  /**
   * Drops the batch in flight and starts over from the first pending document, so
   * documents that just stopped being pending (their import was cancelled) are not
   * worked on a moment longer. Nothing is lost: the batch's documents are fetched again.
   */
  async restart(): Promise<void> {
    await this.stopLoop();
    this.kick();
  }

  /** Stops the current batch; the queue stays paused until resume(). */
  cancel(): QueueSnapshot {
    return this.pause();
  }

  status(): QueueSnapshot {
    const c = this.compressor;
    const t = c ? compressionTotals(this.db, c.packId) : { total: 0, done: 0, pending: 0, held: 0 };
    const pending = Math.max(0, t.pending - this.skipped.size);
    const s: QueueSnapshot = {
      state: this.state,
      packId: c?.packId ?? null,
      total: t.total,
      done: t.done,
      pending,
      held: t.held,
      skipped: this.skipped.size,
      docsPerSec: Math.round(this.rate * 10) / 10,
      etaSec: this.rate > 0 && pending > 0 ? Math.round(pending / this.rate) : pending === 0 ? 0 : null,
    };
    if (this.error) s.error = this.error;
    if (this.waiting) s.waiting = this.waiting;
    return s;
  }

  /** Resolves when nothing is pending, or the queue is paused, failed or has no pack. */
  async drain(signal?: AbortSignal): Promise<QueueSnapshot> {
    for (;;) {
      if (signal?.aborted) return this.status();
      const s = this.status();
      if (s.state !== 'running' && (s.pending === 0 || s.state !== 'idle')) return s;
      await new Promise<void>((r) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          r();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
        if (this.state === 'idle' && !this.loop) this.kick();
      });
    }
  }

  /** Stops work and waits for the current batch to settle. */
  async close(): Promise<void> {
    this.paused = true;
    await this.stopLoop();
  }

  private async stopLoop(): Promise<void> {
    this.ac?.abort();
    await this.loop?.catch(() => undefined);
  }

  private kick(): void {
    if (this.loop || this.paused || !this.compressor || this.state === 'error') {
      this.wakeWaiters();
      return;
    }
    this.loop = this.run().finally(() => {
      this.loop = null;
      this.wakeWaiters();
      // Documents that arrived while the loop was finishing.
      if (this.dirty && !this.paused && this.state === 'idle') this.kick();
    });
  }

  private publish(): void {
    this.opts.onStatus?.(this.status());
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private async run(): Promise<void> {
    const c = this.compressor!;
    const ac = new AbortController();
    this.ac = ac;
    let cursor = 0;
    let failures = 0;
    // After a batch keeps failing, its documents are retried one at a time up to this id, to find the one at fault.
    let singleUntil = 0;
    // A document that failed alone; it is skipped only once the next one succeeds (else the host itself is broken).
    let suspect: { id: number; message: string } | null = null;
    this.dirty = false;
    this.state = 'running';
    this.publish();
    try {
      for (;;) {
        if (ac.signal.aborted || this.compressor !== c) return;
        const single = cursor < singleUntil;
        const fetched = await this.whileBusy(() => pendingDocuments(this.db, c.packId, cursor, single ? 1 : this.batchSize), ac.signal);
        if (fetched === null) return;
        const batch = fetched.filter((d) => !this.skipped.has(d.id) && d.id !== suspect?.id);
        if (!fetched.length) {
          // New ids can be lower than the cursor only if the newest document was deleted; rescan once when told of new work.
          if (this.dirty && cursor > 0) {
            this.dirty = false;
            cursor = 0;
            continue;
          }
          if (suspect) {
            // Nothing after it to tell a bad document from a broken host: stop and say which document.
            this.fail(`document ${suspect.id} could not be compressed: ${suspect.message}`);
            return;
          }
          break;
        }
        if (!batch.length) {
          cursor = fetched[fetched.length - 1]!.id;
          continue;
        }
        const t0 = performance.now();
        let vectors: Float32Array[];
        try {
          vectors = await c.compress(
            batch.map((d) => (d.text.length > this.maxChars ? d.text.slice(0, this.maxChars) : d.text)),
            ac.signal,
          );
          // A NaN compression would make the profile's mean NaN and every restyle fail: it counts as a failed compression.
          const bad = vectors.findIndex((v) => firstNonFinite(v) >= 0);
          if (bad >= 0) throw new Error(`the model returned NaN or infinite values for document ${batch[bad]!.id}`);
        } catch (err) {
          if (ac.signal.aborted || this.compressor !== c) return;
          failures++;
          if (failures < this.maxFailures) continue;
          failures = 0;
          const message = (err as { message?: string }).message ?? String(err);
          if (batch.length > 1) {
            singleUntil = batch[batch.length - 1]!.id;
            continue;
          }
          if (suspect) {
            // Two documents in a row fail on their own: the host is broken, not the documents.
            this.fail(`compression stopped after repeated failures: ${message}`);
            return;
          }
          suspect = { id: batch[0]!.id, message };
          cursor = batch[0]!.id;
          singleUntil = Math.max(singleUntil, cursor + 1);
          continue;
        }
        if (ac.signal.aborted || this.compressor !== c) return;
        failures = 0;
        if (suspect) {
          this.skipped.set(suspect.id, suspect.message);
          suspect = null;
        }
        // Only now, with the vectors in hand, do the documents start counting in the means.
        const items = batch.map((d, i) => ({ documentId: d.id, data: vectors[i]! }));
        if ((await this.whileBusy(() => addCompressions(this.db, c.packId, c.k, c.dim, items), ac.signal)) === null || this.compressor !== c) return;
        cursor = batch[batch.length - 1]!.id;
        this.throughput.add(batch.length, Math.max((performance.now() - t0) / 1000, 1e-6));
        this.rate = this.throughput.rate();
        this.publish();
      }
    } catch (err) {
      // A store failure (disk full) stops the queue; the batch's transaction rolled back whole.
      this.error = { code: (err as { code?: string }).code === 'SQLITE_FULL' ? 'DISK_FULL' : 'INTERNAL', message: (err as Error).message };
      this.state = 'error';
      return;
    } finally {
      this.waiting = undefined;
      if (this.ac === ac) this.ac = null;
      if (this.state === 'running') this.state = this.paused ? 'paused' : 'idle';
      this.publish();
    }
  }

  /**
   * Runs a store call, waiting for as long as it takes while another process holds
   * the write lock (the vectors in hand are kept, not recomputed). Null when the
   * queue was stopped while waiting.
   */
  private async whileBusy<T>(fn: () => T, signal: AbortSignal): Promise<T | null> {
    try {
      const r = await retryWhileBusy(fn, {
        retries: Infinity,
        signal,
        onWait: () => {
          const msg = busyMessage(this.db);
          if (msg !== this.waiting) {
            this.waiting = msg;
            this.publish();
          }
        },
      });
      if (this.waiting) {
        this.waiting = undefined;
        this.publish();
      }
      return r;
    } catch (err) {
      if (signal.aborted) return null;
      throw err;
    }
  }

  private fail(message: string): void {
    this.error = { code: 'INFERENCE_FAILED', message };
    this.state = 'error';
  }
}
