"""The internal backbone checkpoint: what the converters write and everyone loads.

One file (torch.save of a plain dict, no pickled classes):

    {
      "format": "commer-checkpoint", "format_version": 1,
      "model_config": ModelConfig.to_dict(),
      "state_dict": {name: tensor}        # Backbone (model.py) names, float32, no lora_*
      "tokenizer": {"kind": "sentencepiece", "model_proto": bytes}
                 | {"kind": "hf_json", "json": str},
      "extra": {...}                      # free-form provenance (source path, converter, ...)
    }

`load_checkpoint` checks the format, the tensor names and shapes against the config,
and returns (ModelConfig, state_dict, tokenizer, extra), where tokenizer is a
`Tokenizer` (SentencePiece) or an `HFJsonTokenizer` (tokenizer.json only: it can be
copied into a pack but not used to tokenize in Python).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

import torch

from .model import Backbone, ModelConfig
from .tokenizer import Tokenizer


def atomic_torch_save(obj: object, path: Union[str, Path]) -> Path:
    """torch.save through a temporary file and a rename, so a crash never leaves a
    half-written file under the real name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    torch.save(obj, buf)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)
    return path

FORMAT = "commer-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with the reason."""


class HFJsonTokenizer:
    """A Hugging Face tokenizer.json, tokenized in Python with the `tokenizers`
    library (the Rust implementation behind transformers; the app's JS side reads the
    same file with @huggingface/tokenizers). encode() adds no special tokens, as the
    pack format requires; special tokens typed in the text (a chat template's
    `<|im_start|>`) are matched whole, as in the app."""

    def __init__(self, data: Union[str, dict], special: Optional[dict] = None):
        self.data: dict = json.loads(data) if isinstance(data, str) else data
        if not isinstance(self.data, dict) or "model" not in self.data:
            raise CheckpointError("tokenizer.json has no 'model' section")
        self._tok = None
        special = dict(special or {})
        self.bos_id: Optional[int] = special.get("bos_id")
        self.eos_id: Optional[int] = special.get("eos_id")
        self.pad_id: Optional[int] = special.get("pad_id")
        if self.bos_id is None:
            self.bos_id = self.token_id("<s>") if self.token_id("<s>") is not None else self.token_id("<|begin_of_text|>")
        if self.eos_id is None:
            self.eos_id = self.token_id("</s>") if self.token_id("</s>") is not None else self.token_id("<|end_of_text|>")
        if self.pad_id is None:
            self.pad_id = self.eos_id if self.eos_id is not None else 0
        self.stop_ids: List[int] = [int(i) for i in special.get("stop_ids") or ([self.eos_id] if self.eos_id is not None else [])]

    @property
    def special(self) -> dict:
        return {"bos_id": self.bos_id, "eos_id": self.eos_id, "pad_id": self.pad_id, "stop_ids": list(self.stop_ids)}

    def to_hf_tokenizer_json(self) -> dict:
        return self.data

    @property
    def vocab_size(self) -> int:
        vocab = self.data["model"].get("vocab", {})
        n = len(vocab) if isinstance(vocab, (dict, list)) else 0
        for t in self.data.get("added_tokens", []) or []:
            n = max(n, int(t["id"]) + 1)
        return n

    def token_id(self, content: str) -> Optional[int]:
        for t in self.data.get("added_tokens", []) or []:
            if t.get("content") == content:
                return int(t["id"])
        vocab = self.data["model"].get("vocab", {})
        if isinstance(vocab, dict) and content in vocab:
            return int(vocab[content])
        return None

    @property
    def backend(self):
        if self._tok is None:
            from tokenizers import Tokenizer as RustTokenizer

            self._tok = RustTokenizer.from_str(json.dumps(self.data, ensure_ascii=False))
        return self._tok

    def encode(self, text: str) -> List[int]:
        return list(self.backend.encode(text, add_special_tokens=False).ids)

    def decode(self, ids: Iterable[int]) -> str:
        return self.backend.decode(list(ids), skip_special_tokens=True)


AnyTokenizer = Union[Tokenizer, HFJsonTokenizer]


