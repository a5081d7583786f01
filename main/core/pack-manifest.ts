// The model-pack manifest contract (models/PACK_FORMAT.md) as a zod schema, so
// the runtime sees only typed, checked values. Cross-field rules that the format
// states (token ids inside the vocab, tensor shapes agreeing with the backbone,
// file names that cannot escape the pack directory) are checked here too; what
// needs the file system (presence, bytes, sha256) is the pack loader's job.

import { z } from 'zod';
import type { Task } from './inputs.js';

/**
 * The newest pack format this build understands. 1: float32 graph and
 * embeddings.f32; 2: quantized (frozen tensors in backbone.weights, the tied
 * table once as embeddings.q8).
 */
export const PACK_FORMAT_VERSION = 2;

/** Q8_0 blocks along dim (models/PACK_FORMAT.md, version 2). */
export const Q8_BLOCK = 32;
/** embeddings.q8's scales start at a multiple of this many bytes. */
export const Q8_SCALES_ALIGN = 4096;

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
// Plain names only: a manifest must never point outside its own directory.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const fileEntry = z.object({
  sha256: sha256Hex,
  bytes: nonNegInt,
  dtype: z.enum(['float32', 'q8_0']).optional(),
  shape: z.array(positiveInt).min(1).optional(),
  /** embeddings.q8 only: values per scale, and where the scales start. */
  block: positiveInt.optional(),
  scales_offset: nonNegInt.optional(),
});

/** Where the frozen weights came from (optional, both versions); shown on the Model page. */
const backboneSource = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  author: z.string().optional(),
  license: z.string().optional(),
  source: z.string().optional(),
  pip: z.string().optional(),
  file: z.string().optional(),
  file_sha256: z.string().optional(),
});

/** How a version-2 pack was quantized; informational, keys beyond these are kept. */
const backboneQuantization = z.looseObject({
  weights: z.string().optional(),
  block: positiveInt.optional(),
  embeddings: z.string().optional(),
  /** MatMulNBits compute precision (1: float32 activations, 4: int8). */
  accuracy_level: nonNegInt.optional(),
  /** "float32" where the vocabulary projection is a float32 MatMul over the dequantized table. */
  head: z.string().optional(),
});

/** The document kinds a reference mean can be kept for (the store's kinds). */
export const REFERENCE_KINDS = ['tweet', 'article'] as const;
export type ReferenceKind = (typeof REFERENCE_KINDS)[number];
/** The file holding the reference means, float32 [kinds, k, dim] in `reference.kinds` order. */
export const REFERENCE_FILE = 'reference.f32';

/**
 * Optional: the pack's reference means (style strength's "generic" end), one per
 * document kind: the mean compression over many training persons' documents,
 * computed by `commer reference-mean` through the app runtime. Packs without one load.
 */
const referenceSection = z.object({
  kinds: z.array(z.enum(REFERENCE_KINDS)).min(1),
  /** Documents and persons each kind's mean was taken over. */
  documents: z.record(z.string(), nonNegInt),
  persons: z.record(z.string(), nonNegInt),
  /** The command and data it was built with (informational). */
  built_by: z.string().optional(),
  data: z.string().optional(),
  split: z.string().optional(),
  created_at: z.string().optional(),
});

export type PackReference = z.infer<typeof referenceSection>;
export type PackSource = z.infer<typeof backboneSource>;
export type PackQuantization = z.infer<typeof backboneQuantization>;

const taskTemplate = z.object({
  label: z.string().min(1),
  prompt: z.string().includes('{input}', { message: 'must contain {input}' }),
});

