// The candidates of one generate() call, decoded together as one batch: which
// candidate each batch row holds, each candidate's ids so far, which have
// finished, the KV cache fitted to the live rows, and the per-step input buffers.
//
// The batch holds live candidates only. It starts as the single prefill row every
// candidate shares (its logits read with stride 0), is repeated to the live
// candidates after the first pick, and drops a candidate's row once it finishes,
// so early finishers cost nothing. Step inputs are allocated once per batch size
// and the present tensors of one step are fed straight into the next.

import type { EmbeddingTable } from './embedding-table.js';
import { floatTensor, int64Tensor, type Feeds, type OrtTensor } from './ort-session.js';
import type { KvLayout } from './prefill.js';

export interface CandidateBatchOptions {
  /** Number of candidates (the batch's first size after the prefill row). */
  n: number;
  /** The prompt's token ids (the start of every candidate's history; the soft prefix is not in it). */
  promptIds: readonly number[];
  /** Positions the prefill filled (prefix included): where the first generated token goes. */
  prefillPositions: number;
  /** The most tokens a candidate generates. */
  maxNewTokens: number;
  vocab: number;
  dim: number;
  kv: KvLayout;
}

export class CandidateBatch {
  /** The ids of each candidate so far (`history(c)[0 .. historyLength)`): the prompt, then its picks. */
  private readonly histories: Int32Array[];
  private histLen: number;
  /** Each candidate's last pick: the next step's input. */
  private readonly picked: Int32Array;
  private readonly finished: Uint8Array;
  private liveCount: number;
  /** rows[r] is the candidate in batch row r. */
  private rows: number[];
  /** Rows of the cache in `past`: 1 (the shared prefill row) until the first fit(). */
  private cacheRows = 1;
  private past: Feeds;
  private logitsData: Float32Array;
  private rowStride = 0;
  private lastOffset: number;
  /** Cache length: the position the next fed token takes. */
  private positions: number;
  // Step inputs, allocated once per batch size.
  private B = 0;
  private stepEmbeds = new Float32Array(0);
  private stepPos = new BigInt64Array(0);
  private embedsT: OrtTensor | null = null;
  private posT: OrtTensor | null = null;
  /** All ones: every position of every row is real, so one buffer serves every step's mask. */
  private readonly ones: BigInt64Array;

