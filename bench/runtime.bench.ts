// npm run bench:runtime — the runtime's speed, as ratios measured in one run on
// one machine (medians of repetitions, measurements interleaved so background
// load hits both sides alike):
//   decode_ratio_vs_raw_ort  our generate() tokens/s ÷ a hand loop of raw
//                            onnxruntime-node calls on the same graph (goal >= 0.9),
//                            measured in lockstep: the two loops advance one token
//                            each, alternately, so both see the same machine load
//                            (on a shared machine load drifts by more than the effect
//                            measured). Whole-run ratios are reported beside it.
//   batched_compress_speedup docs/s of batched compress ÷ one document per call (goal >= 3)
//   ttft_speedup_n64         time to first token of prompt-concat with 64 tweets
//                            ÷ ComMer's (merge 64 stored compressions + prefill k + prompt) (goal >= 10)
//   compress_two_threads_speedup_{idle,one_core_busy}
//                            batched compression with 2 intra-op threads ÷ 1, on an idle
//                            machine and with one core kept busy (why small packs get 1)
// Writes bench/results/runtime.json. BENCH_PACK=<dir> picks another pack and
// BENCH_RESULTS=<name> another results file (default: models/packs/* if any,
// else the stories260k test pack).

// First, before onnxruntime-node (imported below for the raw loop): its native telemetry stays off.
import { privateEnv } from '../main/runtime/no-telemetry.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join, relative, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { promptIds } from '../main/core/templates.js';
import { loadModel, RunningMean, readPack, type CommerModel, type TokenEvent } from '../main/runtime/index.js';
import { machine, median, now, peakRssMb, repoRoot, round, writeResults } from './lib/stats.js';

const REPS = Number(process.env.BENCH_REPS ?? 7);
const DECODE_PAIRS = Number(process.env.BENCH_DECODE_PAIRS ?? 9);
const DECODE_TOKENS = Number(process.env.BENCH_DECODE_TOKENS ?? 128);
const N_DOCS = 64;

function choosePack(): string {
  if (process.env.BENCH_PACK) return resolve(process.env.BENCH_PACK);
  const shipped = join(repoRoot, 'models', 'packs');
  if (existsSync(shipped)) {
    for (const name of readdirSync(shipped).sort()) {
      if (existsSync(join(shipped, name, 'manifest.json'))) return join(shipped, name);
    }
  }
  return join(repoRoot, 'test', 'fixtures', 'packs', 'stories260k');
}

function loadTweets(): { docs: string[]; drafts: string[]; source: string } {
  // CI checks out shared/ beside the repository; locally it is ../shared.
  const candidates = [join(repoRoot, '..', 'shared'), join(repoRoot, 'shared')].map((d) => join(d, 'data', 'tweets', 'users40.jsonl'));
  const path = candidates.find((p) => existsSync(p));
  if (!path) throw new Error(`tweets not found; looked in ${candidates.join(', ')}`);
  const byUser = new Map<string, string[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { user, text } = JSON.parse(line) as { user: string; text: string };
    (byUser.get(user) ?? byUser.set(user, []).get(user)!).push(text);
  }
  // One person's tweets: the documents of one profile, as the app would hold them.
  const person = [...byUser.values()].find((t) => t.length >= N_DOCS + 8)!;
  return { docs: person.slice(0, N_DOCS), drafts: person.slice(N_DOCS, N_DOCS + 8), source: relative(repoRoot, path) };
}

async function firstEvent(stream: AsyncIterable<TokenEvent>): Promise<number> {
  const t0 = now();
  for await (const ev of stream) {
    void ev;
    break; // leaving the loop ends the stream and frees the model
  }
  return now() - t0;
}

// ---------------------------------------------------------------- raw ORT loop

interface RawLoop {
  /** Prefill; returns a function that does one decode step (argmax, feed back, run). */
  start(prefix: Float32Array, prefixLen: number, ids: number[]): Promise<() => Promise<number>>;
  run(prefix: Float32Array, prefixLen: number, ids: number[], tokens: number): Promise<{ decodeMs: number; tokens: number }>;
  dispose(): Promise<void>;
}

