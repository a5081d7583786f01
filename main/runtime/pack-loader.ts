// Loads a model pack directory and proves it usable before anything runs on it:
// manifest schema and version, every listed file present with the stated size and
// sha256, tensor shapes against the backbone dims, every float tensor finite, the
// tokenizer against the vocabulary and the special-token ids, and (after session
// creation) the graph's inputs and outputs. Every
// failure is a PackError with a specific message; nothing else escapes.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePackManifest, REFERENCE_FILE, type PackManifest, type ReferenceKind } from '../core/pack-manifest.js';
import { Float32EmbeddingTable, Q8EmbeddingTable, type EmbeddingTable } from './embedding-table.js';
import { PackError } from './errors.js';
import type { SessionPort, ValueInfo } from './ort-session.js';
import { createTokenizer, type TextTokenizer } from './tokenizer.js';

export interface LoadedPack {
  dir: string;
  manifest: PackManifest;
  tokenizer: TextTokenizer;
  /** Token embedding table [vocab_size, dim]: float32 (format 1) or q8_0 (format 2), read by row. */
  embeddings: EmbeddingTable;
  /** Compression embeddings E, [k, dim]. */
  compression: Float32Array;
  /** Trained soft prompt for the prompt-concat baseline, [s, dim], or null. */
  softPrompt: Float32Array | null;
  /** Reference means by document kind ([k*dim] each; style strength's "generic" end), or null when the pack has none. */
  reference: Partial<Record<ReferenceKind, Float32Array>> | null;
  /** Absolute path of backbone.onnx, for session creation (external data resolves next to it). */
  backbonePath: string;
  /** Bytes of the graph and every file it reads as external data (sizes the thread pool). */
  graphBytes: number;
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function fsError(e: unknown, file: string, what: string): PackError {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return new PackError('missing_file', `${what} ${file} is missing`, file);
  return new PackError('io_error', `cannot read ${file}: ${describe(e)}`, file);
}

/** sha256 of a file, streamed so large graphs never sit in memory twice. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function readManifest(dir: string): Promise<PackManifest> {
  let text: string;
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new PackError('not_found', `${dir} is not a directory`);
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (e) {
    if (e instanceof PackError) throw e;
    const code = (e as { code?: string } | null)?.code;
    if (code === 'ENOENT') throw new PackError('not_found', `no model pack at ${dir}: manifest.json not found`, 'manifest.json');
    throw new PackError('io_error', `cannot read ${join(dir, 'manifest.json')}: ${describe(e)}`, 'manifest.json');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new PackError('not_a_pack', `manifest.json is not valid JSON: ${describe(e)}`, 'manifest.json');
  }
  const r = parsePackManifest(json);
  if (!r.ok) throw new PackError(r.code, r.message, 'manifest.json');
  return r.manifest;
}

async function checkFile(dir: string, name: string, entry: PackManifest['files'][string]): Promise<Buffer | null> {
  const path = join(dir, name);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new PackError('missing_file', `${name} is listed in manifest.json but is not a file`, name);
    size = st.size;
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw fsError(e, name, 'file listed in manifest.json:');
  }
  if (size !== entry.bytes) {
    throw new PackError('size_mismatch', `${name} has ${size} bytes, manifest.json says ${entry.bytes} (truncated or replaced file?)`, name);
  }
  // Tensors and the tokenizer are needed in memory anyway: hash the bytes read.
  // The graph and its external data (backbone.weights) are streamed.
  const keep = name.endsWith('.f32') || name === 'embeddings.q8' || name === 'tokenizer.json';
  let digest: string;
  let bytes: Buffer | null = null;
  try {
    if (keep) {
      bytes = await readFile(path);
      digest = createHash('sha256').update(bytes).digest('hex');
    } else {
      digest = await sha256File(path);
    }
  } catch (e) {
    throw fsError(e, name, 'file listed in manifest.json:');
  }
  if (digest !== entry.sha256) {
    throw new PackError(
      'hash_mismatch',
      `${name} does not match its sha256 in manifest.json (expected ${entry.sha256.slice(0, 12)}…, got ${digest.slice(0, 12)}…); the file is corrupt or was changed`,
      name,
    );
  }
  return bytes;
}

function toFloat32(bytes: Buffer): Float32Array {
  // Copy into a fresh, aligned buffer: the file's Buffer may sit at any offset.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Refuses a tensor holding NaN or an infinity. A hash only proves the file is the
 * one the manifest names, not that it is usable: one NaN in E makes every
 * compression NaN, and a NaN compression poisons the running mean it is added to.
 */
function finite<T extends Float32Array>(v: T, file: string, what = 'value'): T {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) {
      const bad = v.reduce((n, x) => (Number.isFinite(x) ? n : n + 1), 0);
      throw new PackError(
        'bad_tensor',
        `${file} holds ${bad} non-finite ${what}${bad === 1 ? '' : 's'} (first at index ${i}: ${v[i]}); the pack was exported from a diverged model or the file was damaged`,
        file,
      );
    }
  }
  return v;
}

