// The ComMer runtime: compress documents into k soft tokens, generate from a
// merged prefix, and the prompt-concat baseline, all on one backbone graph
// switched by lora_scale (models/PACK_FORMAT.md).
//
// Generation is split the way transformers.js splits it: options resolved once
// into a GenerationConfig (core/generation-config.ts), a prefill step
// (prefill.ts, shared with scoring), logits processors and a sampler per
// candidate (core/sampling.ts), stopping criteria (core/stopping.ts), and a
// candidate batch holding the rows, the KV cache and the step inputs
// (candidate-batch.ts). The decode loop below only sequences them.
//
// It stays close to a bare onnxruntime loop (the benchmark measures the ratio):
// every per-step buffer is allocated once, the KV cache tensors returned by one
// step are fed straight into the next, only the last position's logits are read,
// and detokenization looks at a short window.

import { CandidateStopping, MaxNewTokensCriterion, StopTokensCriterion, StoppingCriteriaList, type FinishReason } from '../core/stopping.js';
import { MinNewTokensProcessor, TokenSampler, type LogitsProcessor } from '../core/sampling.js';
import { resolveGeneration, type GenerationConfig, type GenerationOptions } from '../core/generation-config.js';
import { createRng } from '../core/rng.js';
import { concatPromptText, documentIds, fillTemplate, type SequenceSpec } from '../core/templates.js';
import type { PackManifest, PackQuantization, PackSource, TaskName } from '../core/pack-manifest.js';
import { AbortError, PackError, RuntimeInputError } from './errors.js';
import type { EmbeddingTable } from './embedding-table.js';
import { checkGraph, readPack, type LoadedPack } from './pack-loader.js';
import { createSession, floatTensor, int64Tensor, type Feeds, type OrtTensor, type ProviderChoice, type ProviderName, type SessionPort } from './ort-session.js';
import type { TextTokenizer } from './tokenizer.js';
import { KvLayout, prefill, prefillChunks, type PrefillResult } from './prefill.js';
import { CandidateBatch } from './candidate-batch.js';

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

/**
 * Generation options (core/generation-config.ts): maxNewTokens defaults to the
 * pack's limits.max_new_tokens, minNewTokens (benchmarks use it for fixed lengths)
 * to 0, the seed (ignored by greedy decoding) to a random one, n (candidates,
 * decoded together as one batch) to 1.
 */
export interface GenerateOptions extends GenerationOptions {
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
  private readonly stopIds: number[];
  private readonly spec: SequenceSpec;
  private readonly kv: KvLayout;
  private readonly decodeOutputs: string[];
  private readonly table: EmbeddingTable;
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
    this.table = pack.embeddings;
    this.stopIds = [...new Set([m.tokens.eos_id, ...m.tokens.stop_ids])];
    this.spec = { bosId: m.tokens.bos_id, maxDocTokens: m.limits.max_doc_tokens, maxPromptTokens: m.limits.max_prompt_tokens };
    this.kv = new KvLayout(m.backbone.n_layers, m.backbone.n_kv_heads, m.backbone.head_dim);
    this.decodeOutputs = ['logits', ...this.kv.presentNames];
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

