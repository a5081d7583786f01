// The candidate batch on real onnxruntime tensors and a real embedding table:
// which row holds which candidate, where each row's logits are, the cache
// repeated from the shared prefill row and then cut to the live candidates, and
// the step inputs (reused while the batch size holds).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CandidateBatch, gatherRows } from '../../../main/runtime/candidate-batch.js';
import { Float32EmbeddingTable } from '../../../main/runtime/embedding-table.js';
import { floatTensor, type OrtTensor } from '../../../main/runtime/ort-session.js';
import { KvLayout } from '../../../main/runtime/prefill.js';

const vocab = 5;
const dim = 2;
const kv = new KvLayout(1, 1, 2); // one layer, one kv head, head_dim 2
const table = new Float32EmbeddingTable(
  Float32Array.from({ length: vocab * dim }, (_, i) => i),
  vocab,
  dim,
); // row id = [2id, 2id+1]

/** A present tensor [rows, 1, len, 2] whose values name their row: row r holds 100r + index. */
function present(rows: number, len: number, base = 0): OrtTensor {
  const size = len * 2;
  return floatTensor(
    Float32Array.from({ length: rows * size }, (_, i) => base + 100 * Math.floor(i / size) + (i % size)),
    [rows, 1, len, 2],
  );
}

function prefillOut(logits: number[], positionsInLogits: number, len: number): Record<string, OrtTensor> {
  return {
    logits: floatTensor(Float32Array.from(logits), [1, positionsInLogits, vocab]),
    'present.0.key': present(1, len),
    'present.0.value': present(1, len, 50),
  };
}

function rowsOf(t: OrtTensor): number[][] {
  const d = t.data as Float32Array;
  const size = d.length / t.dims[0]!;
  return Array.from({ length: t.dims[0]! }, (_, r) => Array.from(d.subarray(r * size, r * size + size)));
}

const opts = { n: 3, promptIds: [1, 2], prefillPositions: 6, maxNewTokens: 4, vocab, dim, kv };

