// Blob <-> typed-array conversions. SQLite hands back Buffers that may sit at any
// byte offset of a shared pool, so reads copy into a fresh, aligned array.

/** Encodes a float32 vector as a blob (little-endian, as every supported platform is). */
export function f32ToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Decodes a float32 blob into its own aligned array. */
export function blobToF32(b: Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** Encodes a float64 vector as a blob. */
export function f64ToBlob(v: Float64Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Decodes a float64 blob into its own aligned array. */
export function blobToF64(b: Uint8Array): Float64Array {
  const out = new Float64Array(b.byteLength / 8);
  new Uint8Array(out.buffer).set(b);
  return out;
}
