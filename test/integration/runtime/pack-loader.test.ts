// Each refusal is checked on a real broken copy of a fixture pack: copy it to a
// temp dir, break one thing, and require loadModel to reject with a PackError of
// the right code naming the right file (never an untyped throw, never a crash).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../main/core/rng.js';
import { checkGraph, loadModel, PackError, readPack, validatePack } from '../../../main/runtime/index.js';
import { expectedGraph } from '../../../main/runtime/pack-loader.js';
import { fixturePacks, primaryPack, shippedPacks } from './fixture-packs.js';
import { createSession } from '../../../main/runtime/ort-session.js';

const source = primaryPack();
let work: string;
let n = 0;

async function copy(from = source!): Promise<string> {
  const dir = join(work, `pack-${n++}`);
  await cp(from, dir, { recursive: true });
  return dir;
}

// Tests mutate arbitrary nested manifest JSON; typing every path would add nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function editManifest(dir: string, edit: (m: any) => void): Promise<void> {
  const p = join(dir, 'manifest.json');
  const m = JSON.parse(await readFile(p, 'utf8'));
  edit(m);
  await writeFile(p, JSON.stringify(m));
}

/** Replace a file's bytes and record the new size and hash, so only the content is wrong. */
async function replaceListed(dir: string, name: string, bytes: Buffer): Promise<void> {
  await writeFile(join(dir, name), bytes);
  await editManifest(dir, (m) => {
    m.files[name].bytes = bytes.length;
    m.files[name].sha256 = createHash('sha256').update(bytes).digest('hex');
  });
}

