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

// ------------------------------------------------------------------ stopping criteria

/**
 * A token-level reason to end a candidate (transformers' StoppingCriteria, one
 * candidate at a time). `generated`: how many new tokens the candidate has,
 * this one included.
 */
export interface StoppingCriterion {
  readonly reason: 'eos' | 'length';
  isDone(tokenId: number, generated: number): boolean;
}

/** Ends on any of the stop ids (eos and the pack's other stop tokens); the stop token itself is not text. */
export class StopTokensCriterion implements StoppingCriterion {
  readonly reason = 'eos' as const;
  private readonly ids: ReadonlySet<number>;

  constructor(ids: Iterable<number>) {
    this.ids = new Set(ids);
  }

  isDone(tokenId: number, _generated?: number): boolean {
    return this.ids.has(tokenId);
  }
}

/** Ends once `maxNewTokens` tokens are generated. */
export class MaxNewTokensCriterion implements StoppingCriterion {
  readonly reason = 'length' as const;

  constructor(private readonly maxNewTokens: number) {
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new RangeError(`maxNewTokens must be a positive integer, got ${maxNewTokens}`);
  }

  isDone(_tokenId: number, generated: number): boolean {
    return generated >= this.maxNewTokens;
  }
}

/** Criteria checked in order; the first one met names the reason. */
export class StoppingCriteriaList {
  constructor(readonly criteria: readonly StoppingCriterion[]) {}

  check(tokenId: number, generated: number): 'eos' | 'length' | null {
    for (const c of this.criteria) if (c.isDone(tokenId, generated)) return c.reason;
    return null;
  }
}

/** Turns token ids into printable text one at a time (the runtime's stream decoder). */
export interface TokenTextStream {
  /** The text this id completes (may be empty while a multi-byte character is incomplete). */
  push(tokenId: number): string;
  /** Whatever is still held at the end. */
  flush(): string;
}

/** The text one token makes visible, and the finish reason if it ends the candidate. */
export interface CandidateStep {
  text: string;
  reason: FinishReason | null;
}

/**
 * What the decoder still holds when a candidate ends, without a character the end cut
 * in half: a byte-level decoder releases the first bytes of a multi-byte character
 * (an emoji split over tokens) as U+FFFD, and its last bytes will never come.
 */
function released(decoder: TokenTextStream): string {
  return decoder.flush().replace(/\uFFFD+$/u, '');
}

/**
 * The end of one candidate: each new token goes through the token criteria, the
 * candidate's text decoder and its stop strings. A stop token ('eos') adds no text
 * of its own but releases what was held back; a stop string ('stop') cuts the text
 * before it; the last allowed token ('length') releases everything held, short of
 * a stop string that the release completes (and of a character it cuts: `released`).
 */
export class CandidateStopping {
  private readonly matcher: StopStringMatcher;
  private ended = false;

  constructor(
    private readonly criteria: StoppingCriteriaList,
    private readonly decoder: TokenTextStream,
    stops: readonly string[] = [],
  ) {
    this.matcher = new StopStringMatcher(stops);
  }

  get done(): boolean {
    return this.ended;
  }

  next(tokenId: number, generated: number): CandidateStep {
    if (this.ended) throw new RangeError('this candidate has already finished');
    const token = this.criteria.check(tokenId, generated);
    const m = this.matcher;
    let step: CandidateStep;
    if (token === 'eos') {
      step = { text: m.push(released(this.decoder)).text + m.flush(), reason: 'eos' };
    } else {
      const r = m.push(this.decoder.push(tokenId));
      if (r.stopped) step = { text: r.text, reason: 'stop' };
      else if (token === 'length') {
        let text = r.text + m.push(released(this.decoder)).text;
        if (!m.stopped) text += m.flush();
        step = { text, reason: 'length' };
      } else step = { text: r.text, reason: null };
    }
    if (step.reason) this.ended = true;
    return step;
  }
}