describe('CandidateBatch', () => {
  test('every candidate first reads the prefill row: stride 0, at the last position of the last chunk', () => {
    const one = new CandidateBatch(opts, prefillOut([0, 1, 2, 3, 4], 1, 6), 4);
    assert.equal(one.size, 3);
    assert.deepEqual(
      [0, 1, 2].map((r) => one.offset(r)),
      [0, 0, 0],
      'num_logits graph: one row',
    );
    // A graph without num_logits returns every position of the last chunk (here 4): the last row is read.
    const all = new CandidateBatch(
      opts,
      prefillOut(
        Array.from({ length: 4 * vocab }, (_, i) => i),
        4,
        6,
      ),
      4,
    );
    assert.deepEqual(
      [0, 1, 2].map((r) => all.offset(r)),
      [15, 15, 15],
    );
    assert.equal(all.logits[all.offset(0)], 15);
  });

  test('histories start with the prompt and grow together', () => {
    const b = new CandidateBatch(opts, prefillOut([0, 0, 0, 0, 0], 1, 6), 1);
    assert.equal(b.historyLength, 2);
    b.accept(0, 4);
    b.accept(1, 3);
    b.accept(2, 0);
    b.endStep();
    assert.equal(b.historyLength, 3);
    assert.deepEqual(Array.from(b.history(0).subarray(0, 3)), [1, 2, 4]);
    assert.deepEqual(Array.from(b.history(1).subarray(0, 3)), [1, 2, 3]);
    assert.equal(b.history(0).length, 2 + 4, 'room for the prompt and every new token');
  });

  test('the first fit repeats the prefill row to every candidate; step feeds embed each pick at the next position', () => {
    const b = new CandidateBatch(opts, prefillOut([0, 0, 0, 0, 0], 1, 6), 1);
    [4, 3, 1].forEach((id, c) => b.accept(c, id));
    b.endStep();
    assert.throws(() => b.stepFeeds(table, {}), /fit\(\) first/);
    b.fit();
    const lora = floatTensor(new Float32Array([0]), []);
    const f = b.stepFeeds(table, { lora_scale: lora });
    assert.deepEqual(f['past_key_values.0.key']!.dims, [3, 1, 6, 2]);
    const row0 = rowsOf(present(1, 6))[0]!;
    assert.deepEqual(rowsOf(f['past_key_values.0.key']!), [row0, row0, row0]);
    assert.deepEqual(rowsOf(f['past_key_values.0.value']!)[2], rowsOf(present(1, 6, 50))[0]);
    assert.deepEqual(Array.from(f.inputs_embeds!.data as Float32Array), [8, 9, 6, 7, 2, 3], 'rows of ids 4, 3, 1');
    assert.deepEqual(f.inputs_embeds!.dims, [3, 1, 2]);
    assert.deepEqual(Array.from(f.position_ids!.data as BigInt64Array), [6n, 6n, 6n]);
    assert.deepEqual(f.attention_mask!.dims, [3, 7]);
    assert.ok((f.attention_mask!.data as BigInt64Array).every((v) => v === 1n));
    assert.equal(f.lora_scale, lora);
  });

  test('a finished candidate leaves the batch: its cache row is dropped, the others keep theirs, inputs are rebuilt for the new size', () => {
    const b = new CandidateBatch(opts, prefillOut([0, 0, 0, 0, 0], 1, 6), 1);
    [4, 3, 1].forEach((id, c) => b.accept(c, id));
    b.endStep();
    b.fit();
    const first = b.stepFeeds(table, {});
    const embeds3 = first.inputs_embeds;
    // The step's outputs: one logits row per batch row, a cache one longer whose rows differ.
    b.advance({
      logits: floatTensor(
        Float32Array.from({ length: 3 * vocab }, (_, i) => i),
        [3, 1, vocab],
      ),
      'present.0.key': present(3, 7),
      'present.0.value': present(3, 7, 50),
    });
    assert.deepEqual(
      [0, 1, 2].map((r) => b.offset(r)),
      [0, 5, 10],
      'one row per candidate now',
    );
    // Candidate 1 finishes; 0 and 2 go on.
    [2, 0, 3].forEach((id, c) => b.accept(c, id));
    b.finish(1);
    b.finish(1);
    assert.equal(b.live, 2, 'finishing twice counts once');
    assert.equal(b.isFinished(1), true);
    b.endStep();
    b.fit();
    assert.equal(b.size, 2);
    assert.deepEqual([b.candidate(0), b.candidate(1)], [0, 2]);
    const f = b.stepFeeds(table, {});
    const rows = rowsOf(present(3, 7));
    assert.deepEqual(rowsOf(f['past_key_values.0.key']!), [rows[0], rows[2]]);
    assert.deepEqual(Array.from(f.inputs_embeds!.data as Float32Array), [4, 5, 6, 7], 'ids 2 (candidate 0) and 3 (candidate 2)');
    assert.notEqual(f.inputs_embeds, embeds3, 'a new input tensor for batch size 2');
    assert.deepEqual(Array.from(f.position_ids!.data as BigInt64Array), [7n, 7n]);
    assert.deepEqual(f.attention_mask!.dims, [2, 8]);
  });

  test('while the batch size holds, the step input tensors are the same objects, refilled', () => {
    const b = new CandidateBatch({ ...opts, n: 2 }, prefillOut([0, 0, 0, 0, 0], 1, 6), 1);
    b.accept(0, 1);
    b.accept(1, 2);
    b.endStep();
    b.fit();
    const a = b.stepFeeds(table, {});
    const embeds = a.inputs_embeds;
    const pos = a.position_ids;
    b.advance({ logits: floatTensor(new Float32Array(2 * vocab), [2, 1, vocab]), 'present.0.key': present(2, 7), 'present.0.value': present(2, 7) });
    b.accept(0, 3);
    b.accept(1, 4);
    b.endStep();
    b.fit();
    const c = b.stepFeeds(table, {});
    assert.equal(c.inputs_embeds, embeds);
    assert.equal(c.position_ids, pos);
    assert.deepEqual(Array.from(c.inputs_embeds!.data as Float32Array), [6, 7, 8, 9]);
    assert.deepEqual(Array.from(c.position_ids!.data as BigInt64Array), [7n, 7n]);
    assert.notEqual(c, a, 'each step feeds its own cache object');
  });

  test('refuses a prefill without logits and an empty batch', () => {
    const out = prefillOut([0, 0, 0, 0, 0], 1, 6);
    delete out.logits;
    assert.throws(() => new CandidateBatch(opts, out, 1), /no logits/);
    assert.throws(() => new CandidateBatch({ ...opts, n: 0 }, prefillOut([0, 0, 0, 0, 0], 1, 6), 1), /at least one candidate/);
  });
});

describe('gatherRows', () => {
  test('picks rows in the order given, repeats allowed, keeping the other dims', () => {
    const t = present(3, 2);
    const g = gatherRows(t, [2, 0, 2]);
    assert.deepEqual(g.dims, [3, 1, 2, 2]);
    const rows = rowsOf(t);
    assert.deepEqual(rowsOf(g), [rows[2], rows[0], rows[2]]);
    assert.deepEqual(gatherRows(t, []).dims, [0, 1, 2, 2]);
  });
});