// Control tokens of the Llama family: <s>, </s>, <|im_end|>, ... (byte-fallback <0xNN> pieces are ordinary text).
const CONTROL_PIECE = /^<[^\s<>]+>$/;
const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;
// Checkpoints pad the embedding table to a multiple of 64 rows (the padding rows are never produced by the tokenizer).
const VOCAB_PAD = 64;

/**
 * Proves tokenizer.json belongs to this backbone. Its size must be the model's
 * vocabulary (up to padding to a multiple of 64): a smaller one from another model
 * loads, but the ids it lacks decode to nothing, so a restyle prints an empty line.
 * And the manifest's bos and eos ids must name special tokens in it: a tokenizer of
 * the same size from another model puts ordinary text there. Stop ids must exist but
 * may be ordinary tokens (a pack may stop on a newline or a word).
 */
function checkTokenizer(tokenizer: TextTokenizer, manifest: PackManifest): void {
  const vocab = manifest.backbone.vocab_size;
  const n = tokenizer.vocabSize;
  const padded = n < vocab && vocab % VOCAB_PAD === 0 && vocab - n < VOCAB_PAD;
  if (n !== vocab && !padded) {
    throw new PackError(
      'bad_tokenizer',
      `tokenizer.json has ${n} tokens but the backbone's vocabulary (manifest.json backbone.vocab_size, the graph's logits) is ${vocab}; it is the tokenizer of another model`,
      'tokenizer.json',
    );
  }
  const t = manifest.tokens;
  const named: Array<[string, number]> = [['bos_id', t.bos_id], ['eos_id', t.eos_id], ...t.stop_ids.map((id, i): [string, number] => [`stop_ids[${i}]`, id])];
  for (const [key, id] of named) {
    const tok = tokenizer.token(id);
    if (!tok) throw new PackError('bad_tokenizer', `manifest.json tokens.${key} is ${id}, which tokenizer.json does not define`, 'tokenizer.json');
    if (key.startsWith('stop_ids')) continue;
    if (!tok.special && !(CONTROL_PIECE.test(tok.content) && !BYTE_PIECE.test(tok.content))) {
      throw new PackError(
        'bad_tokenizer',
        `manifest.json tokens.${key} is ${id}, but in tokenizer.json id ${id} is the ordinary token ${JSON.stringify(tok.content)}, not a special token; the tokenizer belongs to another model`,
        'tokenizer.json',
      );
    }
  }
}

/**
 * The embedding table of a pack whose files passed their checks. embeddings.q8 is
 * kept as it is on disk (codes as a view, scales as a view when aligned, else an
 * aligned copy of the scales alone): it is never expanded to float32 as a whole.
 */
function embeddingTable(manifest: PackManifest, buffers: Map<string, Buffer | null>): EmbeddingTable {
  const { vocab_size: vocab, dim } = manifest.backbone;
  if (manifest.format_version < 2) return new Float32EmbeddingTable(finite(toFloat32(buffers.get('embeddings.f32')!), 'embeddings.f32'), vocab, dim);
  const entry = manifest.files['embeddings.q8']!;
  const buf = buffers.get('embeddings.q8')!;
  const block = entry.block!;
  const codes = new Uint8Array(buf.buffer, buf.byteOffset, vocab * dim);
  const nScales = (vocab * dim) / block;
  const at = buf.byteOffset + entry.scales_offset!;
  let scales: Float32Array;
  if (at % 4 === 0) scales = new Float32Array(buf.buffer, at, nScales);
  else {
    scales = new Float32Array(nScales);
    new Uint8Array(scales.buffer).set(buf.subarray(entry.scales_offset!, entry.scales_offset! + 4 * nScales));
  }
  finite(scales, 'embeddings.q8', 'scale');
  return new Q8EmbeddingTable(codes, scales, vocab, dim, block);
}

/** reference.f32 split into one [k*dim] mean per kind, in the manifest's kind order; null without a reference section. */
function referenceMeans(manifest: PackManifest, buf: Buffer | null | undefined): LoadedPack['reference'] {
  if (!manifest.reference || !buf) return null;
  const all = finite(toFloat32(buf), REFERENCE_FILE);
  const size = manifest.compression.k * manifest.backbone.dim;
  return Object.fromEntries(manifest.reference.kinds.map((kind, i) => [kind, all.slice(i * size, (i + 1) * size)]));
}

/**
 * Read and validate a pack directory (everything except the ONNX graph's
 * signature, which needs a session: see checkGraph). Throws only PackError.
 */
