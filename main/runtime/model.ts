// The ComMer runtime: compress documents into k soft tokens, generate from a
// merged prefix, and the prompt-concat baseline, all on one backbone graph
// switched by lora_scale (models/PACK_FORMAT.md).
//
// The decode loop is written to stay close to a bare onnxruntime loop (the
// benchmark measures the ratio): every per-step buffer is allocated once, the
// KV cache tensors returned by one step are fed straight into the next, only the
// last position's logits are read, and detokenization looks at a short window.

import { StopStringMatcher, type FinishReason } from '../core/stopping.js';
import { TokenSampler, type SamplingOptions } from '../core/sampling.js';
import { createRng } from '../core/rng.js';
import { concatPromptText, documentIds, fillTemplate, type SequenceSpec } from '../core/templates.js';
import type { PackManifest, PackQuantization, PackSource, TaskName } from '../core/pack-manifest.js';
import { AbortError, PackError, RuntimeInputError } from './errors.js';
import type { EmbeddingTable } from './embedding-table.js';
import { checkGraph, readPack, type LoadedPack } from './pack-loader.js';
import { createSession, floatTensor, int64Tensor, type Feeds, type OrtTensor, type ProviderChoice, type ProviderName, type SessionPort } from './ort-session.js';
import type { StreamDecoder, TextTokenizer } from './tokenizer.js';

export interface LoadModelOptions {
  /** 'auto' (default) tries the best accelerator available and falls back to CPU. */
  executionProvider?: ProviderChoice;
  /** onnxruntime intra-op threads; 0 or absent: a default for this machine. */
  threads?: number;
  /** Longest run of positions prefilled in one graph call (default 512); bounds peak memory on long prompts. */
  prefillChunk?: number;
}

export interface ModelInfo {
  packId: string;
  name: string;
  k: number;
  dim: number;
  vocabSize: number;
  maxPositions: number;
  /** The execution provider in use, and why better ones were skipped. */
  provider: ProviderName;
  providerAttempts: { provider: ProviderName; error: string }[];
  threads: number;
  hasSoftPrompt: boolean;
  /** The pack's reference means by document kind (style strength's "generic" end), or null when it has none. */
  reference: LoadedPack['reference'];
  /** The pack's format_version (2: quantized weights, embeddings as q8_0). */
  formatVersion: number;
  /** How the embedding table is stored: 'float32' (format 1) or 'q8_0' (format 2). */
  embeddings: 'float32' | 'q8_0';
  /** Where the frozen weights came from (manifest backbone.source), or null. */
  source: PackSource | null;
  /** How the weights were quantized (manifest backbone.quantization), or null. */
  quantization: PackQuantization | null;
  manifest: PackManifest;
}

/** What to generate: a task of the pack, or a custom prompt template with `{input}`. */
export type GenerateTask = TaskName | { prompt: string };

export interface GenerateOptions extends SamplingOptions {
  /** Default: the pack's limits.max_new_tokens. */
  maxNewTokens?: number;
  /** Stop tokens are suppressed until this many tokens exist (default 0; benchmarks use it for fixed lengths). */
  minNewTokens?: number;
  /** Seed for sampling (ignored by greedy decoding). Default: random. */
  seed?: number;
  /** Strings that end a candidate; they are not part of its text. */
  stop?: string[];
  /** Number of candidates, decoded together as one batch (default 1). */
  n?: number;
  signal?: AbortSignal;
  /** Called once after prefill with the number of positions prefilled (prefix included). */
  onPrefill?: (info: { positions: number; prefix: number }) => void;
}

export interface GenerateRequest extends GenerateOptions {
  /** The merged compression (k*dim floats) or null for no personalization. */
  merged: Float32Array | null;
  task: GenerateTask;
  input: string;
}

export interface ConcatRequest extends GenerateOptions {
  /** Documents placed in the prompt (the prompt-concat baseline). */
  docs: string[];
  task: GenerateTask;
  input: string;
  /**
   * Keep only the first this many tokens of the documents (the budget-matched
   * baseline gives them as many positions as ComMer's k). Default: all of them,
   * cut from the left only where the sequence would pass max_positions.
   */
  docTokens?: number;
}

/** A target to score after the sequence generate() would prefill. */
export interface ScoreRequest {
  merged: Float32Array | null;
  task: GenerateTask;
  input: string;
  target: string;
}

/** A target to score after the sequence generateConcat() would prefill. */
export interface ConcatScoreRequest {
  docs: string[];
  task: GenerateTask;
  input: string;
  target: string;
  docTokens?: number;
}