  /** `prefill`: the outputs of the prefill's last call (logits and the cache); `lastChunkLength`: its positions. */
  constructor(
    private readonly o: CandidateBatchOptions,
    prefill: Record<string, OrtTensor>,
    lastChunkLength: number,
  ) {
    const { n, promptIds, maxNewTokens } = o;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`a candidate batch needs at least one candidate, got ${n}`);
    this.histories = [];
    for (let c = 0; c < n; c++) {
      const h = new Int32Array(promptIds.length + maxNewTokens);
      h.set(promptIds);
      this.histories.push(h);
    }
    this.histLen = promptIds.length;
    this.picked = new Int32Array(n);
    this.finished = new Uint8Array(n);
    this.liveCount = n;
    this.rows = Array.from({ length: n }, (_, c) => c);
    this.past = o.kv.pastFrom(prefill);
    const logits = prefill.logits;
    if (!logits) throw new RangeError('the prefill returned no logits');
    this.logitsData = logits.data as Float32Array;
    // The prefill's last position: the only logits row when the graph takes num_logits.
    this.lastOffset = logits.dims[1] === 1 ? 0 : (lastChunkLength - 1) * o.vocab;
    this.positions = o.prefillPositions;
    this.ones = new BigInt64Array(n * (o.prefillPositions + maxNewTokens)).fill(1n);
  }

  /** Rows in the batch (live candidates, or the shared row's readers before the first fit). */
  get size(): number {
    return this.rows.length;
  }

  /** Candidates not finished yet. */
  get live(): number {
    return this.liveCount;
  }

  /** Ids so far of every candidate (the same for all: they advance together). */
  get historyLength(): number {
    return this.histLen;
  }

  /** The candidate in batch row r. */
  candidate(r: number): number {
    return this.rows[r]!;
  }

  /** The current logits buffer; row r's next-token logits start at offset(r). */
  get logits(): Float32Array {
    return this.logitsData;
  }

  offset(r: number): number {
    return r * this.rowStride + this.lastOffset;
  }

  history(c: number): Int32Array {
    return this.histories[c]!;
  }

  /** Record candidate c's pick for this step (its history and the next input). */
  accept(c: number, tokenId: number): void {
    this.picked[c] = tokenId;
    this.histories[c]![this.histLen] = tokenId;
  }

  /** Every row has picked: the histories grow by one. */
  endStep(): void {
    this.histLen++;
  }

  finish(c: number): void {
    if (this.finished[c]) return;
    this.finished[c] = 1;
    this.liveCount--;
  }

  isFinished(c: number): boolean {
    return this.finished[c] === 1;
  }

  /**
   * Fit the cache to the live candidates (rare: at most n times per call): the
   * shared prefill row is repeated, finished candidates' rows are dropped.
   */
  fit(): void {
    const keep: number[] = [];
    for (let r = 0; r < this.rows.length; r++) if (!this.finished[this.rows[r]!]) keep.push(r);
    if (this.cacheRows === keep.length && keep.length === this.rows.length) return;
    const source = this.cacheRows === 1 ? keep.map(() => 0) : keep;
    for (const name of this.o.kv.pastNames) this.past[name] = gatherRows(this.past[name]!, source);
    this.rows = keep.map((r) => this.rows[r]!);
    this.cacheRows = this.rows.length;
  }

  /**
   * The next graph call's feeds: each row's pick embedded at the next position,
   * over the cache; `constant` (lora_scale, num_logits) is added. The input
   * tensors are reused while the batch size holds. Call fit() first.
   */
  stepFeeds(table: EmbeddingTable, constant: Feeds): Feeds {
    const dim = this.o.dim;
    const B = this.rows.length;
    if (this.cacheRows !== B) throw new RangeError(`the cache holds ${this.cacheRows} rows for a batch of ${B}: fit() first`);
    if (this.B !== B) {
      this.B = B;
      this.stepEmbeds = new Float32Array(B * dim);
      this.stepPos = new BigInt64Array(B);
      this.embedsT = floatTensor(this.stepEmbeds, [B, 1, dim]);
      this.posT = int64Tensor(this.stepPos, [B, 1]);
    }
    for (let r = 0; r < B; r++) table.copyRow(this.picked[this.rows[r]!]!, this.stepEmbeds, r * dim);
    const pastLen = this.positions;
    this.stepPos.fill(BigInt(pastLen));
    // The cache object is this step's own (advance() makes a new one), so it carries the inputs too.
    const feeds: Feeds = this.past;
    feeds.inputs_embeds = this.embedsT!;
    feeds.attention_mask = int64Tensor(this.ones.subarray(0, B * (pastLen + 1)), [B, pastLen + 1]);
    feeds.position_ids = this.posT!;
    Object.assign(feeds, constant);
    return feeds;
  }

  /** Take a step's outputs: the grown cache and one logits row per batch row. */
  advance(out: Record<string, OrtTensor>): void {
    this.past = this.o.kv.pastFrom(out);
    this.logitsData = out.logits!.data as Float32Array;
    this.rowStride = this.o.vocab;
    this.lastOffset = 0;
    this.positions++;
  }
}

/** [b, ...rest] tensor -> [rows.length, ...rest] holding the given rows (repeats allowed). */
export function gatherRows(t: OrtTensor, rows: readonly number[]): OrtTensor {
  const src = t.data as Float32Array;
  const size = src.length / t.dims[0]!;
  const dst = new Float32Array(size * rows.length);
  rows.forEach((r, i) => dst.set(src.subarray(r * size, r * size + size), i * size));
  return floatTensor(dst, [rows.length, ...t.dims.slice(1)]);
}
