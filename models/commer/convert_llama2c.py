"""Convert a llama2.c checkpoint (+ its tokenizer.bin) to the internal checkpoint.

    /usr/bin/python3 -m models.commer.convert_llama2c \\
        --model ../shared/models/stories260K/stories260K.bin \\
        --tokenizer ../shared/models/stories260K/tok512.bin --out models/runs/stories260k.pt

Model file (llama2.c "legacy" version 0, as run.c's memory_map_weights reads it):
7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a
negative vocab_size means an untied classifier), then float32 tensors in this order:
token_embedding [V,D], rms_att [L,D], wq [L,D,D], wk [L,KV,D], wv [L,KV,D],
wo [L,D,D], rms_ffn [L,D], w1 [L,H,D], w2 [L,D,H], w3 [L,H,D], rms_final [D],
freq_cis_real and freq_cis_imag [seq_len, head_dim/2] each (unused), wcls [V,D] if
untied. Each matrix is stored as PyTorch's nn.Linear weight ([out, in], row major).

Tokenizer file: int32 max_token_length, then per token: float32 score, int32 byte
length, bytes. llama2.c's exporter wrote "▁" as " " and BOS/EOS as "\\n<s>\\n" and
"\\n</s>\\n"; this converter undoes that and rebuilds a SentencePiece BPE ModelProto
(byte pieces <0x00>..<0xFF> as BYTE, identity normalization, dummy prefix on).

llama2.c applies RoPE to interleaved pairs (2i, 2i+1); model.py rotates halves
(i, i + head_dim/2). wq and wk rows are permuted per head so both compute the same
attention (the permutation Hugging Face's Llama conversion uses).
"""

from __future__ import annotations

import argparse
import re
import struct
from pathlib import Path
from typing import Dict, List, Tuple, Union

import numpy as np
import torch

from .checkpoint import save_checkpoint
from .model import ModelConfig
from .tokenizer import BYTE, CONTROL, NORMAL, SPACE, UNKNOWN, Tokenizer, build_bpe_model_proto

HEADER = struct.Struct("<7i")
_BYTE_RE = re.compile(r"^<0x[0-9A-F]{2}>$")


class Llama2cError(ValueError):
    pass


