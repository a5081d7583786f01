/**
 * Documents per second over the most recent work: the total documents of the
 * last batches divided by their total time, keeping at least `windowSec` seconds
 * of batches (and always the newest one). Summing before dividing weights each
 * batch by its duration, so a batch of short documents that flew through does not
 * swing the rate the way an average of per-batch rates does; the window lets the
 * rate follow a machine that got busier or quieter within about a minute.
 */
export class ThroughputWindow {
  private readonly batches: { docs: number; secs: number }[] = [];
  private docs = 0;
  private secs = 0;

  constructor(private readonly windowSec = 60) {
    if (!(windowSec > 0)) throw new RangeError(`windowSec must be > 0, got ${windowSec}`);
  }

  add(docs: number, secs: number): void {
    if (!(docs >= 0) || !(secs > 0)) return;
    this.batches.push({ docs, secs });
    this.docs += docs;
    this.secs += secs;
    while (this.batches.length > 1 && this.secs - this.batches[0]!.secs >= this.windowSec) {
      const old = this.batches.shift()!;
      this.docs -= old.docs;
      this.secs -= old.secs;
    }
  }

  /** Documents per second, 0 before any batch. */
  rate(): number {
    return this.secs > 0 ? this.docs / this.secs : 0;
  }

  reset(): void {
    this.batches.length = 0;
    this.docs = 0;
    this.secs = 0;
  }
}
