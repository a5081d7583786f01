// The prefill step shared by generation and scoring: a sequence of embeddings run
// through the backbone in chunks, each chunk attending to the KV cache the previous
// ones left. The result is the same as one call, but attention scores and logits
// are [chunk, total] instead of [total, total], which bounds peak memory on long
// prompts (the prompt-concat baseline).

import { floatTensor, int64Tensor, type Feeds, type OrtTensor, type SessionPort } from './ort-session.js';

const EMPTY = new Float32Array(0);

/** The backbone's KV cache inputs and outputs (models/PACK_FORMAT.md): past_key_values.i.{key,value} in, present.i.{key,value} out. */
export class KvLayout {
  readonly pastNames: readonly string[];
  readonly presentNames: readonly string[];

  constructor(
    layers: number,
    private readonly kvHeads: number,
    private readonly headDim: number,
  ) {
    const past: string[] = [];
    const present: string[] = [];
    for (let i = 0; i < layers; i++) {
      for (const kv of ['key', 'value']) {
        past.push(`past_key_values.${i}.${kv}`);
        present.push(`present.${i}.${kv}`);
      }
    }
    this.pastNames = past;
    this.presentNames = present;
  }

  /** A cache of length 0 for `batch` rows: the past of a sequence's first call. */
  empty(batch: number): Feeds {
    const feeds: Feeds = {};
    const t = floatTensor(EMPTY, [batch, this.kvHeads, 0, this.headDim]);
    for (const name of this.pastNames) feeds[name] = t;
    return feeds;
  }

  /** The next call's past: this call's present tensors, fed straight back (no copy). */
  pastFrom(out: Record<string, OrtTensor>): Feeds {
    const past: Feeds = {};
    for (let j = 0; j < this.presentNames.length; j++) past[this.pastNames[j]!] = out[this.presentNames[j]!]!;
    return past;
  }
}

/** Positions [start, end) of one prefill call. */
export interface PrefillChunk {
  start: number;
  end: number;
}

/**
 * How `total` positions are split into graph calls of at most `chunk` positions.
 * Generation (no `lastHolds`): chunks from position 0, the last one the remainder.
 * Scoring (`lastHolds` = the scored positions): the last chunk is the final
 * max(chunk, lastHolds) positions, so one call returns the logits of every scored
 * position, and the chunk before it is cut short.
 */
export function prefillChunks(total: number, chunk: number, lastHolds?: number): PrefillChunk[] {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`a prefill needs at least one position, got ${total}`);
  if (!Number.isInteger(chunk) || chunk < 1) throw new RangeError(`the prefill chunk must be a positive integer, got ${chunk}`);
  const chunks: PrefillChunk[] = [];
  if (lastHolds === undefined) {
    for (let s = 0; s < total; s += chunk) chunks.push({ start: s, end: Math.min(total, s + chunk) });
    return chunks;
  }
  const lastStart = Math.max(0, Math.min(total - lastHolds, total - chunk));
  for (let s = 0; s < lastStart; s += chunk) chunks.push({ start: s, end: Math.min(lastStart, s + chunk) });
  chunks.push({ start: lastStart, end: total });
  return chunks;
}

export interface PrefillRequest {
  /** [total, dim] embeddings, row-major. */
  embeds: Float32Array;
  dim: number;
  chunks: readonly PrefillChunk[];
  /** Feeds every call gets (lora_scale). */
  constant: Feeds;
  /** num_logits feeds (empty for a graph without the input): for the chunks before the last, and for the last. */
  numLogits: { before: Feeds; last: Feeds };
  /** What the last call returns; the calls before it return the present tensors. */
  lastOutputs: readonly string[];
  signal?: AbortSignal;
}

export interface PrefillResult {
  /** The last call's outputs. */
  out: Record<string, OrtTensor>;
  /** Positions of the last call (its logits rows, for a graph that returns every position's). */
  lastChunkLength: number;
}

/** Runs the chunks in order, each on the cache the previous ones left; an AbortError from the session propagates. */
export async function prefill(session: SessionPort, kv: KvLayout, req: PrefillRequest): Promise<PrefillResult> {
  const { embeds, dim, chunks } = req;
  const total = chunks[chunks.length - 1]!.end;
  if (embeds.length < total * dim) throw new RangeError(`the prefill covers ${total} positions but has embeddings for ${Math.floor(embeds.length / dim)}`);
  // Every position is real (batch 1, no padding): one mask and one position buffer serve every chunk.
  const ones = new BigInt64Array(total).fill(1n);
  const positions = BigInt64Array.from({ length: total }, (_, i) => BigInt(i));
  let past = kv.empty(1);
  let out: Record<string, OrtTensor> = {};
  for (let i = 0; i < chunks.length; i++) {
    const { start, end } = chunks[i]!;
    const last = i === chunks.length - 1;
    out = await session.run(
      {
        inputs_embeds: floatTensor(embeds.subarray(start * dim, end * dim), [1, end - start, dim]),
        attention_mask: int64Tensor(ones.subarray(0, end), [1, end]),
        position_ids: int64Tensor(positions.subarray(start, end), [1, end - start]),
        ...req.constant,
        ...(last ? req.numLogits.last : req.numLogits.before),
        ...past,
      },
      last ? req.lastOutputs : kv.presentNames,
      req.signal,
    );
    if (!last) past = kv.pastFrom(out);
  }
  return { out, lastChunkLength: total - chunks[chunks.length - 1]!.start };
}