/**
 * Negative log-likelihood of enc(target) + [eos] (the target's whitespace collapsed,
 * as in training), summed over its `tokens`; `prefixPositions`: the generator
 * positions the documents take (k for a merge, the document tokens for concat).
 */
export interface TargetScore {
  nll: number;
  tokens: number;
  prefixPositions: number;
}

/**
 * One generated token of one candidate. `text` is the printable delta (may be
 * empty while a multi-byte character is incomplete). The last event of each
 * candidate has `done: true` and a `finishReason`; its tokenId is the stop token
 * (eos), the last token (length, stop) or -1 (aborted before any token).
 */
export interface TokenEvent {
  candidate: number;
  tokenId: number;
  text: string;
  done?: boolean;
  finishReason?: FinishReason;
}

export interface CompressOptions {
  /** Documents per graph call (default 16). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Progress after each batch: documents done so far. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * A loaded model pack. Methods may be called one at a time per instance (a
 * session is not re-entrant here); the inference host serialises requests.
 */
export interface CommerModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  /** Compress documents; result i is the [k, dim] compression of texts[i], row-major. */
  compress(texts: string[], options?: CompressOptions): Promise<Float32Array[]>;
  /** Generate from a merged compression (or none) for a task and a draft. */
  generate(request: GenerateRequest): AsyncIterable<TokenEvent>;
  /** The prompt-concat baseline: documents in the prompt, soft prompt first if the pack has one. */
  generateConcat(request: ConcatRequest): AsyncIterable<TokenEvent>;
  /** Plain continuation of `[bos] + enc(text)`, no prefix (checks a converted base model). */
  continueText(text: string, options?: GenerateOptions): AsyncIterable<TokenEvent>;
  /** NLL of a target after the personalized (or plain, merged = null) sequence: evaluation's perplexity. */
  score(request: ScoreRequest): Promise<TargetScore>;
  /** NLL of a target after the prompt-concat baseline's sequence. */
  scoreConcat(request: ConcatScoreRequest): Promise<TargetScore>;
  /** Logits and final hidden state of the last position of `ids` (no BOS added) at the given lora_scale. */
  forwardLast(ids: number[], loraScale: 0 | 1): Promise<{ logits: Float32Array; hidden: Float32Array }>;
  dispose(): Promise<void>;
}

/**
 * Load and validate a pack, create its session on the best execution provider,
 * and check the graph against the manifest. Throws PackError for any problem
 * with the pack.
 */
export async function loadModel(packDir: string, options: LoadModelOptions = {}): Promise<CommerModel> {
  const chunk = options.prefillChunk ?? 512;
  if (!Number.isInteger(chunk) || chunk < 1) throw new RuntimeInputError(`prefillChunk must be a positive integer, got ${chunk}`);
  const pack = await readPack(packDir);
  let created: Awaited<ReturnType<typeof createSession>>;
  try {
    created = await createSession(pack.backbonePath, {
      executionProvider: options.executionProvider ?? 'auto',
      threads: options.threads,
      modelBytes: pack.graphBytes,
    });
  } catch (e) {
    throw new PackError('bad_graph', `backbone.onnx cannot be loaded by onnxruntime: ${e instanceof Error ? e.message : String(e)}`, 'backbone.onnx');
  }
  try {
    checkGraph(created.session, pack.manifest);
  } catch (e) {
    await created.session.dispose();
    throw e;
  }
  return new Model(pack, created.session, created.attempts, chunk);
}

const EMPTY = new Float32Array(0);

/** A sequence to prefill: `prefixLen` rows of `prefix` (merge or soft prompt), then token ids. */
interface PrefillSequence {
  prefix: Float32Array | null;
  prefixLen: number;
  ids: number[];
  /** Positions the documents occupy (reported by evaluation). */
  docPositions: number;
}

class Model implements CommerModel {
  readonly info: ModelInfo;
  readonly tokenizer: TextTokenizer;
  private readonly m: PackManifest;
  private readonly dim: number;
  private readonly k: number;
  private readonly vocab: number;
  private readonly layers: number;
  private readonly kvHeads: number;
  private readonly headDim: number;
  private readonly stopIds: Set<number>;
  private readonly spec: SequenceSpec;
  private readonly pastNames: string[];
  private readonly presentNames: string[];
  private readonly decodeOutputs: string[];
  private readonly table: EmbeddingTable;
  /** embed(pad_id), the left padding of batched compression. */
  private readonly padRow: Float32Array;
  private readonly scale0 = floatTensor(new Float32Array([0]), []);
  private readonly scale1 = floatTensor(new Float32Array([1]), []);
  /**
   * `num_logits` feeds for graphs that have the input (models/PACK_FORMAT.md): no
   * logits when compressing, the last position's when prefilling or decoding. A pack
   * exported before the input existed computes logits for every position.
   */
  private readonly logits0: Feeds;
  private readonly logits1: Feeds;
  private disposed = false;
  private busy = false;
  private released: Promise<void> = Promise.resolve();
  private releaseWhenIdle: (() => void) | null = null;