export const packManifestSchema = z
  .object({
    format: z.literal('commer-pack'),
    format_version: positiveInt,
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be letters, digits, . _ - (max 128)'),
    name: z.string().min(1),
    description: z.string(),
    created_at: z.string(),
    backbone: z.object({
      architecture: z.literal('llama'),
      dim: positiveInt,
      n_layers: positiveInt,
      n_heads: positiveInt,
      n_kv_heads: positiveInt,
      head_dim: positiveInt,
      hidden_dim: positiveInt,
      vocab_size: positiveInt,
      max_positions: z.number().int().min(2048, 'packs must support at least 2048 positions'),
      rope_theta: z.number().positive(),
      norm_eps: z.number().positive(),
      tied_embeddings: z.boolean(),
      source: backboneSource.optional(),
      quantization: backboneQuantization.optional(),
    }),
    lora: z.object({ rank: nonNegInt, alpha: z.number(), targets: z.array(z.string()) }),
    compression: z.object({ k: positiveInt }),
    soft_prompt: z.object({ length: nonNegInt }).nullable().optional(),
    tokens: z.object({
      bos_id: nonNegInt,
      eos_id: nonNegInt,
      pad_id: nonNegInt,
      stop_ids: z.array(nonNegInt),
    }),
    limits: z.object({
      max_doc_tokens: positiveInt,
      max_prompt_tokens: positiveInt,
      max_new_tokens: positiveInt,
    }),
    templates: z.object({
      document: z.string().includes('{text}', { message: 'must contain {text}' }),
      concat_document: z.string().includes('{text}', { message: 'must contain {text}' }),
      tasks: z.record(z.string(), taskTemplate).refine((t) => 'paraphrase' in t && 'headline' in t, 'must define the paraphrase and headline tasks'),
    }),
    files: z.record(z.string(), fileEntry),
    reference: referenceSection.optional(),
    evaluation: z.record(z.string(), z.unknown()).nullable(),
  })
  .superRefine((m, ctx) => {
    const b = m.backbone;
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    if (b.n_heads % b.n_kv_heads !== 0) issue(['backbone', 'n_kv_heads'], `must divide n_heads (${b.n_heads})`);
    for (const key of ['bos_id', 'eos_id', 'pad_id'] as const) {
      if (m.tokens[key] >= b.vocab_size) issue(['tokens', key], `${m.tokens[key]} is outside the vocabulary (${b.vocab_size})`);
    }
    m.tokens.stop_ids.forEach((id, i) => {
      if (id >= b.vocab_size) issue(['tokens', 'stop_ids', i], `${id} is outside the vocabulary (${b.vocab_size})`);
    });
    for (const name of Object.keys(m.files)) {
      if (!FILE_NAME.test(name)) issue(['files', name], 'must be a plain file name inside the pack');
    }
    const softLen = m.soft_prompt?.length ?? 0;
    const quantized = m.format_version >= 2;
    const expected: Record<string, [number, number] | null> = {
      'backbone.onnx': null,
      'tokenizer.json': null,
      'compression.f32': [m.compression.k, b.dim],
    };
    if (quantized) expected['backbone.weights'] = null;
    else expected['embeddings.f32'] = [b.vocab_size, b.dim];
    if (softLen > 0) expected['soft_prompt.f32'] = [softLen, b.dim];
    for (const [name, shape] of Object.entries(expected)) {
      const f = m.files[name];
      if (!f) {
        issue(['files', name], `is required${quantized ? ' in a format 2 pack' : ''} but not listed`);
        continue;
      }
      if (shape) {
        if (f.dtype !== 'float32') issue(['files', name, 'dtype'], 'must be "float32"');
        const got = f.shape ?? [];
        if (got.length !== 2 || got[0] !== shape[0] || got[1] !== shape[1]) {
          issue(['files', name, 'shape'], `is [${got.join(', ')}], expected [${shape.join(', ')}] from the manifest's dims`);
        } else if (f.bytes !== 4 * shape[0] * shape[1]) {
          issue(['files', name, 'bytes'], `is ${f.bytes}, expected ${4 * shape[0] * shape[1]} for float32 [${shape.join(', ')}]`);
        }
      }
    }
    if (quantized) {
      if (!b.tied_embeddings) issue(['backbone', 'tied_embeddings'], 'must be true in a format 2 pack (embeddings.q8 is also the vocabulary projection)');
      if (m.files['embeddings.f32']) issue(['files', 'embeddings.f32'], 'is listed but a format 2 pack keeps the embedding table in embeddings.q8');
      const q = m.files['embeddings.q8'];
      if (!q) issue(['files', 'embeddings.q8'], 'is required in a format 2 pack but not listed');
      else q8EntryIssues(q, b.vocab_size, b.dim).forEach(([key, message]) => issue(['files', 'embeddings.q8', key], message));
    }
    const ref = m.files[REFERENCE_FILE];
    if (m.reference) {
      const kinds = m.reference.kinds;
      if (new Set(kinds).size !== kinds.length) issue(['reference', 'kinds'], `lists a kind twice: ${kinds.join(', ')}`);
      for (const kind of kinds) if (!(kind in m.reference.documents)) issue(['reference', 'documents'], `has no count for "${kind}"`);
      const shape = [kinds.length, m.compression.k, b.dim];
      if (!ref) issue(['files', REFERENCE_FILE], "is required by the manifest's reference section but not listed");
      else {
        const got = ref.shape ?? [];
        if (ref.dtype !== 'float32') issue(['files', REFERENCE_FILE, 'dtype'], 'must be "float32"');
        if (got.length !== 3 || got.some((v, i) => v !== shape[i])) issue(['files', REFERENCE_FILE, 'shape'], `is [${got.join(', ')}], expected [${shape.join(', ')}] (reference kinds, k, dim)`);
        else if (ref.bytes !== 4 * shape[0]! * shape[1]! * shape[2]!)
          issue(['files', REFERENCE_FILE, 'bytes'], `is ${ref.bytes}, expected ${4 * shape[0]! * shape[1]! * shape[2]!} for float32 [${shape.join(', ')}]`);
      }
    } else if (ref) issue(['files', REFERENCE_FILE], 'is listed but the manifest has no reference section saying which kinds it holds');
    if (softLen === 0 && m.files['soft_prompt.f32']) {
      issue(['files', 'soft_prompt.f32'], 'is listed but the manifest declares no soft prompt');
    }
  });

