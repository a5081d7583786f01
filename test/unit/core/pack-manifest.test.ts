import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parsePackManifest, PACK_FORMAT_VERSION } from '../../../main/core/pack-manifest.js';

const hex = 'a'.repeat(64);
// Tests mutate arbitrary nested manifest JSON; typing every path would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function valid(): Record<string, any> {
  return {
    format: 'commer-pack',
    format_version: 1,
    id: 'stories260k-k4',
    name: 'Stories',
    description: 'test',
    created_at: '2026-11-25T08:00:00Z',
    backbone: {
      architecture: 'llama',
      dim: 64,
      n_layers: 5,
      n_heads: 8,
      n_kv_heads: 4,
      head_dim: 8,
      hidden_dim: 172,
      vocab_size: 512,
      max_positions: 2048,
      rope_theta: 10000,
      norm_eps: 1e-5,
      tied_embeddings: true,
    },
    lora: { rank: 8, alpha: 16, targets: ['wq'] },
    compression: { k: 4 },
    soft_prompt: { length: 4 },
    tokens: { bos_id: 1, eos_id: 2, pad_id: 0, stop_ids: [2] },
    limits: { max_doc_tokens: 256, max_prompt_tokens: 256, max_new_tokens: 64 },
    templates: {
      document: '{text}',
      concat_document: 'Document {i}: {text}\n',
      tasks: {
        paraphrase: { label: 'Tweet paraphrase', prompt: 'P: {input}\nTweet:' },
        headline: { label: 'Headline', prompt: 'H: {input}\nHeadline:' },
      },
    },
    files: {
      'backbone.onnx': { sha256: hex, bytes: 10 },
      'tokenizer.json': { sha256: hex, bytes: 10 },
      'embeddings.f32': { sha256: hex, bytes: 512 * 64 * 4, dtype: 'float32', shape: [512, 64] },
      'compression.f32': { sha256: hex, bytes: 4 * 64 * 4, dtype: 'float32', shape: [4, 64] },
      'soft_prompt.f32': { sha256: hex, bytes: 4 * 64 * 4, dtype: 'float32', shape: [4, 64] },
    },
    evaluation: null,
  };
}

