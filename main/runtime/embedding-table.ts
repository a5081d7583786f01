// The token embedding table, read one row at a time. A format-1 pack stores it as
// float32; a format-2 pack as Q8_0 codes and scales (models/PACK_FORMAT.md), the
// same bytes the graph's vocabulary projection reads, so the table is never
// dequantized as a whole: a row is expanded only when a token is embedded.

export interface EmbeddingTable {
  readonly vocab: number;
  readonly dim: number;
  readonly dtype: 'float32' | 'q8_0';
  /** Write row `id` (dim floats) into `out` starting at `offset`. */
  copyRow(id: number, out: Float32Array, offset: number): void;
}

function checkId(id: number, vocab: number): void {
  if (!(Number.isInteger(id) && id >= 0 && id < vocab)) throw new RangeError(`token id ${id} is outside the vocabulary (${vocab})`);
}

/** Row-major float32 [vocab, dim]. */
export class Float32EmbeddingTable implements EmbeddingTable {
  readonly dtype = 'float32';
  constructor(
    private readonly data: Float32Array,
    readonly vocab: number,
    readonly dim: number,
  ) {
    if (data.length !== vocab * dim) throw new RangeError(`float32 table has ${data.length} values, expected ${vocab} x ${dim}`);
  }

  copyRow(id: number, out: Float32Array, offset: number): void {
    checkId(id, this.vocab);
    const d = this.dim;
    out.set(this.data.subarray(id * d, id * d + d), offset);
  }
}

/**
 * llama.cpp's Q8_0, split: uint8 codes [vocab, dim] and float32 scales
 * [vocab, dim / block]; value = (code - 128) * scale of its block.
 */
export class Q8EmbeddingTable implements EmbeddingTable {
  readonly dtype = 'q8_0';
  private readonly blocksPerRow: number;

  constructor(
    private readonly codes: Uint8Array,
    private readonly scales: Float32Array,
    readonly vocab: number,
    readonly dim: number,
    readonly block = 32,
  ) {
    if (!(block > 0 && dim % block === 0)) throw new RangeError(`dim ${dim} is not a multiple of the block size ${block}`);
    this.blocksPerRow = dim / block;
    if (codes.length !== vocab * dim) throw new RangeError(`q8_0 table has ${codes.length} codes, expected ${vocab} x ${dim}`);
    if (scales.length !== vocab * this.blocksPerRow) throw new RangeError(`q8_0 table has ${scales.length} scales, expected ${vocab} x ${this.blocksPerRow}`);
  }

  copyRow(id: number, out: Float32Array, offset: number): void {
    checkId(id, this.vocab);
    const { codes, scales, block, dim } = this;
    let c = id * dim;
    let o = offset;
    const s0 = id * this.blocksPerRow;
    for (let b = 0; b < this.blocksPerRow; b++) {
      const scale = scales[s0 + b]!;
      for (let j = 0; j < block; j++) out[o++] = (codes[c++]! - 128) * scale;
    }
  }
}