/**
 * The ceiling: the plainest correct greedy loop over the same graph with the same
 * session settings — build the inputs, run, argmax the last logits, feed the
 * present.* outputs back. Same fetched outputs as the runtime.
 */
async function rawLoop(packDir: string, provider: string, threads: number): Promise<RawLoop> {
  const pack = await readPack(packDir);
  const b = pack.manifest.backbone;
  const session = await ort.InferenceSession.create(join(packDir, 'backbone.onnx'), {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  const fetches = ['logits'];
  for (let i = 0; i < b.n_layers; i++) fetches.push(`present.${i}.key`, `present.${i}.value`);
  const V = b.vocab_size;
  const D = b.dim;
  const E = pack.embeddings;
  const eos = pack.manifest.tokens.eos_id;
  const start = async (prefix: Float32Array, prefixLen: number, ids: number[]): Promise<() => Promise<number>> => {
    const T = prefixLen + ids.length;
    const x = new Float32Array(T * D);
    x.set(prefix.subarray(0, prefixLen * D));
    ids.forEach((id, i) => E.copyRow(id, x, (prefixLen + i) * D));
    const scale = new ort.Tensor('float32', new Float32Array([0]), []);
    // Packs with num_logits: the last position's logits only, as the runtime asks.
    const one: Record<string, ort.Tensor> = session.inputNames.includes('num_logits') ? { num_logits: new ort.Tensor('int64', BigInt64Array.of(1n), []) } : {};
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: new ort.Tensor('float32', x, [1, T, D]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
        [1, T],
      ),
      lora_scale: scale,
      ...one,
    };
    for (let i = 0; i < b.n_layers; i++) {
      feeds[`past_key_values.${i}.key`] = new ort.Tensor('float32', new Float32Array(0), [1, b.n_kv_heads, 0, b.head_dim]);
      feeds[`past_key_values.${i}.value`] = new ort.Tensor('float32', new Float32Array(0), [1, b.n_kv_heads, 0, b.head_dim]);
    }
    let out = await session.run(feeds, fetches);
    let len = T;
    return async () => {
      const logits = out.logits!.data as Float32Array;
      const off = logits.length - V;
      logits[off + eos] = -Infinity; // fixed length, like minNewTokens in the runtime
      let best = 0;
      for (let j = 1; j < V; j++) if (logits[off + j]! > logits[off + best]!) best = j;
      const row = new Float32Array(D);
      E.copyRow(best, row, 0);
      const next: Record<string, ort.Tensor> = {
        inputs_embeds: new ort.Tensor('float32', row, [1, 1, D]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(len + 1).fill(1n), [1, len + 1]),
        position_ids: new ort.Tensor('int64', BigInt64Array.of(BigInt(len)), [1, 1]),
        lora_scale: scale,
        ...one,
      };
      for (let i = 0; i < b.n_layers; i++) {
        next[`past_key_values.${i}.key`] = out[`present.${i}.key`]!;
        next[`past_key_values.${i}.value`] = out[`present.${i}.value`]!;
      }
      out = await session.run(next, fetches);
      len++;
      return best;
    };
  };
  return {
    start,
    async run(prefix, prefixLen, ids, tokens) {
      const step = await start(prefix, prefixLen, ids);
      const t0 = now();
      for (let i = 1; i < tokens; i++) await step();
      return { decodeMs: now() - t0, tokens: tokens - 1 };
    },
    dispose: () => session.release(),
  };
}

/** Our generate(): time from the first token event to the last (decode phase only). */
async function oursDecode(model: CommerModel, merged: Float32Array, draft: string, tokens: number): Promise<{ decodeMs: number; tokens: number }> {
  let t0 = 0;
  let count = 0;
  let tEnd = 0;
  for await (const ev of model.generate({ merged, task: 'paraphrase', input: draft, maxNewTokens: tokens, minNewTokens: tokens })) {
    void ev;
    if (count === 0) t0 = now();
    count++;
    tEnd = now();
  }
  if (count !== tokens) throw new Error(`generated ${count} tokens, expected ${tokens}`);
  return { decodeMs: tEnd - t0, tokens: tokens - 1 };
}

// ---------------------------------------------------------------- main

const packDir = choosePack();
const { docs, drafts, source } = loadTweets();
const started = new Date().toISOString();
const before = machine();
const model = await loadModel(packDir, { executionProvider: 'auto' });
const { k, dim } = model.info;
console.log(`pack ${model.info.packId} (${relative(repoRoot, packDir)}), provider ${model.info.provider}, threads ${model.info.threads}, k=${k}, dim=${dim}`);

// Warm-up: first runs allocate arenas and JIT the JS paths.
const stored = await model.compress(docs);
for (let i = 0; i < 2; i++) await oursDecode(model, stored[0]!, drafts[0]!, 16);

// ---- compression throughput: one document per call vs batched
// Wall time gives the goal's ratio; CPU time of this process is recorded beside it
// because on a shared machine wall time also counts time spent descheduled.
const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
const oneTps: number[] = [];
const batchTps: number[] = [];
const oneCpu: number[] = [];
const batchCpu: number[] = [];
const BATCH = 16;
for (let r = 0; r < Math.max(3, Math.ceil(REPS / 2)); r++) {
  let t = now();
  let c = process.cpuUsage();
  for (const d of docs) await model.compress([d]);
  oneCpu.push(cpuMs(process.cpuUsage(c)) / docs.length);
  oneTps.push(docs.length / ((now() - t) / 1000));
  t = now();
  c = process.cpuUsage();
  await model.compress(docs, { batchSize: BATCH });
  batchCpu.push(cpuMs(process.cpuUsage(c)) / docs.length);
  batchTps.push(docs.length / ((now() - t) / 1000));
}
// The fixed cost of one graph call (an empty document: BOS + k positions) is the
// most that batching can save per document on a compute-bound CPU.
const fixedMs: number[] = [];
const fixedCpu: number[] = [];
for (let r = 0; r < 15; r++) {
  const t = now();
  const c = process.cpuUsage();
  await model.compress(['']);
  fixedCpu.push(cpuMs(process.cpuUsage(c)));
  fixedMs.push(now() - t);
}
const compressFixed = median(fixedMs);
const compressOne = median(oneTps);
const compressBatched = median(batchTps);
const lengths = docs.map((d) => model.tokenizer.encodeFirst(d, model.info.manifest.limits.max_doc_tokens).length + 1);
const docTokens = median(lengths);
// Padding the batches carry (same sort-then-slice as compress()).
const sortedLengths = [...lengths].sort((x, y) => x - y);
let padded = 0;
for (let i = 0; i < sortedLengths.length; i += BATCH) {
  const group = sortedLengths.slice(i, i + BATCH);
  padded += group.length * (Math.max(...group) + k);
}
const paddingShare = 1 - sortedLengths.reduce((x, y) => x + y + k, 0) / padded;
const cpuOneDoc = median(oneCpu);
const cpuFixed = median(fixedCpu);
console.log(
  `compress: one-at-a-time ${compressOne.toFixed(1)} docs/s, batched(${BATCH}) ${compressBatched.toFixed(1)} docs/s; CPU per doc ${cpuOneDoc.toFixed(2)} ms one-at-a-time (fixed per call ${cpuFixed.toFixed(2)} ms) vs ${median(batchCpu).toFixed(2)} ms batched (padding ${(paddingShare * 100).toFixed(0)}%); median tweet ${docTokens} tokens`,
);

// ---- decode: ours vs raw onnxruntime, same graph, same prompt, same token count
const merged = new RunningMean(k * dim);
for (const c of stored) merged.add(c);
const mergedMean = merged.mean()!;
const raw = await rawLoop(packDir, model.info.provider, model.info.threads);
const man = model.info.manifest;
const spec = { bosId: man.tokens.bos_id, maxDocTokens: man.limits.max_doc_tokens, maxPromptTokens: man.limits.max_prompt_tokens };
const draft = drafts[1]!;
const ids = promptIds((t) => model.tokenizer.encode(t), man.templates.tasks.paraphrase!.prompt, draft, spec);
const tokens = Math.min(DECODE_TOKENS, man.backbone.max_positions - k - ids.length);
await raw.run(mergedMean, k, ids, 16);
const oursTps: number[] = [];
const rawTps: number[] = [];
const pairRatios: number[] = [];
for (let r = 0; r < DECODE_PAIRS; r++) {
  // Alternate which side goes first so drift in background load cancels out.
  const a = r % 2 === 0;
  const first = a ? await oursDecode(model, mergedMean, draft, tokens) : await raw.run(mergedMean, k, ids, tokens);
  const second = a ? await raw.run(mergedMean, k, ids, tokens) : await oursDecode(model, mergedMean, draft, tokens);
  const o = a ? first : second;
  const w = a ? second : first;
  const ot = o.tokens / (o.decodeMs / 1000);
  const wt = w.tokens / (w.decodeMs / 1000);
  oursTps.push(ot);
  rawTps.push(wt);
  pairRatios.push(ot / wt);
}
// Lockstep: our stream and the raw loop advance one token each, alternately, so
// both see the same moment's machine load; each side's step time is summed.
const lockRatios: number[] = [];
for (let r = 0; r < DECODE_PAIRS; r++) {
  const it = model.generate({ merged: mergedMean, task: 'paraphrase', input: draft, maxNewTokens: tokens, minNewTokens: tokens })[Symbol.asyncIterator]();
  await it.next(); // prefill + first token, not timed
  const step = await raw.start(mergedMean, k, ids);
  let oursMs = 0;
  let rawMs = 0;
  for (let i = 1; i < tokens; i++) {
    const oursFirst = i % 2 === 0;
    for (const side of oursFirst ? ['ours', 'raw'] : ['raw', 'ours']) {
      const t = now();
      if (side === 'ours') {
        const r = await it.next();
        if (r.done) throw new Error('stream ended early');
        oursMs += now() - t;
      } else {
        await step();
        rawMs += now() - t;
      }
    }
  }
  await it.return?.(undefined);
  lockRatios.push(rawMs / oursMs);
}
await raw.dispose();
const decodeOurs = median(oursTps);
const decodeRaw = median(rawTps);
console.log(`decode: ours ${decodeOurs.toFixed(0)} tok/s, raw ORT ${decodeRaw.toFixed(0)} tok/s (${tokens} tokens); lockstep ratios ${lockRatios.map((x) => x.toFixed(3)).join(', ')}`);

// ---- time to first token with 64 documents
let concatPositions = 0;
let commerPositions = 0;
const ttftConcat: number[] = [];
const ttftCommer: number[] = [];
for (let r = 0; r < REPS; r++) {
  const d = drafts[r % drafts.length]!;
  const tc = await firstEvent(model.generateConcat({ docs, task: 'paraphrase', input: d, maxNewTokens: 32, onPrefill: (p) => (concatPositions = p.positions) }));
  // ComMer as the app runs it: the 64 compressions are stored; merging is a
  // running mean over them, then one prefill of k + prompt positions.
  const t0 = now();
  const rm = new RunningMean(k * dim);
  for (const c of stored) rm.add(c);
  const mean = rm.mean();
  const tg = await firstEvent(model.generate({ merged: mean, task: 'paraphrase', input: d, maxNewTokens: 32, onPrefill: (p) => (commerPositions = p.positions) }));
  ttftConcat.push(tc);
  void tg;
  ttftCommer.push(now() - t0);
}
// ---- three suggestions: one batched n=3 decode vs three separate generations
const sug3: number[] = [];
const sug1x3: number[] = [];
const SUG_TOKENS = 32;
const sampling = { temperature: 0.8, topP: 0.95, maxNewTokens: SUG_TOKENS, minNewTokens: SUG_TOKENS };
for (let r = 0; r < REPS; r++) {
  const d = drafts[r % drafts.length]!;
  let t = now();
  for await (const ev of model.generate({ merged: mergedMean, task: 'paraphrase', input: d, n: 3, seed: r, ...sampling })) void ev;
  sug3.push(now() - t);
  t = now();
  for (let c = 0; c < 3; c++) for await (const ev of model.generate({ merged: mergedMean, task: 'paraphrase', input: d, n: 1, seed: r * 3 + c, ...sampling })) void ev;
  sug1x3.push(now() - t);
}
console.log(`3 suggestions x ${SUG_TOKENS} tokens: batched n=3 ${median(sug3).toFixed(1)} ms, three n=1 calls ${median(sug1x3).toFixed(1)} ms`);

// ---- compression threads: is a second intra-op thread worth it for batched
// compression? Measured idle and with one core kept busy by a spinning worker
// thread (an import parses and writes SQLite beside the compression queue).
const model2 = await loadModel(packDir, { executionProvider: model.info.provider, threads: 2 });
await model2.compress(docs.slice(0, 16), { batchSize: BATCH });
const batchedMs = async (m: CommerModel): Promise<number> => {
  const t = now();
  await m.compress(docs, { batchSize: BATCH });
  return now() - t;
};
const threadMs: Record<'idle1' | 'idle2' | 'busy1' | 'busy2', number[]> = { idle1: [], idle2: [], busy1: [], busy2: [] };
for (let r = 0; r < REPS; r++) {
  threadMs.idle1.push(await batchedMs(model));
  threadMs.idle2.push(await batchedMs(model2));
}
const spinner = new Worker('for (;;) {}', { eval: true, env: privateEnv() });
await new Promise((r) => setTimeout(r, 200));
for (let r = 0; r < REPS; r++) {
  threadMs.busy1.push(await batchedMs(model));
  threadMs.busy2.push(await batchedMs(model2));
}
await spinner.terminate();
await model2.dispose();
const twoThreadsIdle = median(threadMs.idle1) / median(threadMs.idle2);
const twoThreadsBusy = median(threadMs.busy1) / median(threadMs.busy2);
console.log(
  `compress batched(${BATCH}), 2 threads vs 1: idle ${median(threadMs.idle2).toFixed(1)} vs ${median(threadMs.idle1).toFixed(1)} ms (x${twoThreadsIdle.toFixed(2)}), one core busy ${median(threadMs.busy2).toFixed(1)} vs ${median(threadMs.busy1).toFixed(1)} ms (x${twoThreadsBusy.toFixed(2)})`,
);

const concatTokensFull = model.tokenizer.encode(docs.map((t, i) => man.templates.concat_document.replace('{i}', String(i + 1)).replace('{text}', t)).join('')).length;
const ttftC = median(ttftConcat);
const ttftM = median(ttftCommer);
console.log(`ttft: prompt-concat ${ttftC.toFixed(2)} ms (${concatPositions} positions), ComMer ${ttftM.toFixed(2)} ms (${commerPositions} positions)`);

// ---- precision: the same adapter exported as float32 (not shipped: 4x the size),
// compression and decode interleaved with the shipped pack in this run. Build it with
// models/commer/adapter_from_pack.py + export.py without --quantize (models/README.md);
// BENCH_FP32_PACK=<dir> names another.
const peakBeforeFp32 = peakRssMb();
const fp32Dir = process.env.BENCH_FP32_PACK ? resolve(process.env.BENCH_FP32_PACK) : join(repoRoot, 'models', 'cache', 'packs', `${model.info.packId}-fp32`);
let precision: Record<string, unknown> | null = null;
if (model.info.quantization && existsSync(join(fp32Dir, 'manifest.json'))) {
  const f32 = await loadModel(fp32Dir, { executionProvider: model.info.provider, threads: model.info.threads });
  await f32.compress(docs.slice(0, 16), { batchSize: BATCH });
  const storedF32 = await f32.compress(docs.slice(0, 8), { batchSize: BATCH });
  const tps = { q: [] as number[], f: [] as number[] };
  const dec = { q: [] as number[], f: [] as number[] };
  for (let r = 0; r < Math.max(3, Math.ceil(REPS / 2)); r++) {
    tps.q.push(docs.length / ((await batchedMs(model)) / 1000));
    tps.f.push(docs.length / ((await batchedMs(f32)) / 1000));
    const a = await oursDecode(model, mergedMean, drafts[r % drafts.length]!, 32);
    dec.q.push(a.tokens / (a.decodeMs / 1000));
    const b = await oursDecode(f32, storedF32[0]!, drafts[r % drafts.length]!, 32);
    dec.f.push(b.tokens / (b.decodeMs / 1000));
  }
  await f32.dispose();
  precision = {
    fp32_pack: relative(repoRoot, fp32Dir),
    compress_docs_per_s: { quantized: round(median(tps.q), 1), fp32: round(median(tps.f), 1) },
    decode_tokens_per_s: { quantized: round(median(dec.q), 1), fp32: round(median(dec.f), 1) },
    compress_quantized_vs_fp32: round(median(tps.q) / median(tps.f)),
    decode_quantized_vs_fp32: round(median(dec.q) / median(dec.f)),
  };
  console.log(`precision: compress ${median(tps.q).toFixed(1)} docs/s quantized vs ${median(tps.f).toFixed(1)} fp32; decode ${median(dec.q).toFixed(1)} vs ${median(dec.f).toFixed(1)} tokens/s`);
} else if (model.info.quantization) {
  console.log(`precision: no float32 export at ${relative(repoRoot, fp32Dir)}; skipped`);
}

const results = {
  benchmark: 'runtime',
  started_at: started,
  pack: { id: model.info.packId, dir: relative(repoRoot, packDir), k, dim, vocab_size: model.info.vocabSize, layers: man.backbone.n_layers },
  execution_provider: model.info.provider,
  threads: model.info.threads,
  repetitions: REPS,
  documents: { source, count: docs.length },
  decode_ratio_vs_raw_ort: round(median(lockRatios)),
  decode_ratio_whole_runs_pairwise: round(median(pairRatios)),
  decode_ratio_whole_runs_of_medians: round(decodeOurs / decodeRaw),
  decode_pairs: DECODE_PAIRS,
  decode_tokens_per_s: round(decodeOurs, 1),
  raw_ort_decode_tokens_per_s: round(decodeRaw, 1),
  decode_tokens: tokens,
  batched_compress_speedup: round(compressBatched / compressOne),
  compress_docs_per_s: round(compressBatched, 1),
  compress_one_at_a_time_docs_per_s: round(compressOne, 1),
  compress_batch_size: BATCH,
  compress_fixed_call_ms: round(compressFixed),
  compress_ms_per_doc_one_at_a_time: round(1000 / compressOne),
  compress_cpu_ms_per_doc_one_at_a_time: round(cpuOneDoc),
  compress_cpu_ms_per_doc_batched: round(median(batchCpu)),
  compress_cpu_ms_fixed_call: round(cpuFixed),
  // If batching removed the whole fixed cost and added no padding.
  compress_speedup_ceiling_from_fixed_cost: round(cpuOneDoc / Math.max(1e-9, cpuOneDoc - cpuFixed)),
  compress_padding_share: round(paddingShare),
  compress_median_doc_tokens: docTokens,
  // > 1: two intra-op threads compress faster than one (batched, same documents).
  compress_two_threads_speedup_idle: round(twoThreadsIdle),
  compress_two_threads_speedup_one_core_busy: round(twoThreadsBusy),
  ttft_speedup_n64: round(ttftC / ttftM),
  ttft_ms_prompt_concat_n64: round(ttftC),
  ttft_ms_commer_n64: round(ttftM),
  prefill_positions_prompt_concat_n64: concatPositions,
  prefill_positions_commer_n64: commerPositions,
  concat_tokens_untruncated_n64: concatTokensFull + 1,
  three_suggestions_ms_batched: round(median(sug3)),
  three_suggestions_ms_sequential: round(median(sug1x3)),
  three_suggestions_speedup: round(median(sug1x3) / median(sug3)),
  peak_rss_mb: round(peakBeforeFp32, 1),
  precision_compare: precision,
  goals: { decode_ratio_vs_raw_ort: 0.9, batched_compress_speedup: 3, ttft_speedup_n64: 10 },
  machine_before: before,
  machine_after: machine(),
};
await model.dispose();
const path = writeResults(process.env.BENCH_RESULTS ?? 'runtime', results);
console.log('');
for (const key of ['decode_ratio_vs_raw_ort', 'batched_compress_speedup', 'ttft_speedup_n64', 'decode_tokens_per_s', 'compress_docs_per_s', 'execution_provider', 'peak_rss_mb'] as const) {
  const goal = (results.goals as Record<string, number>)[key];
  const v = results[key];
  const mark = goal === undefined ? '' : (v as number) >= goal ? `  (goal >= ${goal}: met)` : `  (goal >= ${goal}: NOT met)`;
  console.log(`${key.padEnd(26)} ${String(v)}${mark}`);
}
console.log(`pack                       ${results.pack.id}`);
console.log(`wrote ${relative(repoRoot, path)}`);