  /** [positions, dim] embeddings of a sequence: its prefix rows, then embed(ids). */
  private sequenceEmbeds(seq: { prefix: Float32Array | null; prefixLen: number }, ids: number[]): Float32Array {
    const embeds = new Float32Array((seq.prefixLen + ids.length) * this.dim);
    if (seq.prefix && seq.prefixLen > 0) embeds.set(seq.prefix.subarray(0, seq.prefixLen * this.dim), 0);
    this.embedInto(ids, embeds, seq.prefixLen);
    return embeds;
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
    // A batch holds documents of one token length only, so no row is ever padded: a document's
    // compression is then the same whichever documents it is compressed with. With padding it was
    // not: in an int4 pack (MatMulNBits, int8 activations) the last-bit differences of a padded
    // row flip activation roundings and move the compression by 2-3 % (models/README.md).
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length || a - b);
    const batches: number[][] = [];
    for (const i of order) {
      const last = batches[batches.length - 1];
      if (last && last.length < batchSize && seqs[last[0]!]!.length === seqs[i]!.length) last.push(i);
      else batches.push([i]);
    }
    const out: Float32Array[] = new Array(texts.length);
    const { dim, k } = this;
    let done = 0;
    for (const idx of batches) {
      if (options.signal?.aborted) throw new AbortError('compression was cancelled');
      if (this.disposed) throw new AbortError('the model was disposed during compression');
      const B = idx.length;
      const L = seqs[idx[0]!]!.length; // every document of the batch has this many tokens
      const T = L + k;
      const embeds = new Float32Array(B * T * dim);
      const mask = new BigInt64Array(B * T).fill(1n);
      const pos = new BigInt64Array(B * T);
      for (let b = 0; b < B; b++) {
        const row0 = b * T;
        this.embedInto(seqs[idx[b]!]!, embeds, row0);
        embeds.set(this.pack.compression, (row0 + L) * dim); // E at the last k positions
        for (let t = 0; t < T; t++) pos[row0 + t] = BigInt(t);
      }
      const feeds: Feeds = {
        inputs_embeds: floatTensor(embeds, [B, T, dim]),
        attention_mask: int64Tensor(mask, [B, T]),
        position_ids: int64Tensor(pos, [B, T]),
        lora_scale: this.scale1,
        ...this.logits0,
        ...this.kv.empty(B),
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
    return this.stream(seq, this.generation(request), request);
  }

  generateConcat(request: ConcatRequest): AsyncIterable<TokenEvent> {
    const config = this.generation(request);
    const seq = this.concatSequence(request, config.maxNewTokens);
    return this.stream(seq, config, request);
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
    const vocab = this.vocab;
    const fed = [...seq.ids, ...target.slice(0, -1)];
    const T = seq.prefixLen + fed.length;
    if (T > this.m.backbone.max_positions) throw new RuntimeInputError(`the scored sequence needs ${T} positions; the model supports ${this.m.backbone.max_positions}`);
    const scored = target.length;
    const hasNumLogits = 'num_logits' in this.logits1;
    const { out } = await prefill(this.session, this.kv, {
      embeds: this.sequenceEmbeds(seq, fed),
      dim: this.dim,
      chunks: prefillChunks(T, this.prefillChunk, scored),
      constant: { lora_scale: this.scale0 },
      numLogits: { before: this.logits0, last: hasNumLogits ? { num_logits: int64Tensor(new BigInt64Array([BigInt(scored)]), []) } : {} },
      lastOutputs: ['logits'],
    });
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
    return this.stream({ prefix: null, prefixLen: 0, ids, docPositions: 0 }, this.generation(options), options);
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
          ...this.kv.empty(1),
        },
        ['logits', 'last_hidden_state'],
      );
      const logits = r.logits!.data as Float32Array;
      const hidden = r.last_hidden_state!.data as Float32Array;
      // The last position's logits are the last row whether the graph gave one row or all.
      return { logits: logits.slice(logits.length - this.vocab), hidden: hidden.slice((T - 1) * this.dim, T * this.dim) };
    });
  }

  /** The request's generation options, checked once here (with the model still open): bad input fails at the call, not mid-stream. */
  private generation(o: GenerateOptions): GenerationConfig {
    this.checkOpen();
    try {
      return resolveGeneration(o, { maxNewTokens: this.m.limits.max_new_tokens, randomSeed: () => Math.floor(Math.random() * 2 ** 32) });
    } catch (e) {
      throw new RuntimeInputError(e instanceof Error ? e.message : String(e));
    }
  }

  /** Check the sequence fits and return the stream. The stream holds the model until it ends or is dropped. */
  private stream(seq: PrefillSequence, config: GenerationConfig, o: GenerateOptions): AsyncIterable<TokenEvent> {
    const prefillLen = seq.prefixLen + seq.ids.length;
    const room = this.m.backbone.max_positions - prefillLen;
    if (room < 1) throw new RuntimeInputError(`the prompt needs ${prefillLen} positions; the model supports ${this.m.backbone.max_positions}`);
    const maxNew = Math.min(config.maxNewTokens, room);
    return {
      [Symbol.asyncIterator]: () => this.decodeLoop(seq, { ...config, maxNewTokens: maxNew }, o.signal, o.onPrefill),
    };
  }

  /** One sampler per candidate (all drawing from one seeded generator, in candidate order), banning stop ids until minNewTokens. */
  private samplers(config: GenerationConfig, promptLength: number): TokenSampler[] {
    const rng = createRng(config.seed);
    const shared: LogitsProcessor[] = config.minNewTokens > 0 ? [new MinNewTokensProcessor(this.stopIds, config.minNewTokens, promptLength)] : [];
    return Array.from({ length: config.n }, () => new TokenSampler(this.vocab, config.sampling, rng, shared));
  }

  private async *decodeLoop(seq: PrefillSequence, config: GenerationConfig, signal: AbortSignal | undefined, onPrefill: GenerateOptions['onPrefill']): AsyncGenerator<TokenEvent> {
    this.checkOpen();
    if (this.busy) throw new RuntimeInputError('the model is busy with another call; calls must not overlap');
    this.busy = true;
    const { n, maxNewTokens: maxNew } = config;
    try {
      const samplers = this.samplers(config, seq.ids.length);
      const T = seq.prefixLen + seq.ids.length;
      let first: PrefillResult;
      try {
        first = await prefill(this.session, this.kv, {
          embeds: this.sequenceEmbeds(seq, seq.ids),
          dim: this.dim,
          chunks: prefillChunks(T, this.prefillChunk),
          constant: { lora_scale: this.scale0 },
          numLogits: { before: this.logits0, last: this.logits1 },
          lastOutputs: this.decodeOutputs,
          signal,
        });
      } catch (e) {
        if (e instanceof AbortError) {
          for (let c = 0; c < n; c++) yield { candidate: c, tokenId: -1, text: '', done: true, finishReason: 'aborted' };
          return;
        }
        throw e;
      }
      onPrefill?.({ positions: T, prefix: seq.prefixLen });

      const batch = new CandidateBatch({ n, promptIds: seq.ids, prefillPositions: T, maxNewTokens: maxNew, vocab: this.vocab, dim: this.dim, kv: this.kv }, first.out, first.lastChunkLength);
      // Stop ids first: a stop token on the last allowed step still ends as 'eos'.
      const criteria = new StoppingCriteriaList([new StopTokensCriterion(this.stopIds), new MaxNewTokensCriterion(maxNew)]);
      const ends = Array.from({ length: n }, () => new CandidateStopping(criteria, this.tokenizer.createStreamDecoder(), config.stop));
      const stepConstant: Feeds = { lora_scale: this.scale0, ...this.logits1 };

      for (let step = 0; step < maxNew; step++) {
        // Choose and report the next token of every live candidate.
        const logits = batch.logits;
        const histLen = batch.historyLength;
        for (let r = 0; r < batch.size; r++) {
          const c = batch.candidate(r);
          const id = samplers[c]!.pick(logits, batch.offset(r), batch.history(c), histLen);
          batch.accept(c, id);
          const { text, reason } = ends[c]!.next(id, step + 1);
          if (reason) {
            batch.finish(c);
            yield { candidate: c, tokenId: id, text, done: true, finishReason: reason };
          } else {
            yield { candidate: c, tokenId: id, text };
          }
        }
        batch.endStep();
        if (batch.live === 0 || step === maxNew - 1) break;
        if (signal?.aborted || this.disposed) break;

        // Feed the picked tokens back, the cache fitted to the live candidates.
        batch.fit();
        let out: Record<string, OrtTensor>;
        try {
          out = await this.session.run(batch.stepFeeds(this.table, stepConstant), this.decodeOutputs, signal);
        } catch (e) {
          if (e instanceof AbortError) break;
          throw e;
        }
        batch.advance(out);
      }
      // Anything still live here was cancelled.
      for (let c = 0; c < n; c++) {
        if (!batch.isFinished(c)) {
          batch.finish(c);
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