  constructor(
    private readonly pack: LoadedPack,
    private readonly session: SessionPort,
    attempts: { provider: ProviderName; error: string }[],
    private readonly prefillChunk: number,
  ) {
    const m = pack.manifest;
    this.m = m;
    this.tokenizer = pack.tokenizer;
    this.dim = m.backbone.dim;
    this.k = m.compression.k;
    this.vocab = m.backbone.vocab_size;
    this.layers = m.backbone.n_layers;
    this.kvHeads = m.backbone.n_kv_heads;
    this.headDim = m.backbone.head_dim;
    this.table = pack.embeddings;
    this.padRow = new Float32Array(this.dim);
    this.table.copyRow(m.tokens.pad_id, this.padRow, 0);
    this.stopIds = new Set([m.tokens.eos_id, ...m.tokens.stop_ids]);
    this.spec = { bosId: m.tokens.bos_id, maxDocTokens: m.limits.max_doc_tokens, maxPromptTokens: m.limits.max_prompt_tokens };
    this.pastNames = [];
    this.presentNames = [];
    for (let i = 0; i < this.layers; i++) {
      for (const kv of ['key', 'value']) {
        this.pastNames.push(`past_key_values.${i}.${kv}`);
        this.presentNames.push(`present.${i}.${kv}`);
      }
    }
    this.decodeOutputs = ['logits', ...this.presentNames];
    const hasNumLogits = session.inputNames.includes('num_logits');
    this.logits0 = hasNumLogits ? { num_logits: int64Tensor(new BigInt64Array([0n]), []) } : {};
    this.logits1 = hasNumLogits ? { num_logits: int64Tensor(new BigInt64Array([1n]), []) } : {};
    this.info = {
      packId: m.id,
      name: m.name,
      k: this.k,
      dim: this.dim,
      vocabSize: this.vocab,
      maxPositions: m.backbone.max_positions,
      provider: session.provider,
      providerAttempts: attempts,
      threads: session.threads,
      hasSoftPrompt: pack.softPrompt !== null,
      reference: pack.reference,
      formatVersion: m.format_version,
      embeddings: pack.embeddings.dtype,
      source: m.backbone.source ?? null,
      quantization: m.backbone.quantization ?? null,
      manifest: m,
    };
  }

  // ------------------------------------------------------------------ helpers

