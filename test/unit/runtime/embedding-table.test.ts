// Row reads of the embedding table: float32 rows as stored, q8_0 rows
// dequantized as (code - 128) * scale of their block of 32 (models/PACK_FORMAT.md).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Float32EmbeddingTable, Q8EmbeddingTable } from '../../../main/runtime/embedding-table.js';

describe('Q8EmbeddingTable', () => {
  // vocab 3, dim 64: two blocks of 32 per row, six scales in all.
  const vocab = 3;
  const dim = 64;
  const codes = new Uint8Array(vocab * dim);
  for (let r = 0; r < vocab; r++) for (let j = 0; j < dim; j++) codes[r * dim + j] = (r * 37 + j * 5) % 256;
  const scales = new Float32Array([0.5, 2, 0.25, -1, 0.125, 3]);
  const table = new Q8EmbeddingTable(codes, scales, vocab, dim);

  test('a row is (code - 128) * its block scale, by hand', () => {
    const out = new Float32Array(dim);
    table.copyRow(1, out, 0);
    // Row 1: codes (37 + 5j) % 256; j < 32 uses scale 0.25, j >= 32 scale -1.
    assert.equal(codes[64], 37);
    assert.equal(out[0], (37 - 128) * 0.25); // -22.75
    assert.equal(out[0], -22.75);
    assert.equal(codes[64 + 19], 132);
    assert.equal(out[19], 1); // (132 - 128) * 0.25
    assert.equal(codes[64 + 31], 192);
    assert.equal(out[31], 16); // (192 - 128) * 0.25
    assert.equal(codes[64 + 32], 197);
    assert.equal(out[32], -69); // (197 - 128) * -1, the second block's scale
    assert.equal(codes[64 + 63], (37 + 315) % 256);
    assert.equal(out[63], -(96 - 128)); // code 96: 32
  });

  test('code 128 is zero and code 0 / 255 are the ends of the range', () => {
    const c = new Uint8Array(32 * 2);
    c[0] = 128;
    c[1] = 0;
    c[2] = 255;
    c[32] = 1;
    const t = new Q8EmbeddingTable(c, new Float32Array([0.1, 1.5]), 2, 32);
    const out = new Float32Array(32);
    t.copyRow(0, out, 0);
    assert.equal(out[0], 0);
    assert.equal(out[1], Math.fround(-128 * 0.1));
    assert.equal(out[2], Math.fround(127 * Math.fround(0.1)));
    t.copyRow(1, out, 0);
    assert.equal(out[0], -190.5); // (1 - 128) * 1.5
  });

  test('writes at the offset and leaves the rest of the buffer alone', () => {
    const out = new Float32Array(3 * dim).fill(7);
    table.copyRow(2, out, dim);
    assert.ok(out.subarray(0, dim).every((v) => v === 7));
    assert.ok(out.subarray(2 * dim).every((v) => v === 7));
    for (let j = 0; j < dim; j++) assert.equal(out[dim + j], Math.fround((codes[2 * dim + j]! - 128) * scales[4 + (j >> 5)]!));
  });

  test('refuses ids outside the vocabulary and inconsistent sizes', () => {
    const out = new Float32Array(dim);
    assert.throws(() => table.copyRow(3, out, 0), RangeError);
    assert.throws(() => table.copyRow(-1, out, 0), RangeError);
    assert.throws(() => table.copyRow(0.5, out, 0), RangeError);
    assert.throws(() => new Q8EmbeddingTable(codes, scales.subarray(1), vocab, dim), /scales/);
    assert.throws(() => new Q8EmbeddingTable(codes.subarray(1), scales, vocab, dim), /codes/);
    assert.throws(() => new Q8EmbeddingTable(new Uint8Array(48), new Float32Array(2), 1, 48), /multiple of the block/);
  });
});

describe('Float32EmbeddingTable', () => {
  test('copies the stored row', () => {
    const data = Float32Array.from({ length: 4 * 3 }, (_, i) => i / 2);
    const t = new Float32EmbeddingTable(data, 4, 3);
    const out = new Float32Array(5);
    t.copyRow(2, out, 1);
    assert.deepEqual([...out], [0, 3, 3.5, 4, 0]);
    assert.throws(() => t.copyRow(4, out, 0), RangeError);
    assert.throws(() => new Float32EmbeddingTable(data, 5, 3), /expected 5 x 3/);
  });
});
