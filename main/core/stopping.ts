// Stopping criteria for generation. Token-level stops (eos, stop ids, length) are
// cheap checks; stop strings need care when streaming because a stop string can
// arrive split over several tokens, so text that might be the start of one is
// held back until it is clear either way.

/** eos: a stop id; stop: a stop string; length: max tokens; aborted: the caller's signal. */
export type FinishReason = 'eos' | 'stop' | 'length' | 'aborted';

/** Streams text through, holding back any tail that could begin a stop string. */
export class StopStringMatcher {
  private pending = '';
  private done = false;
  private readonly stops: readonly string[];

  constructor(stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  get stopped(): boolean {
    return this.done;
  }

  /**
   * Feed the next piece of text. Returns the text now safe to show and whether a
   * stop string was reached (the stop string itself and anything after it are
   * never emitted).
   */
  push(delta: string): { text: string; stopped: boolean } {
    if (this.done) return { text: '', stopped: true };
    if (this.stops.length === 0) return { text: delta, stopped: false };
    const buf = this.pending + delta;
    let cut = -1;
    for (const s of this.stops) {
      const at = buf.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.done = true;
      this.pending = '';
      return { text: buf.slice(0, cut), stopped: true };
    }
    const hold = this.heldSuffix(buf);
    this.pending = buf.slice(buf.length - hold);
    return { text: buf.slice(0, buf.length - hold), stopped: false };
  }

  /** Release held-back text at the end of generation. */
  flush(): string {
    const t = this.done ? '' : this.pending;
    this.pending = '';
    return t;
  }

  private heldSuffix(buf: string): number {
    let best = 0;
    for (const s of this.stops) {
      const max = Math.min(s.length - 1, buf.length);
      for (let len = max; len > best; len--) {
        if (buf.endsWith(s.slice(0, len))) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