  private checkOpen(): void {
    if (this.disposed) throw new RuntimeInputError('the model has been disposed');
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.checkOpen();
    if (this.busy) throw new RuntimeInputError('the model is busy with another call; calls must not overlap');
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.idle();
    }
  }

  private idle(): void {
    this.busy = false;
    this.releaseWhenIdle?.();
    this.releaseWhenIdle = null;
  }

  /** Write embed(ids) into out starting at row `row`. */
  private embedInto(ids: ArrayLike<number>, out: Float32Array, row: number): void {
    const d = this.dim;
    const table = this.table;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < this.vocab)) throw new RuntimeInputError(`token id ${id} is outside the vocabulary (${this.vocab})`);
      table.copyRow(id, out, (row + i) * d);
    }
  }

  private emptyPast(batch: number): Feeds {
    const feeds: Feeds = {};
    const t = floatTensor(EMPTY, [batch, this.kvHeads, 0, this.headDim]);
    for (const name of this.pastNames) feeds[name] = t;
    return feeds;
  }

  private promptTemplate(task: GenerateTask): string {
    if (typeof task === 'string') {
      const t = this.m.templates.tasks[task];
      if (!t) throw new RuntimeInputError(`this pack has no "${task}" task`);
      return t.prompt;
    }
    if (!task || typeof task.prompt !== 'string' || task.prompt.length === 0) {
      throw new RuntimeInputError('a custom task needs a non-empty prompt');
    }
    return task.prompt;
  }

  private checkText(input: unknown, what: string): string {
    if (typeof input !== 'string') throw new RuntimeInputError(`${what} must be a string`);
    return input;
  }

  // ------------------------------------------------------------------ compress

  compress(texts: string[], options: CompressOptions = {}): Promise<Float32Array[]> {
    return this.exclusive(() => this.compressImpl(texts, options));
  }

  private async compressImpl(texts: string[], options: CompressOptions): Promise<Float32Array[]> {
    if (!Array.isArray(texts)) throw new RuntimeInputError('compress expects an array of strings');
    const batchSize = options.batchSize ?? 16;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RuntimeInputError(`batchSize must be a positive integer, got ${batchSize}`);
    const encode = (t: string): number[] => this.tokenizer.encodeFirst(t, this.spec.maxDocTokens);
    const seqs = texts.map((t, i) => documentIds(encode, this.m.templates.document, this.checkText(t, `texts[${i}]`), this.spec));
    // Sorting by length keeps documents of similar length together: less padding.
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length);
    const out: Float32Array[] = new Array(texts.length);
    const { dim, k } = this;
    let done = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      if (options.signal?.aborted) throw new AbortError('compression was cancelled');
      if (this.disposed) throw new AbortError('the model was disposed during compression');
      const idx = order.slice(start, start + batchSize);
      const B = idx.length;
      const L = Math.max(...idx.map((i) => seqs[i]!.length));
      const T = L + k;
      const embeds = new Float32Array(B * T * dim);
      const mask = new BigInt64Array(B * T);
      const pos = new BigInt64Array(B * T);
      const padRow = this.padRow;
      for (let b = 0; b < B; b++) {
        const ids = seqs[idx[b]!]!;
        const pad = L - ids.length;
        const row0 = b * T;
        // Left padding keeps E at the last k positions of every row.
        for (let p = 0; p < pad; p++) embeds.set(padRow, (row0 + p) * dim);
        this.embedInto(ids, embeds, row0 + pad);
        embeds.set(this.pack.compression, (row0 + L) * dim);
        for (let t = pad; t < T; t++) {
          mask[row0 + t] = 1n;
          pos[row0 + t] = BigInt(t - pad);
        }
      }
      const feeds: Feeds = {
        inputs_embeds: floatTensor(embeds, [B, T, dim]),
        attention_mask: int64Tensor(mask, [B, T]),
        position_ids: int64Tensor(pos, [B, T]),
        lora_scale: this.scale1,
        ...this.logits0,
        ...this.emptyPast(B),
      };
      const r = await this.session.run(feeds, ['last_hidden_state'], options.signal);
      const hidden = r.last_hidden_state!.data as Float32Array;
      for (let b = 0; b < B; b++) {
        const from = (b * T + L) * dim;
        out[idx[b]!] = hidden.slice(from, from + k * dim);
      }
      done += B;
      options.onProgress?.(done, texts.length);
    }
    return out;
  }

  // ------------------------------------------------------------------ generate

  generate(request: GenerateRequest): AsyncIterable<TokenEvent> {
    const seq = this.personalSequence(request);
    return this.run(seq.prefix, seq.prefixLen, seq.ids, request);
  }

  generateConcat(request: ConcatRequest): AsyncIterable<TokenEvent> {
    const seq = this.concatSequence(request, this.resolveMaxNew(request.maxNewTokens));
    return this.run(seq.prefix, seq.prefixLen, seq.ids, request);
  }

  /** merged(k) ++ [bos] + enc(prompt), or [bos] + enc(prompt) without a merge (models/PACK_FORMAT.md). */
  private personalSequence(request: { merged: Float32Array | null; task: GenerateTask; input: string }): PrefillSequence {
    const template = this.promptTemplate(request.task);
    const input = this.checkText(request.input, 'input');
    const merged = request.merged;
    if (merged !== null) {
      if (!(merged instanceof Float32Array) || merged.length !== this.k * this.dim) {
        throw new RuntimeInputError(`merged must be a Float32Array of k*dim = ${this.k * this.dim} values (got ${merged instanceof Float32Array ? merged.length : typeof merged})`);
      }
      for (let i = 0; i < merged.length; i++) {
        if (!Number.isFinite(merged[i]!)) throw new RuntimeInputError(`merged has a non-finite value at ${i}`);
      }
    }
    const ids = [this.spec.bosId, ...this.tokenizer.encodeLast(fillTemplate(template, { input }), this.spec.maxPromptTokens)];
    return { prefix: merged, prefixLen: merged ? this.k : 0, ids, docPositions: merged ? this.k : 0 };
  }

  /** soft_prompt ++ [bos] + enc(documents + prompt), kept within max_positions with `room` left for new tokens. */
  private concatSequence(request: { docs: string[]; task: GenerateTask; input: string; docTokens?: number }, room: number): PrefillSequence {
    const template = this.promptTemplate(request.task);
    const input = this.checkText(request.input, 'input');
    if (!Array.isArray(request.docs)) throw new RuntimeInputError('docs must be an array of strings');
    request.docs.forEach((d, i) => this.checkText(d, `docs[${i}]`));
    const soft = this.pack.softPrompt;
    const s = soft ? soft.length / this.dim : 0;
    // The concat prompt grows with the documents; it keeps its end (task cue and
    // the latest documents) within the positions the backbone supports.
    const budget = this.m.backbone.max_positions - s - room - 1;
    const promptOnly = this.tokenizer.encode(fillTemplate(template, { input }));
    let ids: number[];
    if (request.docTokens !== undefined) {
      const n = request.docTokens;
      if (!Number.isInteger(n) || n < 0) throw new RuntimeInputError(`docTokens must be a non-negative integer, got ${n}`);
      const docIds = request.docs.length ? this.tokenizer.encodeFirst(concatPromptText(this.m.templates.concat_document, request.docs, '', ''), n) : [];
      ids = [...docIds, ...promptOnly].slice(-budget);
    } else {
      ids = this.tokenizer.encodeLast(concatPromptText(this.m.templates.concat_document, request.docs, template, input), budget);
    }
    return { prefix: soft, prefixLen: s, ids: [this.spec.bosId, ...ids], docPositions: Math.max(0, ids.length - promptOnly.length) };
  }

  score(request: ScoreRequest): Promise<TargetScore> {
    const seq = this.personalSequence(request);
    const target = this.targetIds(request.target);
    return this.exclusive(() => this.scoreImpl(seq, target));
  }

  scoreConcat(request: ConcatScoreRequest): Promise<TargetScore> {
    const target = this.targetIds(request.target);
    const seq = this.concatSequence(request, target.length);
    return this.exclusive(() => this.scoreImpl(seq, target));
  }

  /** enc(target) + [eos], whitespace runs collapsed to one space as training did. */
  private targetIds(target: unknown): number[] {
    const t = this.checkText(target, 'target').split(/\s+/).filter(Boolean).join(' ');
    return [...this.tokenizer.encode(t), this.m.tokens.eos_id];
  }

  /**
   * One forward pass of prefix ++ ids ++ target (without its final eos): the logits of
   * the last target.length positions predict target[0..]. Long sequences run in chunks
   * through the KV cache, the last chunk holding every scored position.
   */
  private async scoreImpl(seq: PrefillSequence, target: number[]): Promise<TargetScore> {
    const { dim, vocab } = this;
    const fed = [...seq.ids, ...target.slice(0, -1)];
    const T = seq.prefixLen + fed.length;
    if (T > this.m.backbone.max_positions) throw new RuntimeInputError(`the scored sequence needs ${T} positions; the model supports ${this.m.backbone.max_positions}`);
    const embeds = new Float32Array(T * dim);
    if (seq.prefix && seq.prefixLen > 0) embeds.set(seq.prefix.subarray(0, seq.prefixLen * dim), 0);
    this.embedInto(fed, embeds, seq.prefixLen);
    const ones = new BigInt64Array(T).fill(1n);
    const pos = BigInt64Array.from({ length: T }, (_, i) => BigInt(i));
    const scored = target.length;
    // Chunk starts: every prefillChunk positions, the last chunk covering at least the scored positions.
    const lastStart = Math.max(0, Math.min(T - scored, T - this.prefillChunk));
    const starts: number[] = [];
    for (let s0 = 0; s0 < lastStart; s0 += this.prefillChunk) starts.push(s0);
    starts.push(lastStart);
    const hasNumLogits = 'num_logits' in this.logits1;
    let past: Feeds = this.emptyPast(1);
    let out: Record<string, OrtTensor> = {};
    for (let i = 0; i < starts.length; i++) {
      const s0 = starts[i]!;
      const last = i === starts.length - 1;
      const e = last ? T : Math.min(starts[i + 1]!, s0 + this.prefillChunk);
      out = await this.session.run(
        {
          inputs_embeds: floatTensor(embeds.subarray(s0 * dim, e * dim), [1, e - s0, dim]),
          attention_mask: int64Tensor(ones.subarray(0, e), [1, e]),
          position_ids: int64Tensor(pos.subarray(s0, e), [1, e - s0]),
          lora_scale: this.scale0,
          ...(hasNumLogits ? { num_logits: int64Tensor(new BigInt64Array([BigInt(last ? scored : 0)]), []) } : {}),
          ...past,
        },
        last ? ['logits'] : this.presentNames,
      );
      past = {};
      for (let j = 0; j < this.presentNames.length; j++) past[this.pastNames[j]!] = out[this.presentNames[j]!]!;
    }
    const logits = out.logits!.data as Float32Array;
    const rows = logits.length / vocab;
    let nll = 0;
    for (let j = 0; j < scored; j++) {
      const at = (rows - scored + j) * vocab;
      let max = -Infinity;
      for (let v = 0; v < vocab; v++) if (logits[at + v]! > max) max = logits[at + v]!;
      let sum = 0;
      for (let v = 0; v < vocab; v++) sum += Math.exp(logits[at + v]! - max);
      nll += max + Math.log(sum) - logits[at + target[j]!]!;
    }
    return { nll, tokens: scored, prefixPositions: seq.docPositions };
  }

  continueText(text: string, options: GenerateOptions = {}): AsyncIterable<TokenEvent> {
    const ids = [this.spec.bosId, ...this.tokenizer.encode(this.checkText(text, 'text'))];
    return this.run(null, 0, ids, options);
  }

  forwardLast(ids: number[], loraScale: 0 | 1): Promise<{ logits: Float32Array; hidden: Float32Array }> {
    return this.exclusive(async () => {
      const T = ids.length;
      if (T === 0) throw new RuntimeInputError('ids must not be empty');
      const embeds = new Float32Array(T * this.dim);
      this.embedInto(ids, embeds, 0);
      const r = await this.session.run(
        {
          inputs_embeds: floatTensor(embeds, [1, T, this.dim]),
          attention_mask: int64Tensor(new BigInt64Array(T).fill(1n), [1, T]),
          position_ids: int64Tensor(
            BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
            [1, T],
          ),
          lora_scale: loraScale === 1 ? this.scale1 : this.scale0,
          ...this.logits1,
          ...this.emptyPast(1),
        },
        ['logits', 'last_hidden_state'],
      );
      const logits = r.logits!.data as Float32Array;
      const hidden = r.last_hidden_state!.data as Float32Array;
      // The last position's logits are the last row whether the graph gave one row or all.
      return { logits: logits.slice(logits.length - this.vocab), hidden: hidden.slice((T - 1) * this.dim, T * this.dim) };
    });
  }

  private resolveMaxNew(v: number | undefined): number {
    const n = v ?? this.m.limits.max_new_tokens;
    if (!Number.isInteger(n) || n < 1) throw new RuntimeInputError(`maxNewTokens must be a positive integer, got ${n}`);
    return n;
  }

  /**
   * Validate options eagerly (so bad input fails at the call, not mid-stream) and
   * return the stream. The stream holds the model until it ends or is dropped.
   */
  private run(prefix: Float32Array | null, prefixLen: number, ids: number[], o: GenerateOptions): AsyncIterable<TokenEvent> {
    this.checkOpen();
    const n = o.n ?? 1;
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new RuntimeInputError(`n must be an integer from 1 to 16, got ${n}`);
    const maxNewAsked = this.resolveMaxNew(o.maxNewTokens);
    const minNew = o.minNewTokens ?? 0;
    if (!Number.isInteger(minNew) || minNew < 0) throw new RuntimeInputError(`minNewTokens must be a non-negative integer, got ${minNew}`);
    const seed = o.seed ?? Math.floor(Math.random() * 2 ** 32);
    const samplers: TokenSampler[] = [];
    try {
      const rng = createRng(seed);
      for (let c = 0; c < n; c++) samplers.push(new TokenSampler(this.vocab, o, rng));
    } catch (e) {
      throw new RuntimeInputError(e instanceof Error ? e.message : String(e));
    }
    if (o.stop !== undefined && (!Array.isArray(o.stop) || o.stop.some((s) => typeof s !== 'string'))) {
      throw new RuntimeInputError('stop must be an array of strings');
    }
    const prefillLen = prefixLen + ids.length;
    const room = this.m.backbone.max_positions - prefillLen;
    if (room < 1) throw new RuntimeInputError(`the prompt needs ${prefillLen} positions; the model supports ${this.m.backbone.max_positions}`);
    const maxNew = Math.min(maxNewAsked, room);
    return {
      [Symbol.asyncIterator]: () => this.decodeLoop(prefix, prefixLen, ids, n, maxNew, minNew, samplers, o),
    };
  }

  private async *decodeLoop(
    prefix: Float32Array | null,
    prefixLen: number,
    ids: number[],
    n: number,
    maxNew: number,
    minNew: number,
    samplers: TokenSampler[],
    o: GenerateOptions,
  ): AsyncGenerator<TokenEvent> {
    this.checkOpen();
    if (this.busy) throw new RuntimeInputError('the model is busy with another call; calls must not overlap');
    this.busy = true;
    const { dim, vocab } = this;
    const signal = o.signal;
    const finished = new Uint8Array(n);
    let live = n;
    try {
      // ---- prefill, batch 1
      const T = prefixLen + ids.length;
      const embeds = new Float32Array(T * dim);
      if (prefix && prefixLen > 0) embeds.set(prefix.subarray(0, prefixLen * dim), 0);
      this.embedInto(ids, embeds, prefixLen);
      const maxTotal = T + maxNew;
      // All ones: every position of every row is real, so one buffer serves every step.
      const ones = new BigInt64Array(n * maxTotal).fill(1n);
      const prefillPos = new BigInt64Array(T);
      for (let t = 0; t < T; t++) prefillPos[t] = BigInt(t);
      // Long prompts (the prompt-concat baseline) are prefilled in chunks through
      // the KV cache: the same result, but attention scores and logits are
      // [chunk, total] instead of [total, total], which bounds peak memory.
      const chunk = this.prefillChunk;
      let out: Record<string, OrtTensor> = {};
      let lastChunkLen = 0;
      try {
        let past: Feeds = this.emptyPast(1);
        for (let s = 0; s < T; s += chunk) {
          const e = Math.min(T, s + chunk);
          out = await this.session.run(
            {
              inputs_embeds: floatTensor(embeds.subarray(s * dim, e * dim), [1, e - s, dim]),
              attention_mask: int64Tensor(ones.subarray(0, e), [1, e]),
              position_ids: int64Tensor(prefillPos.subarray(s, e), [1, e - s]),
              lora_scale: this.scale0,
              ...this.logits1,
              ...past,
            },
            e === T ? this.decodeOutputs : this.presentNames,
            signal,
          );
          lastChunkLen = e - s;
          past = {};
          for (let j = 0; j < this.presentNames.length; j++) past[this.pastNames[j]!] = out[this.presentNames[j]!]!;
        }
      } catch (e) {
        if (e instanceof AbortError) {
          for (let c = 0; c < n; c++) yield { candidate: c, tokenId: -1, text: '', done: true, finishReason: 'aborted' };
          return;
        }
        throw e;
      }
      o.onPrefill?.({ positions: T, prefix: prefixLen });

      // ---- per-candidate state
      const history: Int32Array[] = [];
      const decoders: StreamDecoder[] = [];
      const matchers: StopStringMatcher[] = [];
      for (let c = 0; c < n; c++) {
        const h = new Int32Array(ids.length + maxNew);
        h.set(ids);
        history.push(h);
        decoders.push(this.tokenizer.createStreamDecoder());
        matchers.push(new StopStringMatcher(o.stop ?? []));
      }
      let histLen = ids.length;

      // The batch holds live candidates only: rows[r] is the candidate in row r.
      // It starts as the single prefill row that every candidate shares (read with
      // stride 0), is repeated to the live candidates after the first pick, and
      // drops a candidate's row once it finishes, so early finishers cost nothing.
      let rows: number[] = [];
      for (let c = 0; c < n; c++) rows.push(c);
      let cacheRows = 1;
      let past: Feeds = {};
      for (let j = 0; j < this.presentNames.length; j++) past[this.pastNames[j]!] = out[this.presentNames[j]!]!;
      let logits = out.logits!.data as Float32Array;
      let rowStride = 0;
      // The prefill's last position: the only logits row when the graph takes num_logits.
      let lastOffset = out.logits!.dims[1] === 1 ? 0 : (lastChunkLen - 1) * vocab;

      let B = 0;
      let stepEmbeds = EMPTY;
      let stepPos = new BigInt64Array(0);
      let embedsT: OrtTensor | null = null;
      let posT: OrtTensor | null = null;
      const picked = new Int32Array(n);
      const table = this.table;
      const stopList = [...this.stopIds];

      for (let step = 0; step < maxNew; step++) {
        // Choose and report the next token of every live candidate.
        for (let r = 0; r < rows.length; r++) {
          const c = rows[r]!;
          const at = r * rowStride + lastOffset;
          if (step < minNew) for (const s of stopList) logits[at + s] = -Infinity;
          const id = samplers[c]!.pick(logits, at, history[c]!, histLen);
          picked[c] = id;
          history[c]![histLen] = id;
          let reason: FinishReason | null = null;
          let text = '';
          if (this.stopIds.has(id)) {
            reason = 'eos';
            text = matchers[c]!.push(decoders[c]!.flush()).text + matchers[c]!.flush();
          } else {
            const m = matchers[c]!.push(decoders[c]!.push(id));
            text = m.text;
            if (m.stopped) reason = 'stop';
            else if (step === maxNew - 1) {
              reason = 'length';
              text += matchers[c]!.push(decoders[c]!.flush()).text;
              if (!matchers[c]!.stopped) text += matchers[c]!.flush();
            }
          }
          if (reason) {
            finished[c] = 1;
            live--;
            yield { candidate: c, tokenId: id, text, done: true, finishReason: reason };
          } else {
            yield { candidate: c, tokenId: id, text };
          }
        }
        histLen++;
        if (live === 0 || step === maxNew - 1) break;
        if (signal?.aborted || this.disposed) break;

        // Fit the cache to the live candidates (rare: at most n times per call).
        const keep: number[] = [];
        for (let r = 0; r < rows.length; r++) if (!finished[rows[r]!]) keep.push(r);
        if (cacheRows !== keep.length || keep.length !== rows.length) {
          const source = cacheRows === 1 ? keep.map(() => 0) : keep;
          for (const name of this.pastNames) past[name] = gatherRows(past[name]!, source);
          rows = keep.map((r) => rows[r]!);
          cacheRows = rows.length;
        }
        if (B !== rows.length) {
          B = rows.length;
          stepEmbeds = new Float32Array(B * dim);
          stepPos = new BigInt64Array(B);
          embedsT = floatTensor(stepEmbeds, [B, 1, dim]);
          posT = int64Tensor(stepPos, [B, 1]);
        }

        // Feed the picked tokens back.
        for (let r = 0; r < B; r++) {
          const id = picked[rows[r]!]!;
          table.copyRow(id, stepEmbeds, r * dim);
        }
        const pastLen = T + step;
        stepPos.fill(BigInt(pastLen));
        const feeds: Feeds = past;
        feeds.inputs_embeds = embedsT!;
        feeds.attention_mask = int64Tensor(ones.subarray(0, B * (pastLen + 1)), [B, pastLen + 1]);
        feeds.position_ids = posT!;
        feeds.lora_scale = this.scale0;
        Object.assign(feeds, this.logits1);
        try {
          out = await this.session.run(feeds, this.decodeOutputs, signal);
        } catch (e) {
          if (e instanceof AbortError) break;
          throw e;
        }
        past = {};
        for (let j = 0; j < this.presentNames.length; j++) past[this.pastNames[j]!] = out[this.presentNames[j]!]!;
        logits = out.logits!.data as Float32Array;
        rowStride = vocab;
        lastOffset = 0;
      }
      // Anything still live here was cancelled.
      for (let c = 0; c < n; c++) {
        if (!finished[c]) {
          finished[c] = 1;
          yield { candidate: c, tokenId: -1, text: '', done: true, finishReason: 'aborted' };
        }
      }
    } finally {
      this.idle();
    }
  }

  /** Releases the session; a stream still running ends its candidates as 'aborted' first. */
  async dispose(): Promise<void> {
    if (this.disposed) return this.released;
    this.disposed = true;
    if (!this.busy) this.released = this.session.dispose();
    else this.released = new Promise((resolve, reject) => (this.releaseWhenIdle = () => this.session.dispose().then(resolve, reject)));
    return this.released;
  }
}