type FileEntry = z.infer<typeof fileEntry>;

/** What is wrong with an embeddings.q8 entry for a [vocab, dim] table, as [field, message] pairs. */
function q8EntryIssues(f: FileEntry, vocab: number, dim: number): [string, string][] {
  const out: [string, string][] = [];
  if (f.dtype !== 'q8_0') out.push(['dtype', 'must be "q8_0"']);
  const got = f.shape ?? [];
  if (got.length !== 2 || got[0] !== vocab || got[1] !== dim) out.push(['shape', `is [${got.join(', ')}], expected [${vocab}, ${dim}] from the manifest's dims`]);
  if (f.block !== Q8_BLOCK) out.push(['block', `is ${f.block ?? 'missing'}, expected ${Q8_BLOCK}`]);
  if (dim % Q8_BLOCK !== 0) out.push(['shape', `dim ${dim} is not a multiple of the q8_0 block (${Q8_BLOCK})`]);
  if (out.length) return out;
  const codes = vocab * dim;
  const off = f.scales_offset;
  if (off === undefined) return [['scales_offset', 'is required for a q8_0 table']];
  if (off < codes || off % Q8_SCALES_ALIGN !== 0) {
    return [['scales_offset', `is ${off}; it must be a multiple of ${Q8_SCALES_ALIGN} and at least ${codes} (the codes, ${vocab} x ${dim} bytes)`]];
  }
  const want = off + (4 * codes) / Q8_BLOCK;
  if (f.bytes !== want) return [['bytes', `is ${f.bytes}, expected ${want} (scales_offset ${off} + 4 x ${vocab} x ${dim / Q8_BLOCK} scales)`]];
  return [];
}

export type PackManifest = z.infer<typeof packManifestSchema>;
export type TaskName = Task;

export type ManifestParseResult = { ok: true; manifest: PackManifest } | { ok: false; code: 'not_a_pack' | 'newer_format' | 'invalid_manifest'; message: string };

/**
 * Validate a parsed manifest.json. The format/version pair is checked first so a
 * pack from a newer app is refused for that reason, not for fields we do not know.
 */
export function parsePackManifest(json: unknown): ManifestParseResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, code: 'not_a_pack', message: 'manifest.json is not a JSON object' };
  }
  const head = json as { format?: unknown; format_version?: unknown };
  if (head.format !== 'commer-pack') {
    return { ok: false, code: 'not_a_pack', message: `manifest.json has format ${JSON.stringify(head.format)}, expected "commer-pack"` };
  }
  const v = head.format_version;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    return { ok: false, code: 'invalid_manifest', message: `format_version must be a positive integer, got ${JSON.stringify(v)}` };
  }
  if (v > PACK_FORMAT_VERSION) {
    return {
      ok: false,
      code: 'newer_format',
      message: `this pack uses format version ${v}; it was made by a newer version of ComMer Studio (this one reads up to version ${PACK_FORMAT_VERSION})`,
    };
  }
  const r = packManifestSchema.safeParse(json);
  if (r.success) return { ok: true, manifest: r.data };
  const shown = r.error.issues.slice(0, 5).map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  const more = r.error.issues.length > 5 ? ` (and ${r.error.issues.length - 5} more)` : '';
  return { ok: false, code: 'invalid_manifest', message: `manifest.json is invalid: ${shown.join('; ')}${more}` };
}