async function refused(dir: string, code: string, file: string | undefined, message: RegExp): Promise<void> {
  await assert.rejects(loadModel(dir, { executionProvider: 'cpu' }), (e: unknown) => {
    assert.ok(e instanceof PackError, `expected a PackError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.file, file);
    assert.match(e.message, message);
    return true;
  });
}

describe('pack loader', { skip: source ? false : 'no fixture pack (the golden test fails for that)' }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'commer-pack-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('loads the intact pack and reports what it runs on', async () => {
    const m = await loadModel(source!, { executionProvider: 'auto' });
    try {
      assert.ok(m.info.packId.length > 0);
      assert.ok(m.info.k > 0 && m.info.dim > 0);
      assert.ok(['cpu', 'cuda', 'dml', 'coreml', 'webgpu'].includes(m.info.provider));
      assert.ok(m.info.threads >= 1);
      const p = await readPack(source!);
      assert.equal(p.embeddings.vocab, p.manifest.backbone.vocab_size);
      assert.equal(p.embeddings.dim, p.manifest.backbone.dim);
      assert.equal(p.compression.length, p.manifest.compression.k * p.manifest.backbone.dim);
    } finally {
      await m.dispose();
    }
  });

  test('validatePack reports instead of throwing, graph included', async () => {
    const good = await validatePack(source!);
    assert.ok(good.ok);
    const dir = await copy();
    await editManifest(dir, (m) => {
      m.backbone.n_layers += 1;
    });
    const bad = await validatePack(dir);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.error.code, 'bad_graph');
  });

  test('a missing directory', async () => {
    await refused(join(work, 'nope'), 'not_found', 'manifest.json', /no model pack at .*manifest\.json not found/);
  });

  test('a missing manifest', async () => {
    const dir = await copy();
    await unlink(join(dir, 'manifest.json'));
    await refused(dir, 'not_found', 'manifest.json', /manifest\.json not found/);
  });

  test('a manifest that is not JSON', async () => {
    const dir = await copy();
    await writeFile(join(dir, 'manifest.json'), '{ "format": "commer-pack", ');
    await refused(dir, 'not_a_pack', 'manifest.json', /not valid JSON/);
  });

  test('a pack from a newer version', async () => {
    const dir = await copy();
    await editManifest(dir, (m) => {
      m.format_version = 99;
    });
    await refused(dir, 'newer_format', 'manifest.json', /made by a newer version of ComMer Studio/);
  });

  test('a manifest that breaks the schema', async () => {
    const dir = await copy();
    await editManifest(dir, (m) => {
      m.compression.k = 0;
    });
    await refused(dir, 'invalid_manifest', 'manifest.json', /compression\.k/);
  });

  test('a listed file that is missing', async () => {
    const dir = await copy();
    await unlink(join(dir, 'compression.f32'));
    await refused(dir, 'missing_file', 'compression.f32', /compression\.f32 is missing/);
  });

  test('a truncated file', async () => {
    const dir = await copy();
    await truncate(join(dir, 'embeddings.f32'), 100);
    await refused(dir, 'size_mismatch', 'embeddings.f32', /has 100 bytes, manifest\.json says \d+/);
  });

  test('a corrupted file of the right size', async () => {
    const dir = await copy();
    const p = join(dir, 'backbone.onnx');
    const b = await readFile(p);
    b[Math.floor(b.length / 2)] ^= 0xff;
    await writeFile(p, b);
    await refused(dir, 'hash_mismatch', 'backbone.onnx', /does not match its sha256/);
  });

  test('a tensor whose declared shape disagrees with the backbone', async () => {
    const dir = await copy();
    await editManifest(dir, (m) => {
      const f = m.files['compression.f32'];
      f.shape = [f.shape[0], f.shape[1] + 1];
    });
    await refused(dir, 'invalid_manifest', 'manifest.json', /compression\.f32\.shape: is \[\d+, \d+\], expected/);
  });

  test('a tokenizer.json that cannot be loaded', async () => {
    const dir = await copy();
    await replaceListed(dir, 'tokenizer.json', Buffer.from('{"model": 42}'));
    await refused(dir, 'bad_tokenizer', 'tokenizer.json', /tokenizer\.json cannot be loaded/);
  });

  test('a compression.f32 holding NaN, hashes updated: refused before any document is compressed with it', async () => {
    const dir = await copy();
    const e = Buffer.from(await readFile(join(dir, 'compression.f32')));
    e.writeFloatLE(Number.NaN, 4 * 3);
    await replaceListed(dir, 'compression.f32', e);
    await refused(dir, 'bad_tensor', 'compression.f32', /compression\.f32 holds 1 non-finite value \(first at index 3: NaN\)/);
  });

  test('an infinity in soft_prompt.f32 or embeddings.f32, hashes updated', async () => {
    for (const name of ['soft_prompt.f32', 'embeddings.f32']) {
      const dir = await copy();
      const b = Buffer.from(await readFile(join(dir, name)));
      b.writeFloatLE(Number.POSITIVE_INFINITY, 0);
      b.writeFloatLE(Number.NEGATIVE_INFINITY, b.length - 4);
      await replaceListed(dir, name, b);
      await refused(dir, 'bad_tensor', name, /holds 2 non-finite values \(first at index 0: Infinity\)/);
    }
  });

  test("another model's tokenizer.json with a smaller vocabulary, hashes updated", async () => {
    const other = fixturePacks().find((p) => p !== source && /tiny-random/.test(p));
    assert.ok(other, 'test/fixtures/packs/tiny-random is required');
    const dir = await copy();
    await replaceListed(dir, 'tokenizer.json', await readFile(join(other, 'tokenizer.json')));
    await refused(dir, 'bad_tokenizer', 'tokenizer.json', /tokenizer\.json has 400 tokens but the backbone's vocabulary .* is 512; it is the tokenizer of another model/);
  });

  test('a tokenizer.json of the right size whose eos id is an ordinary token, hashes updated', async () => {
    const dir = await copy();
    const tok = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    const vocab = tok.model.vocab as Record<string, number>;
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    const eos = m.tokens.eos_id as number;
    // Swap the ids of the eos token and an ordinary piece: same size, same pieces, special id now names text.
    const eosPiece = Object.keys(vocab).find((k) => vocab[k] === eos)!;
    const plain = Object.keys(vocab).find((k) => vocab[k]! > 300 && !k.startsWith('<'))!;
    vocab[eosPiece] = vocab[plain]!;
    vocab[plain] = eos;
    await replaceListed(dir, 'tokenizer.json', Buffer.from(JSON.stringify(tok)));
    await refused(dir, 'bad_tokenizer', 'tokenizer.json', new RegExp(`tokens\\.eos_id is ${eos}, but in tokenizer\\.json id ${eos} is the ordinary token "${plain}", not a special token`));
  });

  test('a vocabulary padded past the tokenizer loads, but a manifest stop id in the padding is refused', async () => {
    const dir = await copy();
    const tok = JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8'));
    const vocab = tok.model.vocab as Record<string, number>;
    const size = Object.keys(vocab).length;
    assert.equal(size % 64, 0, 'the test needs a vocabulary that is a multiple of 64');
    // Drop the last piece (and the merges that build it): the backbone's table is now one row longer than the tokenizer.
    const last = Object.keys(vocab).find((k) => vocab[k] === size - 1)!;
    delete vocab[last];
    tok.model.merges = (tok.model.merges as Array<string | string[]>).filter((mg) => (Array.isArray(mg) ? mg.join('') : mg.replace(' ', '')) !== last);
    await replaceListed(dir, 'tokenizer.json', Buffer.from(JSON.stringify(tok)));
    const model = await loadModel(dir, { executionProvider: 'cpu' });
    assert.equal(model.info.vocabSize, size);
    await model.dispose();
    await editManifest(dir, (m) => {
      m.tokens.stop_ids = [...m.tokens.stop_ids, size - 1];
    });
    await refused(dir, 'bad_tokenizer', 'tokenizer.json', new RegExp(`tokens\\.stop_ids\\[\\d\\] is ${size - 1}, which tokenizer\\.json does not define`));
  });

  test('a backbone.onnx that is not an ONNX graph', async () => {
    const dir = await copy();
    await replaceListed(dir, 'backbone.onnx', Buffer.from('definitely not protobuf'));
    await refused(dir, 'bad_graph', 'backbone.onnx', /cannot be loaded by onnxruntime/);
  });

  test('a graph whose inputs do not match the manifest (layer count)', async () => {
    const dir = await copy();
    await editManifest(dir, (m) => {
      m.backbone.n_layers += 1;
    });
    await refused(dir, 'bad_graph', 'backbone.onnx', /inputs lack past_key_values\.\d+\.key/);
  });

  test('random manifest damage is always a PackError or a working model, never another throw', async () => {
    const original = JSON.parse(await readFile(join(source!, 'manifest.json'), 'utf8'));
    const rng = createRng(99);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
    const junk = [null, -1, 0, 1.5, 'x', [], {}, true, 1e9];
    const dir = await copy();
    for (let i = 0; i < 30; i++) {
      const m = structuredClone(original);
      // Walk to a random object inside the manifest and break one of its fields.
      let node: Record<string, unknown> = m;
      for (let depth = 0; depth < 3; depth++) {
        const keys = Object.keys(node).filter((k) => node[k] && typeof node[k] === 'object');
        if (!keys.length || rng.next() < 0.3) break;
        node = node[pick(keys)] as Record<string, unknown>;
      }
      const key = pick(Object.keys(node));
      if (rng.next() < 0.3) delete node[key];
      else node[key] = pick(junk);
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
      try {
        const model = await loadModel(dir, { executionProvider: 'cpu' });
        await model.dispose();
      } catch (e) {
        assert.ok(e instanceof PackError, `damage ${key}: expected PackError, got ${String(e)}`);
      }
    }
  });

  test('a graph whose kv-head count does not match the manifest', async () => {
    const dir = await copy();
    await editManifest(dir, (m) => {
      // Keep n_heads divisible so only the graph check can notice.
      m.backbone.n_kv_heads = m.backbone.n_heads;
    });
    const m = JSON.parse(await readFile(join(source!, 'manifest.json'), 'utf8'));
    if (m.backbone.n_kv_heads === m.backbone.n_heads) return; // nothing to vary on this pack
    await refused(dir, 'bad_graph', 'backbone.onnx', /past_key_values\.0\.key has dimension 1 = \d+, expected \d+/);
  });
});

describe('graph signature: num_logits is optional', () => {
  // A pack exported before num_logits existed has no such input and must still load;
  // any other extra input is refused. Checked on the signature of a real pack's manifest.
  const signature = async (extra: string[], drop: string[] = []) => {
    const pack = await readPack(source!);
    const want = expectedGraph(pack.manifest);
    const info = (m: Map<string, (number | null)[]>) => [...m].filter(([name]) => !drop.includes(name)).map(([name, dims]) => ({ name, type: null, shape: dims.map((d) => d ?? 'dyn') }));
    const inputs = [...info(want.inputs), ...extra.map((name) => ({ name, type: null, shape: [] as (number | string)[] }))];
    return { manifest: pack.manifest, session: { inputs, outputs: info(want.outputs) } };
  };

  test('with num_logits, without it, and with an input the format does not define', async () => {
    const withIt = await signature(['num_logits']);
    assert.doesNotThrow(() => checkGraph(withIt.session, withIt.manifest));
    const legacy = await signature([]);
    assert.doesNotThrow(() => checkGraph(legacy.session, legacy.manifest));
    const bogus = await signature(['num_logits', 'temperature']);
    assert.throws(
      () => checkGraph(bogus.session, bogus.manifest),
      (e: unknown) => e instanceof PackError && e.code === 'bad_graph' && /temperature/.test(e.message),
    );
    const missing = await signature([], ['lora_scale']);
    assert.throws(() => checkGraph(missing.session, missing.manifest), /lack lora_scale/);
  });

  test('every committed pack (test packs, shipped packs) is exported with num_logits', async () => {
    const dirs = [...fixturePacks(), ...shippedPacks()];
    assert.ok(dirs.length >= 2);
    for (const dir of dirs) {
      const { session } = await createSession(join(dir, 'backbone.onnx'), { executionProvider: 'cpu', threads: 1 });
      try {
        assert.ok(session.inputNames.includes('num_logits'), `${dir} lacks num_logits`);
      } finally {
        await session.dispose();
      }
    }
  });
});

// Format 2 (models/PACK_FORMAT.md, version 2): frozen tensors as external data in
// backbone.weights, the tied table once as embeddings.q8. Checked on tiny-q4.
const quantized = fixturePacks().find((p) => /tiny-q4/.test(p)) ?? null;

describe('pack loader, format 2 (quantized)', () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'commer-pack-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the committed tiny-q4 pack loads with a q8_0 table, its quantization in info', async () => {
    assert.ok(quantized, 'test/fixtures/packs/tiny-q4 is required');
    const m = await loadModel(quantized, { executionProvider: 'cpu' });
    try {
      assert.equal(m.info.formatVersion, 2);
      assert.equal(m.info.embeddings, 'q8_0');
      assert.equal(m.info.quantization?.weights, 'int4');
      assert.equal(m.info.source, null);
      const p = await readPack(quantized);
      assert.equal(p.embeddings.dtype, 'q8_0');
      assert.equal(p.embeddings.vocab, p.manifest.backbone.vocab_size);
      // The graph file alone is small; its external data counts for the thread choice.
      assert.ok(p.graphBytes > p.manifest.files['backbone.onnx']!.bytes);
    } finally {
      await m.dispose();
    }
  });

  test('backbone.source reaches model.info', async () => {
    const dir = await copy(quantized!);
    const src = { id: 'smollm2-135m', name: 'SmolLM2 135M', author: 'HuggingFaceTB', license: 'apache-2.0', source: 'https://example.com/smollm2' };
    await editManifest(dir, (m) => {
      m.backbone.source = src;
    });
    const m = await loadModel(dir, { executionProvider: 'cpu' });
    try {
      assert.deepEqual(m.info.source, src);
      assert.equal(m.info.manifest.backbone.source?.license, 'apache-2.0');
    } finally {
      await m.dispose();
    }
  });

  test('a missing backbone.weights', async () => {
    const dir = await copy(quantized!);
    await unlink(join(dir, 'backbone.weights'));
    await refused(dir, 'missing_file', 'backbone.weights', /backbone\.weights is missing/);
  });

  test('backbone.weights not listed in the manifest', async () => {
    const dir = await copy(quantized!);
    await editManifest(dir, (m) => {
      delete m.files['backbone.weights'];
    });
    await refused(dir, 'invalid_manifest', 'manifest.json', /files\.backbone\.weights: is required in a format 2 pack/);
  });

  test('a corrupted backbone.weights of the right size', async () => {
    const dir = await copy(quantized!);
    const p = join(dir, 'backbone.weights');
    const b = await readFile(p);
    b[Math.floor(b.length / 3)] ^= 0x01;
    await writeFile(p, b);
    await refused(dir, 'hash_mismatch', 'backbone.weights', /backbone\.weights does not match its sha256/);
  });

  test('a scales_offset that is not a multiple of 4096, or below the codes', async () => {
    for (const delta of [4, -4096]) {
      const dir = await copy(quantized!);
      await editManifest(dir, (m) => {
        m.files['embeddings.q8'].scales_offset += delta;
      });
      await refused(dir, 'invalid_manifest', 'manifest.json', /embeddings\.q8\.scales_offset: is \d+; it must be a multiple of 4096 and at least \d+/);
    }
  });

  test('embeddings.q8 bytes that disagree with scales_offset and the shape', async () => {
    const dir = await copy(quantized!);
    await editManifest(dir, (m) => {
      m.files['embeddings.q8'].bytes += 4;
    });
    await refused(dir, 'invalid_manifest', 'manifest.json', /embeddings\.q8\.bytes: is \d+, expected \d+ \(scales_offset/);
  });

  test('an embeddings.q8 shape that disagrees with the backbone', async () => {
    const dir = await copy(quantized!);
    await editManifest(dir, (m) => {
      m.files['embeddings.q8'].shape = [m.backbone.vocab_size, m.backbone.dim * 2];
    });
    await refused(dir, 'invalid_manifest', 'manifest.json', /embeddings\.q8\.shape: is \[\d+, \d+\], expected/);
  });

  test('a flipped byte in embeddings.q8', async () => {
    const dir = await copy(quantized!);
    const p = join(dir, 'embeddings.q8');
    const b = await readFile(p);
    b[100] ^= 0xff;
    await writeFile(p, b);
    await refused(dir, 'hash_mismatch', 'embeddings.q8', /embeddings\.q8 does not match its sha256/);
  });

  test('a NaN scale in embeddings.q8, hashes updated', async () => {
    const dir = await copy(quantized!);
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    const b = Buffer.from(await readFile(join(dir, 'embeddings.q8')));
    b.writeFloatLE(Number.NaN, m.files['embeddings.q8'].scales_offset + 4 * 5);
    await replaceListed(dir, 'embeddings.q8', b);
    await refused(dir, 'bad_tensor', 'embeddings.q8', /embeddings\.q8 holds 1 non-finite scale \(first at index 5: NaN\)/);
  });

  test('a truncated embeddings.q8', async () => {
    const dir = await copy(quantized!);
    await truncate(join(dir, 'embeddings.q8'), 1000);
    await refused(dir, 'size_mismatch', 'embeddings.q8', /has 1000 bytes, manifest\.json says \d+/);
  });

  test('a format 2 pack without tied embeddings', async () => {
    const dir = await copy(quantized!);
    await editManifest(dir, (m) => {
      m.backbone.tied_embeddings = false;
    });
    await refused(dir, 'invalid_manifest', 'manifest.json', /backbone\.tied_embeddings: must be true in a format 2 pack/);
  });

  test('random damage to the q8 entry is always a PackError or a working model', async () => {
    const original = JSON.parse(await readFile(join(quantized!, 'manifest.json'), 'utf8'));
    const rng = createRng(7);
    const junk = [null, -1, 0, 1.5, 'x', [], {}, true, 1e9, 4096, 'float32'];
    const keys = Object.keys(original.files['embeddings.q8']);
    const dir = await copy(quantized!);
    for (let i = 0; i < 20; i++) {
      const m = structuredClone(original);
      const key = keys[Math.floor(rng.next() * keys.length)]!;
      if (rng.next() < 0.3) delete m.files['embeddings.q8'][key];
      else m.files['embeddings.q8'][key] = junk[Math.floor(rng.next() * junk.length)];
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
      try {
        const model = await loadModel(dir, { executionProvider: 'cpu' });
        await model.dispose();
      } catch (e) {
        assert.ok(e instanceof PackError, `damage ${key}: expected PackError, got ${String(e)}`);
      }
    }
  });
});