/** [b, ...rest] tensor -> [rows.length, ...rest] holding the given rows (repeats allowed). */
function gatherRows(t: OrtTensor, rows: readonly number[]): OrtTensor {
  const src = t.data as Float32Array;
  const size = src.length / t.dims[0]!;
  const dst = new Float32Array(size * rows.length);
  rows.forEach((r, i) => dst.set(src.subarray(r * size, r * size + size), i * size));
  return floatTensor(dst, [rows.length, ...t.dims.slice(1)]);
}

/**
 * Full validation of a pack without keeping it loaded: files, hashes, shapes,
 * tokenizer, and the graph's signature on a CPU session that is released again.
 * Never throws; a problem comes back as the PackError loadModel would throw.
 */
export async function validatePack(packDir: string): Promise<{ ok: true; manifest: PackManifest } | { ok: false; error: PackError }> {
  try {
    const model = await loadModel(packDir, { executionProvider: 'cpu', threads: 1 });
    const manifest = model.info.manifest;
    await model.dispose();
    return { ok: true, manifest };
  } catch (e) {
    if (e instanceof PackError) return { ok: false, error: e };
    return { ok: false, error: new PackError('io_error', `cannot validate the pack at ${packDir}: ${e instanceof Error ? e.message : String(e)}`) };
  }
}