def interleaved_to_half(w: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Reorder the output rows of a q/k projection from interleaved RoPE pairs to
    rotate-half order, per head."""
    out, dim = w.shape
    hd = out // n_heads
    return w.view(n_heads, hd // 2, 2, dim).transpose(1, 2).reshape(out, dim)


def read_llama2c_model(path: Union[str, Path], max_positions: int = 2048) -> Tuple[ModelConfig, Dict[str, torch.Tensor], dict]:
    path = Path(path)
    if not path.is_file():
        raise Llama2cError(f"llama2.c model not found: {path}")
    raw = path.read_bytes()
    if len(raw) < HEADER.size:
        raise Llama2cError(f"{path} is too short for a llama2.c header ({len(raw)} bytes)")
    if raw[:4] == b"ak42":
        raise Llama2cError(f"{path} is a llama2.c version 1/2 file (magic 'ak42'); only the legacy version 0 layout is supported")
    dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = HEADER.unpack_from(raw, 0)
    tied = vocab > 0
    vocab = abs(vocab)
    if min(dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len) <= 0 or dim % n_heads or n_heads % n_kv_heads:
        raise Llama2cError(
            f"{path}: implausible header dim={dim} hidden={hidden} layers={n_layers} heads={n_heads} "
            f"kv_heads={n_kv_heads} vocab={vocab} seq_len={seq_len}"
        )
    hd = dim // n_heads
    kv = n_kv_heads * hd
    L = n_layers
    layout: List[Tuple[str, Tuple[int, ...]]] = [
        ("token_embedding", (vocab, dim)),
        ("rms_att", (L, dim)),
        ("wq", (L, n_heads * hd, dim)),
        ("wk", (L, kv, dim)),
        ("wv", (L, kv, dim)),
        ("wo", (L, dim, n_heads * hd)),
        ("rms_ffn", (L, dim)),
        ("w1", (L, hidden, dim)),
        ("w2", (L, dim, hidden)),
        ("w3", (L, hidden, dim)),
        ("rms_final", (dim,)),
        ("freq_cis_real", (seq_len, hd // 2)),
        ("freq_cis_imag", (seq_len, hd // 2)),
    ]
    if not tied:
        layout.append(("wcls", (vocab, dim)))
    need = sum(int(np.prod(s)) for _, s in layout) * 4 + HEADER.size
    if len(raw) != need:
        raise Llama2cError(f"{path} has {len(raw)} bytes; its header implies exactly {need} (truncated or not llama2.c v0)")
    data = np.frombuffer(raw, dtype="<f4", offset=HEADER.size)
    t: Dict[str, torch.Tensor] = {}
    off = 0
    for name, shape in layout:
        n = int(np.prod(shape))
        t[name] = torch.from_numpy(data[off : off + n].astype(np.float32).reshape(shape).copy())
        off += n
    cfg = ModelConfig(
        dim=dim,
        n_layers=n_layers,
        n_heads=n_heads,
        n_kv_heads=n_kv_heads,
        hidden_dim=hidden,
        vocab_size=vocab,
        max_positions=max(max_positions, seq_len),
        rope_theta=10000.0,
        norm_eps=1e-5,
        tied_embeddings=tied,
    )
    sd: Dict[str, torch.Tensor] = {"tok_embeddings.weight": t["token_embedding"], "norm.weight": t["rms_final"]}
    for i in range(L):
        p = f"layers.{i}."
        sd[p + "attention_norm.weight"] = t["rms_att"][i]
        sd[p + "attention.wq.weight"] = interleaved_to_half(t["wq"][i], n_heads)
        sd[p + "attention.wk.weight"] = interleaved_to_half(t["wk"][i], n_kv_heads)
        sd[p + "attention.wv.weight"] = t["wv"][i]
        sd[p + "attention.wo.weight"] = t["wo"][i]
        sd[p + "ffn_norm.weight"] = t["rms_ffn"][i]
        sd[p + "feed_forward.w1.weight"] = t["w1"][i]
        sd[p + "feed_forward.w2.weight"] = t["w2"][i]
        sd[p + "feed_forward.w3.weight"] = t["w3"][i]
    if not tied:
        sd["output.weight"] = t["wcls"]
    sd = {k: v.contiguous() for k, v in sd.items()}
    return cfg, sd, {"trained_seq_len": seq_len}


def read_llama2c_tokenizer(path: Union[str, Path], vocab_size: int) -> Tokenizer:
    path = Path(path)
    if not path.is_file():
        raise Llama2cError(f"llama2.c tokenizer not found: {path}")
    raw = path.read_bytes()
    off = 4
    pieces: List[Tuple[str, float, int]] = []
    try:
        for i in range(vocab_size):
            score, n = struct.unpack_from("<fi", raw, off)
            off += 8
            if n < 0 or off + n > len(raw):
                raise Llama2cError(f"{path}: token {i} has an impossible length {n}")
            text = raw[off : off + n].decode("utf-8")
            off += n
            pieces.append((text, score, NORMAL))
    except struct.error as e:
        raise Llama2cError(f"{path} ends after {len(pieces)} tokens; the model needs {vocab_size}") from e
    except UnicodeDecodeError as e:
        raise Llama2cError(f"{path}: token {len(pieces)} is not valid UTF-8") from e
    if off != len(raw):
        raise Llama2cError(f"{path} has {len(raw) - off} bytes after {vocab_size} tokens; vocabulary size mismatch")
    fixed: List[Tuple[str, float, int]] = []
    for i, (text, score, _) in enumerate(pieces):
        if i == 0:
            fixed.append((text, 0.0, UNKNOWN))
        elif i in (1, 2):
            fixed.append((text.strip("\n"), 0.0, CONTROL))
        elif _BYTE_RE.match(text):
            fixed.append((text, 0.0, BYTE))
        else:
            fixed.append((text.replace(" ", SPACE), score, NORMAL))
    if [p for p, _, _ in fixed[:3]] != ["<unk>", "<s>", "</s>"]:
        raise Llama2cError(f"{path}: expected <unk>, <s>, </s> as ids 0-2, found {[p for p, _, _ in fixed[:3]]}")
    n_bytes = sum(1 for _, _, ty in fixed if ty == BYTE)
    proto = build_bpe_model_proto(fixed, byte_fallback=n_bytes == 256, add_dummy_prefix=True, remove_extra_whitespaces=False)
    return Tokenizer(proto)


def convert(model_path, tokenizer_path, out_path, max_positions: int = 2048) -> Path:
    cfg, sd, info = read_llama2c_model(model_path, max_positions)
    tok = read_llama2c_tokenizer(tokenizer_path, cfg.vocab_size)
    extra = {"source": str(model_path), "tokenizer_source": str(tokenizer_path), "converter": "llama2c", **info}
    return save_checkpoint(out_path, cfg, sd, tok, extra)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="llama2.c .bin checkpoint")
    ap.add_argument("--tokenizer", required=True, help="llama2.c tokenizer .bin")
    ap.add_argument("--out", required=True, help="output checkpoint (.pt)")
    ap.add_argument("--max-positions", type=int, default=2048)
    a = ap.parse_args(argv)
    try:
        p = convert(a.model, a.tokenizer, a.out, a.max_positions)
    except (Llama2cError, ValueError) as e:
        ap.exit(2, f"error: {e}\n")
    print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
