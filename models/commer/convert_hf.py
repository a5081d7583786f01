"""Convert a Llama-family Hugging Face folder to the internal checkpoint.

    /usr/bin/python3 -m models.commer.convert_hf --in path/to/hf-folder --out models/runs/x.pt

The folder needs `config.json` (model_type llama or mistral, SiLU MLP, no biases, no
rope_scaling), one or more `*.safetensors` (F32/F16/BF16; stored as float32) and a
tokenizer: `tokenizer.model` (SentencePiece BPE: used for Python-side tokenization
and converted to tokenizer.json for the pack) or, failing that, `tokenizer.json`,
which is kept verbatim and copied into packs; Python code can then not tokenize
(no `tokenizers` package here), so training/evaluation on such a checkpoint needs a
tokenizer.model.

Hugging Face's q_proj/k_proj are already in rotate-half RoPE order (its own
conversion permuted them), the layout model.py uses, so weights map one to one:
embed_tokens -> tok_embeddings, q/k/v/o_proj -> wq/wk/wv/wo, gate_proj -> w1,
down_proj -> w2, up_proj -> w3, input_layernorm -> attention_norm,
post_attention_layernorm -> ffn_norm, model.norm -> norm, lm_head -> output.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file as _load_safetensors

from .checkpoint import HFJsonTokenizer, save_checkpoint
from .model import ModelConfig
from .tokenizer import Tokenizer, TokenizerError

SUPPORTED_TYPES = ("llama", "mistral")


class HFConvertError(ValueError):
    pass


def load_file(path: Path) -> dict[str, torch.Tensor]:
    """All tensors of one .safetensors file (the `safetensors` library), floating types as float32."""
    try:
        tensors = _load_safetensors(str(path))
    except (SafetensorError, OSError) as e:
        raise HFConvertError(f"{path} is not a readable safetensors file (bad header or truncated): {e}") from e
    return {k: (v.to(torch.float32) if v.is_floating_point() else v) for k, v in tensors.items()}


def config_from_hf(c: dict, max_positions: int = 2048) -> ModelConfig:
    mt = c.get("model_type")
    if mt not in SUPPORTED_TYPES:
        raise HFConvertError(f"model_type {mt!r} is not supported (supported: {', '.join(SUPPORTED_TYPES)})")
    act = c.get("hidden_act", "silu")
    if act not in ("silu", "swish"):
        raise HFConvertError(f"hidden_act {act!r} is not supported; the model uses a SiLU-gated MLP")
    if c.get("attention_bias") or c.get("mlp_bias"):
        raise HFConvertError("attention_bias / mlp_bias are not supported (the model has no linear biases)")
    if c.get("rope_scaling"):
        raise HFConvertError(f"rope_scaling {c['rope_scaling']!r} is not supported; only plain RoPE")
    try:
        dim = int(c["hidden_size"])
        n_heads = int(c["num_attention_heads"])
        cfg = ModelConfig(
            dim=dim,
            n_layers=int(c["num_hidden_layers"]),
            n_heads=n_heads,
            n_kv_heads=int(c.get("num_key_value_heads") or n_heads),
            hidden_dim=int(c["intermediate_size"]),
            vocab_size=int(c["vocab_size"]),
            max_positions=max(max_positions, int(c.get("max_position_embeddings", 0))),
            rope_theta=float(c.get("rope_theta", 10000.0)),
            norm_eps=float(c.get("rms_norm_eps", 1e-6)),
            tied_embeddings=bool(c.get("tie_word_embeddings", False)),
        )
    except KeyError as e:
        raise HFConvertError(f"config.json lacks {e.args[0]!r}") from e
    if dim % n_heads or n_heads % cfg.n_kv_heads:
        raise HFConvertError(f"hidden_size {dim} / heads {n_heads} / kv heads {cfg.n_kv_heads} do not divide evenly")
    hd = c.get("head_dim")
    if hd is not None and int(hd) != dim // n_heads:
        raise HFConvertError(f"head_dim {hd} differs from hidden_size / num_attention_heads; not supported")
    sw = c.get("sliding_window")
    if sw:
        # Full attention equals sliding-window attention only inside the window.
        if int(sw) < max_positions:
            raise HFConvertError(f"sliding_window {sw} is shorter than the {max_positions} positions a pack must support")
        cfg.max_positions = min(cfg.max_positions, int(sw))
    return cfg


def map_state(hf: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    def take(name: str) -> torch.Tensor:
        if name not in hf:
            raise HFConvertError(f"weights lack {name}")
        return hf.pop(name).to(torch.float32).contiguous()

    hf = dict(hf)
    sd = {"tok_embeddings.weight": take("model.embed_tokens.weight"), "norm.weight": take("model.norm.weight")}
    for i in range(cfg.n_layers):
        s, d = f"model.layers.{i}.", f"layers.{i}."
        sd[d + "attention_norm.weight"] = take(s + "input_layernorm.weight")
        sd[d + "ffn_norm.weight"] = take(s + "post_attention_layernorm.weight")
        for a, b in (("q_proj", "wq"), ("k_proj", "wk"), ("v_proj", "wv"), ("o_proj", "wo")):
            sd[d + f"attention.{b}.weight"] = take(s + f"self_attn.{a}.weight")
        for a, b in (("gate_proj", "w1"), ("down_proj", "w2"), ("up_proj", "w3")):
            sd[d + f"feed_forward.{b}.weight"] = take(s + f"mlp.{a}.weight")
    if cfg.tied_embeddings:
        if "lm_head.weight" in hf:
            if not torch.equal(hf["lm_head.weight"].float(), sd["tok_embeddings.weight"]):
                raise HFConvertError("tie_word_embeddings is true but lm_head.weight differs from embed_tokens")
            hf.pop("lm_head.weight")
    else:
        sd["output.weight"] = take("lm_head.weight")
    hf = {k: v for k, v in hf.items() if not k.endswith("rotary_emb.inv_freq")}
    if hf:
        raise HFConvertError(f"unexpected weights: {', '.join(sorted(hf)[:5])}")
    return sd


def read_hf_folder(folder: str | Path, max_positions: int = 2048) -> tuple[ModelConfig, dict[str, torch.Tensor], object, dict]:
    folder = Path(folder)
    if not folder.is_dir():
        raise HFConvertError(f"not a folder: {folder}")
    cpath = folder / "config.json"
    if not cpath.is_file():
        raise HFConvertError(f"{folder} has no config.json")
    try:
        c = json.loads(cpath.read_text("utf-8"))
    except json.JSONDecodeError as e:
        raise HFConvertError(f"{cpath} is not JSON: {e}") from e
    cfg = config_from_hf(c, max_positions)
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        if list(folder.glob("*.bin")):
            raise HFConvertError(f"{folder} holds only PyTorch .bin weights; convert them to safetensors first")
        raise HFConvertError(f"{folder} has no *.safetensors files")
    hf: dict[str, torch.Tensor] = {}
    for f in files:
        for k, v in load_file(f).items():
            if k in hf:
                raise HFConvertError(f"tensor {k} appears in more than one file")
            hf[k] = v
    sd = map_state(hf, cfg)
    special = {
        "bos_id": c.get("bos_token_id"),
        "eos_id": c.get("eos_token_id") if not isinstance(c.get("eos_token_id"), list) else c["eos_token_id"][0],
        "pad_id": c.get("pad_token_id"),
    }
    tok: object
    if (folder / "tokenizer.model").is_file():
        tok = Tokenizer.from_file(folder / "tokenizer.model")
        try:
            tok.check_convertible()
        except TokenizerError as e:
            raise HFConvertError(f"tokenizer.model cannot be converted for the app: {e}") from e
    elif (folder / "tokenizer.json").is_file():
        tok = HFJsonTokenizer(json.loads((folder / "tokenizer.json").read_text("utf-8")), special)
    else:
        raise HFConvertError(f"{folder} has neither tokenizer.model nor tokenizer.json")
    extra = {"source": str(folder), "converter": "hf", "hf_model_type": c.get("model_type"), "special_ids": special}
    return cfg, sd, tok, extra


def convert(folder, out_path, max_positions: int = 2048) -> Path:
    cfg, sd, tok, extra = read_hf_folder(folder, max_positions)
    return save_checkpoint(out_path, cfg, sd, tok, extra)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--in", dest="folder", required=True, help="Hugging Face model folder")
    ap.add_argument("--out", required=True, help="output checkpoint (.pt)")
    ap.add_argument("--max-positions", type=int, default=2048)
    a = ap.parse_args(argv)
    try:
        p = convert(a.folder, a.out, a.max_positions)
    except ValueError as e:
        ap.exit(2, f"error: {e}\n")
    print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
