// services.packs.validate checks a pack the way loading it does, graph included:
// a pack whose files and hashes are all in order but whose backbone.onnx cannot be
// loaded, or does not match the manifest, is reported invalid with the reason
// (before, Settings showed it as valid and it failed on use). The check runs in
// the real inference worker and leaves the active pack working.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, harness, PACKS, type Harness } from './helpers.js';
import { readPack } from '../../../main/runtime/pack-loader.js';

/** A copy of tiny-random under a new id whose backbone.onnx is `graph`, its size and sha256 recorded in the manifest. */
function packWithGraph(dir: string, id: string, graph: Buffer): void {
  cpSync(join(PACKS, 'tiny-random'), dir, { recursive: true });
  const mf = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  mf.id = id;
  mf.files['backbone.onnx'].bytes = graph.length;
  mf.files['backbone.onnx'].sha256 = createHash('sha256').update(graph).digest('hex');
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(mf));
  writeFileSync(join(dir, 'backbone.onnx'), graph);
}

describe('services.packs.validate checks the graph', () => {
  let h: Harness;
  const graph = readFileSync(join(PACKS, 'tiny-random', 'backbone.onnx'));

  before(async () => {
    h = await harness({});
  });
  after(async () => h.cleanup());

  test('an intact pack is valid, with its summary', async () => {
    const v = await h.svc.packs.validate(join(PACKS, 'tiny-random'));
    assert.ok(v.ok, v.ok ? '' : v.error);
    assert.equal(v.pack.id, 'tiny-random');
    assert.deepEqual([v.pack.k, v.pack.dim, v.pack.valid, v.pack.error], [2, 32, true, null]);
  });

  test('a truncated backbone.onnx whose hash matches the manifest is invalid: onnxruntime cannot load it', async () => {
    const dir = join(h.dir, 'truncated');
    packWithGraph(dir, 'truncated', graph.subarray(0, Math.floor(graph.length / 2)));
    await readPack(dir); // files, sizes and hashes are all in order: only the graph is wrong
    const v = await h.svc.packs.validate(dir);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.error : '', /^backbone\.onnx cannot be loaded by onnxruntime: /);
  });

  test('garbled bytes in the middle of the graph are invalid too', async () => {
    const dir = join(h.dir, 'garbled');
    const bad = Buffer.from(graph);
    for (let i = 0; i < 4096; i++) bad[Math.floor(bad.length / 3) + i] = (i * 131 + 7) & 0xff;
    packWithGraph(dir, 'garbled', bad);
    await readPack(dir);
    const v = await h.svc.packs.validate(dir);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.error : '', /backbone\.onnx/);
  });

  test("a graph that loads but whose inputs don't match the manifest is invalid, with what differs", async () => {
    // stories260k's graph (dim 64, 5 layers) in tiny-random's pack (dim 32, 2 layers).
    const dir = join(h.dir, 'mismatch');
    packWithGraph(dir, 'mismatch', readFileSync(join(PACKS, 'stories260k', 'backbone.onnx')));
    await readPack(dir);
    const v = await h.svc.packs.validate(dir);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.error : '', /^backbone\.onnx does not match manifest\.json: /);
  });

  test('file problems are still reported, and validating leaves the active pack working', async () => {
    const pid = h.svc.profiles.create('validate').id;
    const compressed = async (): Promise<number> => {
      const { jobId } = h.svc.imports.start({ path: join(FIXTURES, 'tweets.csv'), profileId: pid });
      return (await h.svc.imports.wait(jobId, { waitForCompression: true })).compressed;
    };
    assert.ok((await compressed()) > 0);
    const v = await h.svc.packs.validate(join(h.dir, 'no-such-pack'));
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.error : '', /manifest\.json not found/);
    await assert.rejects(h.svc.packs.validate(''), { code: 'INVALID_INPUT' });
    assert.equal((await h.svc.packs.validate(join(h.dir, 'mismatch'))).ok, false);
    assert.equal(h.svc.packs.list().find((p) => p.active)?.id, 'tiny-random');
    h.svc.documents.delete(h.svc.documents.list({ profileId: pid }).items.map((d) => d.id));
    assert.ok((await compressed()) > 0, 'the loaded model still compresses after the checks');
  });
});