def expected_shapes(cfg: ModelConfig) -> Dict[str, Tuple[int, ...]]:
    """Names and shapes of a Backbone's non-LoRA parameters for this config."""
    shapes = {"tok_embeddings.weight": (cfg.vocab_size, cfg.dim), "norm.weight": (cfg.dim,)}
    hd = cfg.head_dim
    for i in range(cfg.n_layers):
        p = f"layers.{i}."
        shapes[p + "attention_norm.weight"] = (cfg.dim,)
        shapes[p + "attention.wq.weight"] = (cfg.n_heads * hd, cfg.dim)
        shapes[p + "attention.wk.weight"] = (cfg.n_kv_heads * hd, cfg.dim)
        shapes[p + "attention.wv.weight"] = (cfg.n_kv_heads * hd, cfg.dim)
        shapes[p + "attention.wo.weight"] = (cfg.dim, cfg.n_heads * hd)
        shapes[p + "ffn_norm.weight"] = (cfg.dim,)
        shapes[p + "feed_forward.w1.weight"] = (cfg.hidden_dim, cfg.dim)
        shapes[p + "feed_forward.w3.weight"] = (cfg.hidden_dim, cfg.dim)
        shapes[p + "feed_forward.w2.weight"] = (cfg.dim, cfg.hidden_dim)
    if not cfg.tied_embeddings:
        shapes["output.weight"] = (cfg.vocab_size, cfg.dim)
    return shapes


def _tokenizer_record(tokenizer) -> dict:
    if isinstance(tokenizer, Tokenizer):
        return {"kind": "sentencepiece", "model_proto": tokenizer.model_proto_bytes}
    if isinstance(tokenizer, HFJsonTokenizer):
        return {"kind": "hf_json", "json": json.dumps(tokenizer.data, ensure_ascii=False), "special": tokenizer.special}
    if isinstance(tokenizer, (bytes, bytearray)):
        return {"kind": "sentencepiece", "model_proto": Tokenizer(bytes(tokenizer)).model_proto_bytes}
    if isinstance(tokenizer, (str, Path)):
        p = Path(tokenizer)
        if not p.is_file():
            raise CheckpointError(f"tokenizer file not found: {p}")
        if p.suffix == ".json":
            return _tokenizer_record(HFJsonTokenizer(p.read_text("utf-8")))
        return {"kind": "sentencepiece", "model_proto": Tokenizer.from_file(p).model_proto_bytes}
    raise CheckpointError(f"unsupported tokenizer value of type {type(tokenizer).__name__}")


def _check_state(cfg: ModelConfig, state: Dict[str, torch.Tensor]) -> None:
    want = expected_shapes(cfg)
    missing = sorted(set(want) - set(state))
    unexpected = sorted(set(state) - set(want))
    if missing:
        raise CheckpointError(f"checkpoint lacks tensors: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    if unexpected:
        raise CheckpointError(f"checkpoint has unexpected tensors: {', '.join(unexpected[:5])}{' ...' if len(unexpected) > 5 else ''}")
    for k, shape in want.items():
        if tuple(state[k].shape) != shape:
            raise CheckpointError(f"tensor {k} has shape {list(state[k].shape)}, the config needs {list(shape)}")
        if not torch.isfinite(state[k]).all():
            raise CheckpointError(f"tensor {k} contains NaN or infinity")


def save_checkpoint(
    path: Union[str, Path],
    model_cfg: ModelConfig,
    state_dict: Dict[str, torch.Tensor],
    tokenizer,
    extra: Optional[dict] = None,
) -> Path:
    """Write a backbone checkpoint. `state_dict` holds Backbone names (LoRA tensors,
    if present, are dropped); `tokenizer` is a Tokenizer, HFJsonTokenizer, SentencePiece
    model bytes, or a path to a .model / tokenizer.json file."""
    state = {k: v.detach().to(torch.float32).contiguous().clone() for k, v in state_dict.items() if "lora_" not in k}
    _check_state(model_cfg, state)
    tok = _tokenizer_record(tokenizer)
    if tok["kind"] == "sentencepiece":
        n = Tokenizer(tok["model_proto"]).vocab_size
        if n != model_cfg.vocab_size:
            raise CheckpointError(f"tokenizer has {n} pieces but the model's vocab_size is {model_cfg.vocab_size}")
    blob = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_config": model_cfg.to_dict(),
        "state_dict": {k: state[k] for k in sorted(state)},
        "tokenizer": tok,
        "extra": dict(extra or {}),
    }
    return atomic_torch_save(blob, path)


def _load_versioned(path: Path, what: str, fmt: str, max_version: int, hint: str) -> dict:
    """torch.load a dict tagged with `format`/`format_version`, refusing clearly what is
    missing, unreadable, of another format or of a newer version."""
    if not path.is_file():
        raise CheckpointError(f"{what} not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu")
    except Exception as e:
        raise CheckpointError(f"{path} is not a readable {what}: {e}") from e
    if not isinstance(blob, dict) or blob.get("format") != fmt:
        raise CheckpointError(f"{path} is not a {fmt} file ({hint})")
    ver = blob.get("format_version")
    if not isinstance(ver, int) or ver > max_version:
        raise CheckpointError(f"{path} has {what} format version {ver}; this code reads up to {max_version}")
    return blob