export async function readPack(dir: string): Promise<LoadedPack> {
  try {
    const manifest = await readManifest(dir);
    const buffers = new Map<string, Buffer | null>();
    for (const [name, entry] of Object.entries(manifest.files)) buffers.set(name, await checkFile(dir, name, entry));

    let tokenizer: TextTokenizer;
    try {
      tokenizer = createTokenizer(JSON.parse(buffers.get('tokenizer.json')!.toString('utf8')));
    } catch (e) {
      throw new PackError('bad_tokenizer', `tokenizer.json cannot be loaded: ${describe(e)}`, 'tokenizer.json');
    }
    checkTokenizer(tokenizer, manifest);
    const soft = buffers.get('soft_prompt.f32');
    const compression = finite(toFloat32(buffers.get('compression.f32')!), 'compression.f32');
    const softPrompt = soft ? finite(toFloat32(soft), 'soft_prompt.f32') : null;
    const embeddings = embeddingTable(manifest, buffers);
    return {
      reference: referenceMeans(manifest, buffers.get(REFERENCE_FILE)),
      dir,
      manifest,
      tokenizer,
      embeddings,
      compression,
      softPrompt,
      backbonePath: join(dir, 'backbone.onnx'),
      // The graph reads backbone.weights and (its vocabulary projection) embeddings.q8 as external data.
      graphBytes: ['backbone.onnx', 'backbone.weights', 'embeddings.q8'].reduce((sum, f) => sum + (manifest.files[f]?.bytes ?? 0), 0),
    };
  } catch (e) {
    if (e instanceof PackError) throw e;
    throw new PackError('io_error', `cannot load the pack at ${dir}: ${describe(e)}`);
  }
}

/** The graph signature a manifest implies (models/PACK_FORMAT.md, "backbone.onnx"). */
export function expectedGraph(m: PackManifest): {
  inputs: Map<string, (number | null)[]>;
  outputs: Map<string, (number | null)[]>;
  optionalInputs: Map<string, (number | null)[]>;
} {
  const b = m.backbone;
  const inputs = new Map<string, (number | null)[]>([
    ['inputs_embeds', [null, null, b.dim]],
    ['attention_mask', [null, null]],
    ['position_ids', [null, null]],
    ['lora_scale', []],
  ]);
  const outputs = new Map<string, (number | null)[]>([
    ['logits', [null, null, b.vocab_size]],
    ['last_hidden_state', [null, null, b.dim]],
  ]);
  for (let i = 0; i < b.n_layers; i++) {
    for (const kv of ['key', 'value']) {
      inputs.set(`past_key_values.${i}.${kv}`, [null, b.n_kv_heads, null, b.head_dim]);
      outputs.set(`present.${i}.${kv}`, [null, b.n_kv_heads, null, b.head_dim]);
    }
  }
  // num_logits came after the first packs were exported; a graph without it computes every position's logits.
  const optionalInputs = new Map<string, (number | null)[]>([['num_logits', []]]);
  return { inputs, outputs, optionalInputs };
}

function compareSide(side: 'input' | 'output', required: Map<string, (number | null)[]>, got: readonly ValueInfo[], optional: Map<string, (number | null)[]> = new Map()): string | null {
  const byName = new Map(got.map((v) => [v.name, v]));
  const want = new Map(required);
  for (const [name, dims] of optional) if (byName.has(name)) want.set(name, dims);
  const missing = [...want.keys()].filter((n) => !byName.has(n));
  if (missing.length) return `its ${side}s lack ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ` (+${missing.length - 4} more)` : ''}`;
  if (side === 'input') {
    const extra = got.filter((v) => !want.has(v.name)).map((v) => v.name);
    if (extra.length) return `it has inputs the pack format does not define: ${extra.join(', ')}`;
  }
  for (const [name, dims] of want) {
    const shape = byName.get(name)!.shape;
    if (!shape) continue;
    if (shape.length !== dims.length) return `${side} ${name} has rank ${shape.length}, expected ${dims.length}`;
    for (let i = 0; i < dims.length; i++) {
      const w = dims[i];
      const g = shape[i];
      if (w !== null && typeof g === 'number' && g !== w) {
        return `${side} ${name} has dimension ${i} = ${g}, expected ${w} from manifest.json`;
      }
    }
  }
  return null;
}

/** Check a created session against the manifest; throws PackError('bad_graph'). */
export function checkGraph(session: Pick<SessionPort, 'inputs' | 'outputs'>, manifest: PackManifest): void {
  const want = expectedGraph(manifest);
  const problem = compareSide('input', want.inputs, session.inputs, want.optionalInputs) ?? compareSide('output', want.outputs, session.outputs);
  if (problem) throw new PackError('bad_graph', `backbone.onnx does not match manifest.json: ${problem}`, 'backbone.onnx');
}
