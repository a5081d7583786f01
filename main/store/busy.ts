// Another process on the same data folder can hold SQLite's write lock. Each
// connection waits for it up to its busy_timeout (blocking); the long-running
// writers (imports, the compression queue) then wait more without blocking, here.
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether err is SQLite saying the database is locked by another connection. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export interface BusyRetryOptions {
  /** Attempts after the first; Infinity retries until the signal aborts. */
  retries: number;
  signal?: AbortSignal;
  /** Called before each wait, with the attempt number (1 for the first retry). */
  onWait?: (attempt: number) => void;
}

/**
 * Runs a write, retrying it while the database is busy with a growing pause
 * (0.1 s up to 2 s) between attempts. The write must be a whole transaction: a
 * busy error rolls it back entirely, so running it again is safe.
 */
export async function retryWhileBusy<T>(write: () => T, opts: BusyRetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return write();
    } catch (err) {
      if (!isBusyError(err)) throw err;
      // Cancelled while waiting: say so (an AbortError), not that the folder was busy.
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
      if (attempt > opts.retries) throw err;
      opts.onWait?.(attempt);
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt - 1, 5)), undefined, { signal: opts.signal }).catch(() => undefined);
      if (opts.signal?.aborted) throw opts.signal.reason ?? err;
    }
  }
}