/** The same pack as format 2: backbone.weights listed, the table as embeddings.q8 (512 x 64 codes, scales at 32768). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function validV2(): Record<string, any> {
  const m = valid();
  m.format_version = 2;
  delete m.files['embeddings.f32'];
  m.files['backbone.weights'] = { sha256: hex, bytes: 1000 };
  m.files['embeddings.q8'] = { sha256: hex, bytes: 32768 + 4 * 512 * 2, dtype: 'q8_0', shape: [512, 64], block: 32, scales_offset: 32768 };
  m.backbone.quantization = { weights: 'int4', block: 32, embeddings: 'q8_0', accuracy_level: 0 };
  return m;
}

function rejects(m: unknown, code: string, re: RegExp): void {
  const r = parsePackManifest(m);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.code, code);
    assert.match(r.message, re);
  }
}

describe('parsePackManifest', () => {
  test('accepts the documented example', () => {
    const r = parsePackManifest(valid());
    assert.ok(r.ok, r.ok ? '' : r.message);
  });

  test('accepts a pack without a soft prompt', () => {
    const m = valid();
    delete m.soft_prompt;
    delete m.files['soft_prompt.f32'];
    assert.ok(parsePackManifest(m).ok);
  });

  test('refuses a newer format version with the newer-version message', () => {
    const m = valid();
    m.format_version = PACK_FORMAT_VERSION + 1;
    m.backbone = 'unknown future layout';
    rejects(m, 'newer_format', /made by a newer version of ComMer Studio/);
  });

  test('refuses things that are not packs', () => {
    rejects([], 'not_a_pack', /not a JSON object/);
    rejects({ ...valid(), format: 'other' }, 'not_a_pack', /expected "commer-pack"/);
    rejects({ ...valid(), format_version: '1' }, 'invalid_manifest', /format_version/);
  });

  test('names the bad field', () => {
    const m = valid();
    m.backbone.dim = -1;
    rejects(m, 'invalid_manifest', /backbone\.dim/);
  });

  test('refuses shapes that disagree with the backbone', () => {
    const m = valid();
    m.files['compression.f32'].shape = [8, 64];
    rejects(m, 'invalid_manifest', /compression\.f32\.shape: is \[8, 64\], expected \[4, 64\]/);
  });

  test('refuses bytes that disagree with the shape', () => {
    const m = valid();
    m.files['embeddings.f32'].bytes = 100;
    rejects(m, 'invalid_manifest', /embeddings\.f32\.bytes: is 100, expected 131072/);
  });

  test('refuses a missing required file entry', () => {
    const m = valid();
    delete m.files['backbone.onnx'];
    rejects(m, 'invalid_manifest', /backbone\.onnx: is required/);
  });

  test('refuses file names that could leave the pack directory', () => {
    const m = valid();
    m.files['../../etc/passwd'] = { sha256: hex, bytes: 1 };
    rejects(m, 'invalid_manifest', /plain file name/);
  });

  test('refuses token ids outside the vocabulary', () => {
    const m = valid();
    m.tokens.stop_ids = [2, 600];
    rejects(m, 'invalid_manifest', /600 is outside the vocabulary/);
  });

  test('refuses templates without their placeholder and missing tasks', () => {
    const a = valid();
    a.templates.tasks.paraphrase.prompt = 'no placeholder';
    rejects(a, 'invalid_manifest', /must contain \{input\}/);
    const b = valid();
    delete b.templates.tasks.headline;
    rejects(b, 'invalid_manifest', /paraphrase and headline/);
  });

  test('refuses fewer than 2048 positions and a bad sha256', () => {
    const a = valid();
    a.backbone.max_positions = 512;
    rejects(a, 'invalid_manifest', /2048/);
    const b = valid();
    b.files['tokenizer.json'].sha256 = 'xyz';
    rejects(b, 'invalid_manifest', /64 lowercase hex/);
  });

  test('refuses a soft prompt file without a declared soft prompt', () => {
    const m = valid();
    m.soft_prompt = { length: 0 };
    rejects(m, 'invalid_manifest', /declares no soft prompt/);
  });
});

describe('parsePackManifest, format 2 (quantized)', () => {
  test('accepts a consistent format 2 manifest, with source and quantization kept', () => {
    const m = validV2();
    m.backbone.source = { id: 'smollm2-135m', license: 'apache-2.0', pip: 'x==1', unknown_key: 'dropped' };
    const r = parsePackManifest(m);
    assert.ok(r.ok, r.ok ? '' : r.message);
    if (r.ok) {
      assert.deepEqual(r.manifest.backbone.source, { id: 'smollm2-135m', license: 'apache-2.0', pip: 'x==1' });
      assert.equal(r.manifest.backbone.quantization?.weights, 'int4');
      assert.equal(r.manifest.files['embeddings.q8']?.scales_offset, 32768);
    }
  });

  test('format 1 manifests still parse as before, source allowed', () => {
    const m = valid();
    m.backbone.source = { name: 'stories260K', license: 'MIT' };
    assert.ok(parsePackManifest(m).ok);
  });

  test('requires backbone.weights and embeddings.q8, refuses embeddings.f32', () => {
    const a = validV2();
    delete a.files['backbone.weights'];
    rejects(a, 'invalid_manifest', /files\.backbone\.weights: is required in a format 2 pack but not listed/);
    const b = validV2();
    delete b.files['embeddings.q8'];
    rejects(b, 'invalid_manifest', /files\.embeddings\.q8: is required in a format 2 pack/);
    const c = validV2();
    c.files['embeddings.f32'] = valid().files['embeddings.f32'];
    rejects(c, 'invalid_manifest', /files\.embeddings\.f32: is listed but a format 2 pack keeps the embedding table in embeddings\.q8/);
  });

  test('requires tied embeddings', () => {
    const m = validV2();
    m.backbone.tied_embeddings = false;
    rejects(m, 'invalid_manifest', /backbone\.tied_embeddings: must be true in a format 2 pack/);
  });

  test('refuses an inconsistent q8 entry: dtype, shape, block, scales_offset, bytes', () => {
    const cases: [(q: Record<string, unknown>) => void, RegExp][] = [
      [(q) => (q.dtype = 'float32'), /embeddings\.q8\.dtype: must be "q8_0"/],
      [(q) => (q.shape = [512, 128]), /embeddings\.q8\.shape: is \[512, 128\], expected \[512, 64\]/],
      [(q) => (q.block = 64), /embeddings\.q8\.block: is 64, expected 32/],
      [(q) => delete q.scales_offset, /embeddings\.q8\.scales_offset: is required/],
      [(q) => (q.scales_offset = 32768 + 4), /scales_offset: is 32772; it must be a multiple of 4096 and at least 32768/],
      [(q) => (q.scales_offset = 28672), /scales_offset: is 28672; it must be a multiple of 4096 and at least 32768/],
      [(q) => (q.bytes = 32768 + 4 * 512 * 2 - 1), /embeddings\.q8\.bytes: is 36863, expected 36864/],
      [(q) => ((q.scales_offset = 36864), (q.bytes = 32768 + 4096)), /bytes: is 36864, expected 40960/],
    ];
    for (const [edit, re] of cases) {
      const m = validV2();
      edit(m.files['embeddings.q8']);
      rejects(m, 'invalid_manifest', re);
    }
  });

  test('refuses a dim that is not a multiple of the q8 block', () => {
    const m = validV2();
    m.backbone.dim = 48;
    m.backbone.head_dim = 6;
    for (const f of ['compression.f32', 'soft_prompt.f32']) m.files[f] = { ...m.files[f], bytes: 4 * 4 * 48, shape: [4, 48] };
    m.files['embeddings.q8'].shape = [512, 48];
    rejects(m, 'invalid_manifest', /dim 48 is not a multiple of the q8_0 block \(32\)/);
  });
});

describe('the optional reference means (style strength)', () => {
  const withReference = () => {
    const m = valid();
    m.reference = { kinds: ['tweet', 'article'], documents: { tweet: 10, article: 12 }, persons: { tweet: 5, article: 6 } };
    m.files['reference.f32'] = { sha256: hex, bytes: 2 * 4 * 64 * 4, dtype: 'float32', shape: [2, 4, 64] };
    return m;
  };
  const problem = (m: unknown) => {
    const r = parsePackManifest(m);
    return r.ok ? null : r.message;
  };

  test('a pack without one is valid; with one of the right shape too, and it is kept', () => {
    assert.equal(problem(valid()), null);
    const r = parsePackManifest(withReference());
    assert.ok(r.ok);
    assert.deepEqual(r.ok && r.manifest.reference?.kinds, ['tweet', 'article']);
  });

  test('a reference section without its file, a file without a section, a wrong shape or size are refused by name', () => {
    const noFile = withReference();
    delete noFile.files['reference.f32'];
    assert.match(problem(noFile)!, /files\.reference\.f32: is required by the manifest's reference section but not listed/);
    const noSection = withReference();
    delete noSection.reference;
    assert.match(problem(noSection)!, /files\.reference\.f32: is listed but the manifest has no reference section/);
    const shape = withReference();
    shape.files['reference.f32'].shape = [1, 4, 64];
    assert.match(problem(shape)!, /files\.reference\.f32\.shape: is \[1, 4, 64\], expected \[2, 4, 64\] \(reference kinds, k, dim\)/);
    const bytes = withReference();
    bytes.files['reference.f32'].bytes = 100;
    assert.match(problem(bytes)!, /files\.reference\.f32\.bytes: is 100, expected 2048/);
    const twice = withReference();
    twice.reference.kinds = ['tweet', 'tweet'];
    assert.match(problem(twice)!, /reference\.kinds: lists a kind twice/);
    const kind = withReference();
    kind.reference.kinds = ['email', 'tweet'];
    assert.match(problem(kind)!, /reference\.kinds\.0/);
  });
});