def load_checkpoint(path: Union[str, Path]) -> Tuple[ModelConfig, Dict[str, torch.Tensor], AnyTokenizer, dict]:
    path = Path(path)
    blob = _load_versioned(path, "checkpoint", FORMAT, FORMAT_VERSION, "convert it first with models.commer.convert_*")
    cfg = ModelConfig.from_saved(blob["model_config"])
    state = blob["state_dict"]
    _check_state(cfg, state)
    tok = blob["tokenizer"]
    if tok.get("kind") == "sentencepiece":
        tokenizer: AnyTokenizer = Tokenizer(tok["model_proto"])
    elif tok.get("kind") == "hf_json":
        tokenizer = HFJsonTokenizer(tok["json"], tok.get("special"))
    else:
        raise CheckpointError(f"{path}: unknown tokenizer kind {tok.get('kind')!r}")
    return cfg, state, tokenizer, dict(blob.get("extra") or {})


def load_backbone(path: Union[str, Path], lora=None) -> Tuple[Backbone, AnyTokenizer, dict]:
    """Convenience: a Backbone (optionally with fresh LoRA) loaded from a checkpoint."""
    cfg, state, tok, extra = load_checkpoint(path)
    b = Backbone(cfg, lora)
    missing, unexpected = b.load_state_dict(state, strict=False)
    bad = [m for m in missing if "lora_" not in m]
    if bad or unexpected:
        raise CheckpointError(f"state does not fit the backbone: missing {bad}, unexpected {unexpected}")
    return b, tok, extra


# ---- trained ComMer state (LoRA + compression embeddings + soft prompt) -----------
COMMER_FORMAT = "commer-adapter"


def save_commer_state(path: Union[str, Path], model, extra: Optional[dict] = None, state_dict: Optional[Dict[str, torch.Tensor]] = None) -> Path:
    """Save what fine-tuning trains on top of a frozen backbone checkpoint: the LoRA
    tensors (CommerModel names, `backbone.layers.N....lora_A/B`), `compression` [k, d]
    and `soft_prompt` [s, d] if present, with the LoRA config, k and the backbone
    config they were trained against. The exporter's `--commer` reads this file.
    `state_dict` (CommerModel names) is saved instead of the model's own tensors (a
    trainer saves its best-validation weights without writing them into the model)."""
    from dataclasses import asdict

    src = model.state_dict() if state_dict is None else state_dict
    state = {n: t.detach().to(torch.float32).contiguous().clone() for n, t in src.items() if "lora_" in n or n in ("compression", "soft_prompt")}
    blob = {
        "format": COMMER_FORMAT,
        "format_version": 1,
        "model_config": model.cfg.to_dict(),
        "lora": asdict(model.lora_cfg),
        "k": int(model.k),
        "soft_prompt_len": 0 if model.soft_prompt is None else int(model.soft_prompt.shape[0]),
        "state_dict": {k: state[k] for k in sorted(state)},
        "extra": dict(extra or {}),
    }
    return atomic_torch_save(blob, path)


def load_commer_state(path: Union[str, Path]) -> dict:
    """The dict save_commer_state wrote, checked for format and version."""
    path = Path(path)
    blob = _load_versioned(path, "ComMer state", COMMER_FORMAT, 1, "save it with checkpoint.save_commer_state")
    for key in ("lora", "k", "state_dict", "model_config"):
        if key not in blob:
            raise CheckpointError(f"{path} lacks '{key}'")
    return blob


def build_commer_model(model_cfg: ModelConfig, backbone_state: Dict[str, torch.Tensor], commer: dict):
    """A CommerModel from a backbone checkpoint plus a saved ComMer state, refusing
    any mismatch between the two."""
    from .model import CommerModel, LoraConfig

    trained_cfg = ModelConfig.from_saved(commer["model_config"])
    if trained_cfg != model_cfg:
        diff = {k: (v, getattr(model_cfg, k)) for k, v in trained_cfg.__dict__.items() if getattr(model_cfg, k) != v}
        raise CheckpointError(f"the ComMer state was trained on a different backbone (state vs checkpoint: {diff})")
    lora = LoraConfig.from_saved(commer["lora"])
    m = CommerModel(model_cfg, lora, int(commer["k"]), int(commer.get("soft_prompt_len", 0)))
    full = {f"backbone.{k}": v for k, v in backbone_state.items()}
    full.update(commer["state_dict"])
    want = m.state_dict()
    missing = sorted(set(want) - set(full))
    unexpected = sorted(set(full) - set(want))
    if missing or unexpected:
        raise CheckpointError(f"ComMer state does not fit: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for k, v in full.items():
        if tuple(v.shape) != tuple(want[k].shape):
            raise CheckpointError(f"ComMer tensor {k} has shape {list(v.shape)}, expected {list(want[k].shape)}")
        if not torch.isfinite(v).all():
            raise CheckpointError(f"ComMer tensor {k} contains NaN or infinity")
    m.load_state_dict(full, strict=True)
    return m
