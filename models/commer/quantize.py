"""Weight-only quantization of an exported pack graph, with the frozen weights in
files that retraining the adapter does not change.

The exporter (export.py) traces a float32 graph; this module rewrites it:

- every frozen linear layer (`/backbone/layers.N/.../wq/MatMul`, ..., `w3/MatMul`)
  becomes onnxruntime's `MatMulNBits` (com.microsoft) with 4- or 8-bit weights in
  blocks of 32 along the input dimension, asymmetric (a uint8 zero point per block),
  as onnxruntime's own quantizer lays them out;
- the vocabulary projection of a tied embedding table becomes an 8-bit symmetric
  `MatMulNBits` whose weight *is* the embedding table: `embeddings.q8` holds the
  uint8 codes `[vocab, dim]` followed by the float32 block scales `[vocab, dim/32]`,
  and the graph reads both from that file as external data. The runtime looks up
  input embeddings in the same file, so the table is stored once. A table that came
  from a Q8_0 GGUF is reproduced exactly (Q8_0 is this layout with 127-level codes);
- all frozen tensors live in `backbone.weights` (external data); the LoRA tensors, the
  trained part, stay inside `backbone.onnx`. Quantization is deterministic, so a
  retrained adapter leaves `backbone.weights` and `embeddings.q8` byte-identical.

Why not onnxruntime.quantization.MatMulNBitsQuantizer: it needs the onnx_ir package,
quantizes every MatMul with a constant weight (the LoRA factors included) and cannot
place tensors in chosen external files; the packing below is the documented
MatMulNBits layout (contrib op spec) and is checked against onnxruntime in the tests.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

BLOCK = 32
WEIGHTS_FILE = "backbone.weights"
EMBEDDINGS_FILE = "embeddings.q8"
ALIGN = 4096  # external tensors start on page boundaries (onnxruntime can map them)

BASE_MATMUL = re.compile(r"^/backbone/layers\.\d+/(attention/w[qkvo]|feed_forward/w[123])/MatMul$")


class QuantizeError(ValueError):
    pass


def quantize_blocks(w_nk: np.ndarray, bits: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Asymmetric block quantization of W [N, K] (K a multiple of 32), the way
    onnxruntime's quantizer does it: per block, the range [min(0, lo), max(0, hi)] on
    2^bits - 1 steps. Returns codes [N, K/32, 32] (uint8), scales [N, K/32] (float32),
    zero points [N, K/32] (uint8)."""
    n, k = w_nk.shape
    if k % BLOCK:
        raise QuantizeError(f"input dimension {k} is not a multiple of {BLOCK}")
    levels = (1 << bits) - 1
    b = w_nk.astype(np.float32).reshape(n, k // BLOCK, BLOCK)
    lo = np.minimum(b.min(axis=-1), 0.0)
    hi = np.maximum(b.max(axis=-1), 0.0)
    scale = ((hi - lo) / levels).astype(np.float32)
    safe = np.where(scale == 0, 1.0, scale).astype(np.float32)
    zp = np.clip(np.round(-lo / safe), 0, levels).astype(np.uint8)
    q = np.clip(np.round(b / safe[..., None]) + zp[..., None], 0, levels).astype(np.uint8)
    return q, scale, zp


def quantize_blocks_offset(w_nk: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """4-bit blocks of 32 as llama.cpp's Q4_1 has them: w = code * scale + offset, with
    a float offset per block (codes 0..15, zero point 0). MatMulNBits has only integer
    zero points, so the offset is applied by the graph as a correction term (see
    quantize_graph). The scale is the grid spacing when the block's values lie on a
    grid of at most 16 levels, which weights dequantized from Q4_1 do: then the codes
    reproduce the weights exactly. Otherwise it is (max - min) / 15.
    Returns codes [N, K/32, 32] uint8, scales [N, K/32], offsets [N, K/32] (float32)."""
    n, k = w_nk.shape
    if k % BLOCK:
        raise QuantizeError(f"input dimension {k} is not a multiple of {BLOCK}")
    b = w_nk.astype(np.float32).reshape(n, k // BLOCK, BLOCK)
    lo = b.min(axis=-1)
    hi = b.max(axis=-1)
    span = (hi - lo) / 15.0
    # grid spacing: the smallest gap between distinct sorted values of the block
    srt = np.sort(b, axis=-1)
    gaps = np.diff(srt, axis=-1)
    tol = np.maximum(np.abs(hi - lo), 1e-30)[..., None] * 1e-4
    gaps = np.where(gaps > tol, gaps, np.inf)
    step = gaps.min(axis=-1)
    levels = (b - lo[..., None]) / np.where(np.isfinite(step), step, 1.0)[..., None]
    on_grid = np.isfinite(step) & (np.abs(levels - np.round(levels)).max(axis=-1) < 1e-2) & (np.round(levels).max(axis=-1) <= 15)
    scale = np.where(on_grid, step, span).astype(np.float32)
    safe = np.where(scale == 0, 1.0, scale).astype(np.float32)
    q = np.clip(np.round((b - lo[..., None]) / safe[..., None]), 0, 15).astype(np.uint8)
    return q, scale, lo.astype(np.float32)


def quantize_symmetric8(w_nk: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """8-bit symmetric blocks (llama.cpp's Q8_0): scale = max|w| / 127, code = round(w /
    scale) + 128 (MatMulNBits' implied zero point for 8 bits). Returns codes [N, K]
    uint8 and scales [N, K/32] float32."""
    n, k = w_nk.shape
    if k % BLOCK:
        raise QuantizeError(f"input dimension {k} is not a multiple of {BLOCK}")
    b = w_nk.astype(np.float32).reshape(n, k // BLOCK, BLOCK)
    scale = (np.abs(b).max(axis=-1) / 127.0).astype(np.float32)
    safe = np.where(scale == 0, 1.0, scale).astype(np.float32)
    q = (np.clip(np.round(b / safe[..., None]), -127, 127) + 128).astype(np.uint8)
    return q.reshape(n, k), scale


def pack4(q: np.ndarray) -> np.ndarray:
    """uint8 codes [..., 2m] in 0..15 -> [..., m] bytes, the even element in the low nibble."""
    return (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)


class _ExternalFile:
    """Tensors appended to one external-data file, each at an aligned offset."""

    def __init__(self, path: Path):
        self.path = path
        self.f = open(path, "wb")
        self.pos = 0

    def add(self, tensor, data: bytes) -> int:
        """Append `data` as `tensor`'s external data; returns its offset in the file."""
        from onnx.external_data_helper import set_external_data

        pad = (-self.pos) % ALIGN
        if pad:
            self.f.write(b"\0" * pad)
            self.pos += pad
        self.f.write(data)
        set_external_data(tensor, location=self.path.name, offset=self.pos, length=len(data))
        tensor.data_location = 1  # onnx.TensorProto.EXTERNAL
        tensor.ClearField("raw_data")
        offset = self.pos
        self.pos += len(data)
        return offset

    def close(self) -> None:
        self.f.close()


def _tensor(name: str, arr: np.ndarray):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.ascontiguousarray(arr), name)


def quantize_graph(
    src: Path,
    out_dir: Path,
    bits: int = 4,
    accuracy_level: int = 0,
    tied_table: Optional[np.ndarray] = None,
    head: str = "nbits",
) -> Dict[str, object]:
    """Rewrite the float32 graph `src` into `out_dir/backbone.onnx` + `backbone.weights`
    (+ `embeddings.q8` when `tied_table` [vocab, dim] is given: the tied lm_head).
    `accuracy_level` is the MatMulNBits compute precision. The tied vocabulary projection
    reads the Q8_0 table in `embeddings.q8` either as an 8-bit MatMulNBits at that level
    (`head="nbits"`) or, with `head="float32"`, through Cast/Sub/Mul/Reshape/Transpose
    nodes whose inputs are all initializers, so onnxruntime folds them into one float32
    table when the session is created (4 bytes a weight in memory, none more on disk) and
    the projection is an exact float32 MatMul. Why: onnxruntime's CPU MatMulNBits runs
    4-bit weights as fast with float32 activations (level 1) as with int8 ones (level 4),
    but has a float32 kernel for 8 bits only by dequantizing the table at every call
    (about 100x slower per decoded token), and int8 activations round differently for
    inputs that differ in the last bits (models/README.md, "Quantization").
    Returns a summary: {"bits", "quantized": n, "lm_head": bool, "embeddings_scales_offset": int,
    "accuracy_level", "head"}."""
    import onnx
    from onnx import helper, numpy_helper

    if bits not in (4, 8):
        raise QuantizeError(f"bits must be 4 or 8 (got {bits})")
    if head not in ("nbits", "float32"):
        raise QuantizeError(f"head must be nbits or float32 (got {head})")
    m = onnx.load(str(src))
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    consumers: Dict[str, int] = {}
    for node in g.node:
        for i in node.input:
            consumers[i] = consumers.get(i, 0) + 1
    new_nodes = []
    new_inits: List = []
    drop = set()
    weights = _ExternalFile(out_dir / WEIGHTS_FILE)
    emb_file = _ExternalFile(out_dir / EMBEDDINGS_FILE) if tied_table is not None else None
    n_quant = 0
    lm_head = False
    scales_offset = 0
    try:
        for node in g.node:
            w_name = node.input[1] if node.op_type == "MatMul" and len(node.input) == 2 else None
            w = inits.get(w_name) if w_name else None
            if w is not None and BASE_MATMUL.match(node.name):
                if consumers.get(w_name, 0) != 1:
                    raise QuantizeError(f"weight {w_name} is shared; cannot quantize it in place")
                kn = numpy_helper.to_array(w)  # MatMul weight [K, N]
                k, n = kn.shape
                base = node.name.strip("/").replace("/", ".")
                if bits == 4:
                    q, scale, offset = quantize_blocks_offset(kn.T)
                    zp = np.zeros_like(q[..., 0])
                else:
                    q, scale, zp = quantize_blocks(kn.T, bits)
                    offset = None
                tb = _tensor(base + ".qweight", pack4(q) if bits == 4 else q)
                ts = _tensor(base + ".scales", scale.reshape(-1))
                tz = _tensor(base + ".zero_points", (pack4(_pad_even(zp)) if bits == 4 else zp).reshape(-1))
                group = [tb, ts, tz]
                out_name = node.output[0]
                mm_out = out_name if offset is None else out_name + "/nbits"
                new_nodes.append(
                    helper.make_node(
                        "MatMulNBits", [node.input[0], tb.name, ts.name, tz.name], [mm_out], name=node.name,
                        domain="com.microsoft", K=k, N=n, bits=bits, block_size=BLOCK, accuracy_level=accuracy_level,
                    )
                )
                if offset is not None:
                    # y = x W + sum_j (sum of x over block j) * offset[j, :]: the per-block
                    # float offsets MatMulNBits cannot hold (k/32 inputs: a small matmul)
                    nb = k // BLOCK
                    tshape = _tensor(base + ".block_shape", np.array([0, 0, nb, BLOCK], dtype=np.int64))
                    taxes = _tensor(base + ".block_axes", np.array([-1], dtype=np.int64))
                    toff = _tensor(base + ".offsets", np.ascontiguousarray(offset.T))  # [nb, N]
                    group += [toff]
                    new_inits += [tshape, taxes]
                    new_nodes += [
                        helper.make_node("Reshape", [node.input[0], tshape.name], [out_name + "/blocks"], name=node.name + "/blocks"),
                        helper.make_node("ReduceSum", [out_name + "/blocks", taxes.name], [out_name + "/block_sums"], name=node.name + "/block_sums", keepdims=0),
                        helper.make_node("MatMul", [out_name + "/block_sums", toff.name], [out_name + "/offset"], name=node.name + "/offset"),
                        helper.make_node("Add", [mm_out, out_name + "/offset"], [out_name], name=node.name + "/add_offset"),
                    ]
                for t in group:
                    weights.add(t, numpy_helper.to_array(t).tobytes())
                new_inits += group
                drop.add(w_name)
                n_quant += 1
                continue
            if w is not None and tied_table is not None and tuple(w.dims) == (tied_table.shape[1], tied_table.shape[0]):
                if lm_head:
                    raise QuantizeError("two MatMuls use the embedding table")
                kn = numpy_helper.to_array(w)
                if not np.array_equal(kn.T, tied_table.astype(np.float32)):
                    raise QuantizeError(f"the projection {node.name} does not use the tied embedding table")
                q, scale = quantize_symmetric8(tied_table)
                vocab, dim = tied_table.shape
                tb = _tensor("lm_head.qweight", q.reshape(q.shape[0], -1, BLOCK))
                # the same bytes either way; the float32 head broadcasts a scale over its block
                ts = _tensor("lm_head.scales", scale.reshape(-1) if head == "nbits" else scale.reshape(vocab, -1, 1))
                assert emb_file is not None
                emb_file.add(tb, q.tobytes())
                scales_offset = emb_file.add(ts, scale.tobytes())
                new_inits += [tb, ts]
                drop.add(w_name)
                if head == "nbits":
                    new_nodes.append(
                        helper.make_node(
                            "MatMulNBits", [node.input[0], tb.name, ts.name], list(node.output), name=node.name,
                            domain="com.microsoft", K=dim, N=vocab, bits=8, block_size=BLOCK, accuracy_level=accuracy_level,
                        )
                    )
                else:
                    # w = (code - 128) * scale, [vocab, dim] -> [dim, vocab]: constants only, folded once
                    tzero = _tensor("lm_head.zero_point", np.array(128.0, np.float32))
                    tshape = _tensor("lm_head.shape", np.array([vocab, dim], dtype=np.int64))
                    new_inits += [tzero, tshape]
                    h = node.name + "/head"
                    new_nodes += [
                        helper.make_node("Cast", [tb.name], [h + "/codes"], name=h + "/cast", to=onnx.TensorProto.FLOAT),
                        helper.make_node("Sub", [h + "/codes", tzero.name], [h + "/centered"], name=h + "/center"),
                        helper.make_node("Mul", [h + "/centered", ts.name], [h + "/blocks"], name=h + "/scale"),
                        helper.make_node("Reshape", [h + "/blocks", tshape.name], [h + "/table"], name=h + "/table"),
                        helper.make_node("Transpose", [h + "/table"], [h + "/weight"], name=h + "/transpose", perm=[1, 0]),
                        helper.make_node("MatMul", [node.input[0], h + "/weight"], list(node.output), name=node.name),
                    ]
                lm_head = True
                continue
            new_nodes.append(node)
        if tied_table is not None and not lm_head:
            raise QuantizeError("no vocabulary projection over the tied embedding table was found")
        kept = [t for t in g.initializer if t.name not in drop]
        readers = _reader_table(g)
        for t in kept:
            # the frozen float tensors too (norm weights); the LoRA factors stay inline
            if not _is_lora(readers.get(t.name, "")) and t.data_location != 1 and len(t.raw_data) >= 1024:
                weights.add(t, t.raw_data)
        del g.node[:]
        g.node.extend(new_nodes)
        del g.initializer[:]
        g.initializer.extend(kept + new_inits)
    finally:
        weights.close()
        if emb_file is not None:
            emb_file.close()
    if not any(o.domain == "com.microsoft" for o in m.opset_import):
        m.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(m, str(out_dir / "backbone.onnx"))
    return {"bits": bits, "quantized": n_quant, "lm_head": lm_head, "embeddings_scales_offset": scales_offset, "accuracy_level": accuracy_level, "head": head}


def _reader_table(g) -> Dict[str, str]:
    """Tensor name -> the names of the nodes that read it, joined."""
    table: Dict[str, List[str]] = {}
    for node in g.node:
        for i in node.input:
            table.setdefault(i, []).append(node.name)
    return {k: " ".join(v) for k, v in table.items()}


def _is_lora(readers: str) -> bool:
    """LoRA factors are read by `.../wq/MatMul_1` (A) and `.../wq/MatMul_2` (B)."""
    return re.search(r"/w[qkvo123]/MatMul_[12]\b", readers) is not None


def _pad_even(zp: np.ndarray) -> np.ndarray:
    if zp.shape[-1] % 2:
        zp = np.concatenate([zp, np.zeros(zp.shape[:-1] + (1,), dtype=zp.dtype)], axis=-1)
    return zp
