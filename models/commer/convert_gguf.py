"""Convert a Llama-family GGUF file (llama.cpp's format) to the internal checkpoint.

    .venv/bin/python -m models.commer.convert_gguf --in model.gguf --out models/runs/x.ckpt

This is also the "bring the model you already have" path: LM Studio and Ollama keep
GGUF files on disk (Ollama's blobs are GGUF files without the extension).

What is read, through llama.cpp's own `gguf` library:
- hyper-parameters from `llama.*` keys; `general.architecture` must be `llama`
  (SmolLM2, TinyLlama, Llama 2/3.x and most fine-tunes of them say so);
- tensors, dequantized to float32 by `gguf.quants.dequantize` (F32, F16, BF16 and
  the block formats Q4_0 ... Q8_0 and K-quants that library implements);
- the tokenizer: a byte-level BPE vocabulary (`tokenizer.ggml.model == "gpt2"`) is
  rebuilt as a Hugging Face tokenizer.json with the `tokenizers` library: vocabulary
  and merges from the file, the pre-tokenizer its `tokenizer.ggml.pre` names, the
  tokens it marks as control as special added tokens, and its chat template.

llama.cpp stores wq/wk permuted for its interleaved RoPE; model.py uses the
rotate-half layout of Hugging Face checkpoints, so both are permuted back (the
inverse of llama.cpp's convert_hf_to_gguf permute).

Refused with the reason: other architectures, tensor types the library cannot
dequantize, RoPE scaling, biases, SentencePiece ("llama") vocabularies (convert
those through convert_hf with their tokenizer.model), pre-tokenizers we do not know.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np
import torch

from .checkpoint import HFJsonTokenizer, save_checkpoint
from .hashing import sha256_file
from .model import ModelConfig


class GGUFConvertError(ValueError):
    """A GGUF file this converter does not handle, with the reason."""


# tokenizer.ggml.pre -> the split regexes llama.cpp applies before byte-level BPE
# (llama-vocab.cpp). GPT-2's own regex is what tokenizers' ByteLevel(use_regex=True) does.
GPT2_SPLIT = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
PRE_TOKENIZERS: Dict[str, Tuple[str, ...]] = {
    # SmolLM / StarCoder family: every digit on its own, then GPT-2's split
    "smollm": (r"\p{N}", GPT2_SPLIT),
    "starcoder": (r"\p{N}", GPT2_SPLIT),
    "refact": (r"\p{N}", GPT2_SPLIT),
    "gpt-2": (GPT2_SPLIT,),
    "gpt2": (GPT2_SPLIT,),
    "default": (GPT2_SPLIT,),
    "llama3": (LLAMA3_SPLIT,),
    "llama-bpe": (LLAMA3_SPLIT,),
    "llama-v3": (LLAMA3_SPLIT,),
}

TOKEN_TYPE_CONTROL = 3
TOKEN_TYPE_USER_DEFINED = 4

# GGUF tensor name (after "blk.N.") -> Backbone name (after "layers.N.")
LAYER_NAMES = {
    "attn_norm.weight": "attention_norm.weight",
    "attn_q.weight": "attention.wq.weight",
    "attn_k.weight": "attention.wk.weight",
    "attn_v.weight": "attention.wv.weight",
    "attn_output.weight": "attention.wo.weight",
    "ffn_norm.weight": "ffn_norm.weight",
    "ffn_gate.weight": "feed_forward.w1.weight",
    "ffn_down.weight": "feed_forward.w2.weight",
    "ffn_up.weight": "feed_forward.w3.weight",
}
GLOBAL_NAMES = {"token_embd.weight": "tok_embeddings.weight", "output_norm.weight": "norm.weight", "output.weight": "output.weight"}
IGNORED = {"rope_freqs.weight"}  # only present with rope scaling, which is refused before


def _field(reader, key: str, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    return f.contents()


def _require(reader, key: str):
    v = _field(reader, key)
    if v is None:
        raise GGUFConvertError(f"the file lacks the key {key!r}")
    return v


def open_gguf(path: Union[str, Path]):
    from gguf import GGUFReader

    path = Path(path)
    if not path.is_file():
        raise GGUFConvertError(f"GGUF file not found: {path}")
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise GGUFConvertError(f"{path} is not a GGUF file (no GGUF magic)")
    try:
        return GGUFReader(path)
    except Exception as e:  # the reader raises plain ValueErrors on damage
        raise GGUFConvertError(f"{path} could not be read as GGUF: {e}") from e


def config_from_gguf(reader, max_positions: int = 2048) -> ModelConfig:
    arch = _require(reader, "general.architecture")
    if arch != "llama":
        raise GGUFConvertError(f"architecture {arch!r} is not supported (only 'llama': SmolLM2, TinyLlama, Llama 2/3.x, ...)")
    for key in ("llama.rope.scaling.type", "llama.rope.scaling.factor"):
        v = _field(reader, key)
        if v not in (None, "none", 1.0, 0.0):
            raise GGUFConvertError(f"RoPE scaling ({key} = {v!r}) is not supported; only plain RoPE")
    if any(t.name == "rope_freqs.weight" for t in reader.tensors):
        raise GGUFConvertError("the file carries rope_freqs (Llama 3.1-style RoPE scaling), which is not supported")
    if _field(reader, "llama.expert_count"):
        raise GGUFConvertError("mixture-of-experts models are not supported")
    dim = int(_require(reader, "llama.embedding_length"))
    n_heads = int(_require(reader, "llama.attention.head_count"))
    n_kv = int(_field(reader, "llama.attention.head_count_kv", n_heads))
    head_dim = dim // n_heads
    rope_dim = int(_field(reader, "llama.rope.dimension_count", head_dim))
    if rope_dim != head_dim or dim % n_heads:
        raise GGUFConvertError(f"partial RoPE or head_dim != dim / heads is not supported (rope dims {rope_dim}, head_dim {head_dim})")
    key_len = _field(reader, "llama.attention.key_length")
    if key_len is not None and int(key_len) != head_dim:
        raise GGUFConvertError(f"attention key_length {key_len} differs from dim / heads = {head_dim}")
    tokens = _require(reader, "tokenizer.ggml.tokens")
    vocab = int(_field(reader, "llama.vocab_size", len(tokens)))
    ctx = int(_field(reader, "llama.context_length", max_positions))
    has_output = any(t.name == "output.weight" for t in reader.tensors)
    return ModelConfig(
        dim=dim,
        n_layers=int(_require(reader, "llama.block_count")),
        n_heads=n_heads,
        n_kv_heads=n_kv,
        hidden_dim=int(_require(reader, "llama.feed_forward_length")),
        vocab_size=vocab,
        max_positions=max(2048, min(ctx, 8192)),
        rope_theta=float(_field(reader, "llama.rope.freq_base", 10000.0)),
        norm_eps=float(_field(reader, "llama.attention.layer_norm_rms_epsilon", 1e-5)),
        tied_embeddings=not has_output,
    )


def unpermute_rope(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's interleaved-RoPE permutation of a [heads*head_dim, dim] weight."""
    half = w.shape[0] // n_heads // 2
    return w.reshape(n_heads, half, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def dequantize_tensor(t) -> np.ndarray:
    """A GGUF tensor as float32 in PyTorch's [out, in] order."""
    from gguf import GGMLQuantizationType
    from gguf.quants import dequantize

    qtype = GGMLQuantizationType(t.tensor_type)
    try:
        arr = dequantize(t.data, qtype)
    except NotImplementedError as e:
        raise GGUFConvertError(f"tensor {t.name} has type {qtype.name}, which the gguf library cannot dequantize") from e
    shape = tuple(int(x) for x in reversed(t.shape.tolist()))  # GGUF lists ne0 (the row length) first
    arr = np.asarray(arr, dtype=np.float32).reshape(shape)
    if not np.isfinite(arr).all():
        raise GGUFConvertError(f"tensor {t.name} contains NaN or infinity")
    return arr


def state_from_gguf(reader, cfg: ModelConfig) -> Dict[str, torch.Tensor]:
    state: Dict[str, torch.Tensor] = {}
    for t in reader.tensors:
        name = t.name
        if name in IGNORED:
            continue
        if name in GLOBAL_NAMES:
            target = GLOBAL_NAMES[name]
        elif name.startswith("blk."):
            _, idx, rest = name.split(".", 2)
            if rest not in LAYER_NAMES:
                raise GGUFConvertError(f"tensor {name} is not part of a plain Llama block (biases and other extras are not supported)")
            target = f"layers.{int(idx)}.{LAYER_NAMES[rest]}"
        else:
            raise GGUFConvertError(f"unexpected tensor {name}")
        arr = dequantize_tensor(t)
        if rest_is(name, "attn_q.weight"):
            arr = unpermute_rope(arr, cfg.n_heads)
        elif rest_is(name, "attn_k.weight"):
            arr = unpermute_rope(arr, cfg.n_kv_heads)
        state[target] = torch.from_numpy(np.array(arr, dtype=np.float32, copy=True))
    return state


def rest_is(name: str, suffix: str) -> bool:
    return name.startswith("blk.") and name.endswith("." + suffix)


def tokenizer_from_gguf(reader) -> HFJsonTokenizer:
    """The file's byte-level BPE vocabulary as a tokenizer.json (through `tokenizers`)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

    kind = _require(reader, "tokenizer.ggml.model")
    if kind != "gpt2":
        raise GGUFConvertError(
            f"tokenizer model {kind!r} is not supported here: only byte-level BPE ('gpt2'); "
            "a SentencePiece model converts through convert_hf with its tokenizer.model"
        )
    pre = str(_field(reader, "tokenizer.ggml.pre", "default"))
    if pre not in PRE_TOKENIZERS:
        raise GGUFConvertError(f"pre-tokenizer {pre!r} is not known to this converter (known: {', '.join(sorted(PRE_TOKENIZERS))})")
    tokens: List[str] = list(_require(reader, "tokenizer.ggml.tokens"))
    types: List[int] = list(_field(reader, "tokenizer.ggml.token_type", [1] * len(tokens)))
    merges_raw: List[str] = list(_require(reader, "tokenizer.ggml.merges"))
    vocab = {tok: i for i, tok in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise GGUFConvertError("the vocabulary holds the same token twice")
    merges = []
    for m in merges_raw:
        a, sep, b = m.partition(" ")
        if not sep:
            raise GGUFConvertError(f"malformed merge {m!r}")
        merges.append((a, b))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False, ignore_merges=False))
    splits = [pre_tokenizers.Split(Regex(rx), behavior="isolated") for rx in PRE_TOKENIZERS[pre]]
    tok.pre_tokenizer = pre_tokenizers.Sequence([*splits, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    control = [AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty == TOKEN_TYPE_CONTROL]
    user = [AddedToken(t, special=False, normalized=False) for t, ty in zip(tokens, types) if ty == TOKEN_TYPE_USER_DEFINED]
    tok.add_special_tokens(control)
    if user:
        tok.add_tokens(user)
    if tok.get_vocab_size(with_added_tokens=True) != len(tokens):
        raise GGUFConvertError("rebuilding the tokenizer changed the vocabulary size")
    data = json.loads(tok.to_str())
    bos = _field(reader, "tokenizer.ggml.bos_token_id")
    eos = _field(reader, "tokenizer.ggml.eos_token_id")
    pad = _field(reader, "tokenizer.ggml.padding_token_id", eos)
    eot = _field(reader, "tokenizer.ggml.eot_token_id")
    stop = [int(i) for i in (eos, eot) if i is not None]
    # a chat model also stops on its end-of-text token when it has one besides EOS
    eot_text = vocab.get("<|endoftext|>")
    if eot_text is not None and eot_text not in stop and types[eot_text] == TOKEN_TYPE_CONTROL:
        stop.append(int(eot_text))
    special = {
        "bos_id": None if bos is None else int(bos),
        "eos_id": None if eos is None else int(eos),
        "pad_id": None if pad is None else int(pad),
        "stop_ids": stop,
    }
    return HFJsonTokenizer(data, special)


def convert(src: Union[str, Path], out: Union[str, Path], max_positions: int = 2048) -> Path:
    src = Path(src)
    reader = open_gguf(src)
    cfg = config_from_gguf(reader, max_positions)
    tok = tokenizer_from_gguf(reader)
    if tok.vocab_size != cfg.vocab_size:
        raise GGUFConvertError(f"the tokenizer has {tok.vocab_size} tokens but the model's vocabulary is {cfg.vocab_size}")
    state = state_from_gguf(reader, cfg)
    qtypes = sorted({_qtype_name(t) for t in reader.tensors})
    extra = {
        "source": src.name,
        "source_sha256": sha256_file(src),
        "converter": "convert_gguf",
        "gguf_name": _field(reader, "general.name"),
        "license": _field(reader, "general.license"),
        "organization": _field(reader, "general.organization"),
        "tensor_types": qtypes,
        "chat_template": _field(reader, "tokenizer.chat_template"),
    }
    return save_checkpoint(out, cfg, state, tok, extra)


def _qtype_name(t) -> str:
    from gguf import GGMLQuantizationType

    return GGMLQuantizationType(t.tensor_type).name


def main(argv: Optional[List[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--in", dest="src", required=True, help="a .gguf file")
    ap.add_argument("--out", required=True, help="internal checkpoint to write")
    ap.add_argument("--max-positions", type=int, default=2048)
    a = ap.parse_args(argv)
    try:
        p = convert(a.src, a.out, a.max_positions)
    except GGUFConvertError as e:
        raise SystemExit(f"convert_gguf: {e}") from None
    print(f"wrote {p}")


if __name__ == "__main__":
    main()
