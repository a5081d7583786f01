// The model-pack manifest contract (models/PACK_FORMAT.md) as a zod schema, so
// the runtime sees only typed, checked values. Cross-field rules that the format
// states (token ids inside the vocab, tensor shapes agreeing with the backbone,
// file names that cannot escape the pack directory) are checked here too; what
// needs the file system (presence, bytes, sha256) is the pack loader's job.

import { z } from 'zod';

/** The newest pack format this build understands. */
export const PACK_FORMAT_VERSION = 1;

const positiveInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
// Plain names only: a manifest must never point outside its own directory.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const fileEntry = z.object({
  sha256: sha256Hex,
  bytes: nonNegInt,
  dtype: z.literal('float32').optional(),
  shape: z.array(positiveInt).min(1).optional(),
});

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
      tasks: z
        .record(z.string(), taskTemplate)
        .refine((t) => 'paraphrase' in t && 'headline' in t, 'must define the paraphrase and headline tasks'),
    }),
    files: z.record(z.string(), fileEntry),
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
    const expected: Record<string, [number, number] | null> = {
      'backbone.onnx': null,
      'tokenizer.json': null,
      'embeddings.f32': [b.vocab_size, b.dim],
      'compression.f32': [m.compression.k, b.dim],
    };
    if (softLen > 0) expected['soft_prompt.f32'] = [softLen, b.dim];
    for (const [name, shape] of Object.entries(expected)) {
      const f = m.files[name];
      if (!f) {
        issue(['files', name], 'is required but not listed');
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
    if (softLen === 0 && m.files['soft_prompt.f32']) {
      issue(['files', 'soft_prompt.f32'], 'is listed but the manifest declares no soft prompt');
    }
  });

export type PackManifest = z.infer<typeof packManifestSchema>;
export type TaskName = 'paraphrase' | 'headline';

export type ManifestParseResult =
  | { ok: true; manifest: PackManifest }
  | { ok: false; code: 'not_a_pack' | 'newer_format' | 'invalid_manifest'; message: string };

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
