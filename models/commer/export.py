"""Export a model pack (models/PACK_FORMAT.md, format version 1).

    /usr/bin/python3 -m models.commer.export --checkpoint models/runs/x/backbone.ckpt \\
        --commer models/runs/x/commer.pt --out models/packs/my-pack --id my-pack

Without --commer the pack gets a fresh, seeded adapter (--lora-rank, --k,
--soft-prompt; for test packs only). Writes, into a temporary folder that is renamed
into place at the end (a failed export leaves nothing behind):

- backbone.onnx: one graph, opset 17, the backbone with LoRA, `lora_scale` a real
  scalar input multiplying every LoRA delta, `num_logits` a scalar input choosing
  how many trailing positions get logits (0 when compressing), KV cache in and out;
- embeddings.f32, compression.f32, soft_prompt.f32 (optional): raw little-endian
  float32 tensors;
- tokenizer.json (SentencePiece converted, or the HF file copied verbatim);
- manifest.json with sha256/bytes (and dtype/shape for tensors) of every file.

Deterministic: the same inputs (and --created-at) give byte-identical files.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn

from .checkpoint import AnyTokenizer, build_commer_model, load_checkpoint, load_commer_state
from .hashing import sha256_file
from .model import Backbone, CommerModel, LoraConfig, ModelConfig
from .tokenizer import Tokenizer

FORMAT = "commer-pack"
FORMAT_VERSION = 1
FORMAT_VERSION_QUANTIZED = 2  # backbone.weights (external data) + embeddings.q8
OPSET = 17
MIN_POSITIONS = 2048

DEFAULT_TEMPLATES: dict = {
    "document": "{text}",
    "concat_document": "Document {i}: {text}\n",
    "tasks": {
        "paraphrase": {"label": "Tweet paraphrase", "prompt": "Paraphrase this tweet in my voice: {input}\nTweet:"},
        "headline": {"label": "Headline", "prompt": "Write a headline for this article in my voice: {input}\nHeadline:"},
    },
}
DEFAULT_LIMITS = {"max_doc_tokens": 256, "max_prompt_tokens": 256, "max_new_tokens": 64}


class ExportError(ValueError):
    """An export that cannot proceed, with the reason."""


def input_names(n_layers: int) -> List[str]:
    names = ["inputs_embeds", "attention_mask", "position_ids"]
    for i in range(n_layers):
        names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
    return names + ["lora_scale", "num_logits"]


def output_names(n_layers: int) -> List[str]:
    names = ["logits", "last_hidden_state"]
    for i in range(n_layers):
        names += [f"present.{i}.key", f"present.{i}.value"]
    return names


class PackGraph(nn.Module):
    """The Backbone with the pack's flat input/output signature."""

    def __init__(self, backbone: Backbone):
        super().__init__()
        self.backbone = backbone
        self.n_layers = backbone.cfg.n_layers

    def forward(self, inputs_embeds, attention_mask, position_ids, *rest):
        past_flat, lora_scale, num_logits = rest[:-2], rest[-2], rest[-1]
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(self.n_layers)]
        # lora_scale is a tensor here, so LoRALinear never takes its Python-float
        # shortcut: the graph always multiplies the LoRA deltas by the input.
        _, hidden, presents = self.backbone(inputs_embeds, attention_mask, position_ids, past, lora_scale=lora_scale, compute_logits=False)
        # Logits only for the last num_logits positions: onnxruntime computes every
        # output whether or not it is fetched, and the vocabulary projection is the
        # largest single matmul of a small model. Compression asks for none.
        pos = torch.arange(hidden.shape[1])
        keep = pos[pos >= hidden.shape[1] - num_logits]
        logits = self.backbone.lm_head(torch.index_select(hidden, 1, keep))
        out = [logits, hidden]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def export_onnx(backbone: Backbone, path: Path) -> None:
    cfg = backbone.cfg
    model = PackGraph(copy.deepcopy(backbone)).eval()
    b, t, past = 2, 3, 2  # trace with non-empty past; all three axes are dynamic
    g = torch.Generator().manual_seed(0)
    feeds = [
        torch.randn(b, t, cfg.dim, generator=g),
        torch.ones(b, past + t, dtype=torch.int64),
        torch.arange(past, past + t, dtype=torch.int64)[None].repeat(b, 1),
    ]
    for _ in range(cfg.n_layers):
        feeds += [torch.randn(b, cfg.n_kv_heads, past, cfg.head_dim, generator=g) for _ in range(2)]
    feeds.append(torch.tensor(1.0))
    feeds.append(torch.tensor(2, dtype=torch.int64))
    ins, outs = input_names(cfg.n_layers), output_names(cfg.n_layers)
    axes: Dict[str, Dict[int, str]] = {
        "inputs_embeds": {0: "batch", 1: "seq"},
        "attention_mask": {0: "batch", 1: "total_seq"},
        "position_ids": {0: "batch", 1: "seq"},
        "logits": {0: "batch", 1: "logit_seq"},
        "last_hidden_state": {0: "batch", 1: "seq"},
    }
    for i in range(cfg.n_layers):
        for kv in ("key", "value"):
            axes[f"past_key_values.{i}.{kv}"] = {0: "batch", 2: "past_seq"}
            axes[f"present.{i}.{kv}"] = {0: "batch", 2: "total_seq"}
    with torch.no_grad(), warnings.catch_warnings():
        # rope's `theta ** x` makes the tracer note that theta became a constant: it is one.
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            model,
            tuple(feeds),
            str(path),
            input_names=ins,
            output_names=outs,
            dynamic_axes=axes,
            opset_version=OPSET,
            do_constant_folding=True,
            # torch 2.9+ defaults to the dynamo exporter; the pack graph is traced
            # (TorchScript exporter), which keeps lora_scale and num_logits real inputs
            **({"dynamo": False} if _has_dynamo_flag() else {}),
        )
    check_onnx_signature(path, cfg)


def _has_dynamo_flag() -> bool:
    import inspect

    return "dynamo" in inspect.signature(torch.onnx.export).parameters


def check_onnx_signature(path: Path, cfg: ModelConfig) -> None:
    """Refuse a graph whose inputs/outputs differ from PACK_FORMAT.md."""
    import onnx

    m = onnx.load(str(path))
    onnx.checker.check_model(m)
    got_in = [i.name for i in m.graph.input]
    got_out = [o.name for o in m.graph.output]
    if got_in != input_names(cfg.n_layers):
        raise ExportError(f"exported graph inputs {got_in} differ from the pack format (lora_scale folded away?)")
    if got_out != output_names(cfg.n_layers):
        raise ExportError(f"exported graph outputs {got_out} differ from the pack format")
    for name in ("lora_scale", "num_logits"):
        scalar = next(i for i in m.graph.input if i.name == name)
        if len(scalar.type.tensor_type.shape.dim) != 0:
            raise ExportError(f"{name} must be a scalar input")


def write_f32(path: Path, t: torch.Tensor) -> List[int]:
    a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
    path.write_bytes(a.tobytes())
    return list(a.shape)


def special_ids(tok: AnyTokenizer) -> Dict[str, int]:
    if isinstance(tok, Tokenizer):
        return {"bos_id": tok.bos_id, "eos_id": tok.eos_id, "pad_id": tok.pad_id}
    ids = {k: v for k, v in tok.special.items() if k in ("bos_id", "eos_id", "pad_id")}
    missing = [k for k, v in ids.items() if v is None]
    if missing:
        raise ExportError(f"tokenizer.json-only checkpoint lacks {missing}; set them in the HF config.json")
    return {k: int(v) for k, v in ids.items()}


def stop_ids(tok: AnyTokenizer, ids: Dict[str, int]) -> List[int]:
    """EOS first, then any other stop tokens the tokenizer names (a chat model's
    end-of-text besides its end-of-turn)."""
    out = [ids["eos_id"]]
    for i in getattr(tok, "stop_ids", None) or []:
        if int(i) not in out:
            out.append(int(i))
    return out


def validate_templates(t: dict) -> dict:
    try:
        if "{text}" not in t["document"]:
            raise ExportError("templates.document must contain {text}")
        if "{text}" not in t["concat_document"] or "{i}" not in t["concat_document"]:
            raise ExportError("templates.concat_document must contain {i} and {text}")
        tasks = t["tasks"]
        if not isinstance(tasks, dict) or not tasks:
            raise ExportError("templates.tasks must name at least one task")
        for name, task in tasks.items():
            if "{input}" not in task["prompt"] or not task.get("label"):
                raise ExportError(f"task {name!r} needs a label and a prompt containing {{input}}")
    except (KeyError, TypeError) as e:
        raise ExportError(f"templates are malformed: missing {e}") from e
    return t


def fresh_commer_model(
    cfg: ModelConfig, state: Dict[str, torch.Tensor], rank: int, alpha: float, k: int, soft_prompt: int, seed: int, lora_b_std: float
) -> CommerModel:
    """An untrained adapter around the checkpoint's backbone (for test packs):
    seeded, with LoRA B drawn small-random (not zero) so lora_scale changes outputs."""
    if k < 1:
        raise ExportError(f"k must be at least 1 (got {k})")
    if rank < 1:
        raise ExportError(f"LoRA rank must be at least 1 (got {rank})")
    if soft_prompt < 0:
        raise ExportError(f"soft prompt length must be >= 0 (got {soft_prompt})")
    torch.manual_seed(seed)
    m = CommerModel(cfg, LoraConfig(rank=rank, alpha=alpha, dropout=0.0), k, soft_prompt)
    missing, unexpected = m.backbone.load_state_dict(state, strict=False)
    if unexpected or [x for x in missing if "lora_" not in x]:
        raise ExportError(f"checkpoint does not fit the backbone: {unexpected or missing}")
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for n, p in m.named_parameters():
            if n.endswith("lora_B"):
                p.copy_(torch.randn(p.shape, generator=g) * lora_b_std)
    return m


def _quantization_entry(bits: int, accuracy_level: int, head: str) -> dict:
    """The manifest's backbone.quantization; `head` only where the projection is not MatMulNBits."""
    entry = {"weights": f"int{bits}", "block": 32, "embeddings": "q8_0", "accuracy_level": accuracy_level}
    if head != "nbits":
        entry["head"] = head
    return entry


def export_pack(
    model: CommerModel,
    tokenizer: AnyTokenizer,
    out: Path,
    pack_id: str,
    *,
    name: Optional[str] = None,
    description: str = "",
    created_at: str = "1970-01-01T00:00:00Z",
    templates: Optional[dict] = None,
    limits: Optional[dict] = None,
    evaluation: Optional[dict] = None,
    force: bool = False,
    quantize_bits: Optional[int] = None,
    accuracy_level: int = 4,
    backbone_info: Optional[dict] = None,
    head: str = "nbits",
) -> Path:
    """Write the pack for `model` into `out` (atomically); returns `out`.

    With `quantize_bits` (4 or 8) the graph's frozen linear layers become MatMulNBits
    (quantize.py) with their weights in `backbone.weights`, and a tied embedding table
    is stored once, as `embeddings.q8`, read by both the graph's vocabulary projection
    and the runtime's embedding lookup (format version 2). `backbone_info` (source,
    license, ...) is written as manifest.backbone.source."""
    cfg = model.cfg
    out = Path(out)
    if not pack_id or any(c in pack_id for c in "/\\ ") or pack_id.startswith("."):
        raise ExportError(f"pack id {pack_id!r} must be a non-empty name without spaces or slashes")
    if out.exists() and not force:
        raise ExportError(f"{out} already exists; pass --force to replace it")
    if cfg.max_positions < MIN_POSITIONS:
        raise ExportError(f"max_positions {cfg.max_positions} is below the {MIN_POSITIONS} every pack must support")
    tok_json = tokenizer.to_hf_tokenizer_json()
    tok_vocab = tokenizer.vocab_size
    if tok_vocab > cfg.vocab_size:
        raise ExportError(f"tokenizer has {tok_vocab} tokens but the model only {cfg.vocab_size} embeddings")
    ids = special_ids(tokenizer)
    for k, v in ids.items():
        if not 0 <= v < cfg.vocab_size:
            raise ExportError(f"{k} {v} is outside the vocabulary (size {cfg.vocab_size})")
    templates = validate_templates(copy.deepcopy(templates or DEFAULT_TEMPLATES))
    limits = dict(DEFAULT_LIMITS, **(limits or {}))
    for k_, v in limits.items():
        if not isinstance(v, int) or v < 1:
            raise ExportError(f"limit {k_} must be a positive integer (got {v!r})")
    if limits["max_doc_tokens"] + 1 + model.k > cfg.max_positions:
        raise ExportError("max_doc_tokens + 1 + k exceeds max_positions")
    for n, p in model.named_parameters():
        if not torch.isfinite(p).all():
            raise ExportError(f"parameter {n} contains NaN or infinity")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a pack is an ordinary folder
    try:
        files: Dict[str, dict] = {}
        quant_info = None
        if quantize_bits:
            from .quantize import EMBEDDINGS_FILE, WEIGHTS_FILE, quantize_graph

            if not cfg.tied_embeddings:
                raise ExportError("quantized packs need tied embeddings (the table is stored once, shared with the projection)")
            with tempfile.TemporaryDirectory(prefix="commer-fp32-") as fp32_dir:
                export_onnx(model.backbone, Path(fp32_dir) / "backbone.onnx")
                table = model.backbone.tok_embeddings.weight.detach().to(torch.float32).numpy()
                quant_info = quantize_graph(Path(fp32_dir) / "backbone.onnx", tmp, quantize_bits, accuracy_level, table, head)
            check_onnx_signature(tmp / "backbone.onnx", cfg)
            files["backbone.onnx"] = {}
            files[WEIGHTS_FILE] = {}
            files[EMBEDDINGS_FILE] = {
                "dtype": "q8_0",
                "shape": [cfg.vocab_size, cfg.dim],
                "block": 32,
                "scales_offset": int(quant_info["embeddings_scales_offset"]),
            }
        else:
            export_onnx(model.backbone, tmp / "backbone.onnx")
            files["backbone.onnx"] = {}
        (tmp / "tokenizer.json").write_text(json.dumps(tok_json, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        files["tokenizer.json"] = {}
        if not quantize_bits:
            files["embeddings.f32"] = {"dtype": "float32", "shape": write_f32(tmp / "embeddings.f32", model.backbone.tok_embeddings.weight)}
        files["compression.f32"] = {"dtype": "float32", "shape": write_f32(tmp / "compression.f32", model.compression)}
        if model.soft_prompt is not None:
            files["soft_prompt.f32"] = {"dtype": "float32", "shape": write_f32(tmp / "soft_prompt.f32", model.soft_prompt)}
        for fname, rec in files.items():
            p = tmp / fname
            rec["sha256"] = sha256_file(p)
            rec["bytes"] = p.stat().st_size
        lora = model.lora_cfg
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION_QUANTIZED if quantize_bits else FORMAT_VERSION,
            "id": pack_id,
            "name": name or pack_id,
            "description": description,
            "created_at": created_at,
            "backbone": {
                "architecture": "llama",
                "dim": cfg.dim,
                "n_layers": cfg.n_layers,
                "n_heads": cfg.n_heads,
                "n_kv_heads": cfg.n_kv_heads,
                "head_dim": cfg.head_dim,
                "hidden_dim": cfg.hidden_dim,
                "vocab_size": cfg.vocab_size,
                "max_positions": cfg.max_positions,
                "rope_theta": float(cfg.rope_theta),
                "norm_eps": float(cfg.norm_eps),
                "tied_embeddings": bool(cfg.tied_embeddings),
                **({"source": backbone_info} if backbone_info else {}),
                **({"quantization": _quantization_entry(quantize_bits, accuracy_level, head)} if quantize_bits else {}),
            },
            "lora": {"rank": lora.rank, "alpha": float(lora.alpha), "targets": list(lora.targets)},
            "compression": {"k": int(model.k)},
            "tokens": {"bos_id": ids["bos_id"], "eos_id": ids["eos_id"], "pad_id": ids["pad_id"], "stop_ids": stop_ids(tokenizer, ids)},
            "limits": limits,
            "templates": templates,
            "files": {k: {kk: v[kk] for kk in sorted(v)} for k, v in files.items()},
            "evaluation": evaluation,
        }
        if model.soft_prompt is not None:
            manifest["soft_prompt"] = {"length": int(model.soft_prompt.shape[0])}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Export a ComMer model pack (models/PACK_FORMAT.md).")
    ap.add_argument("--checkpoint", required=True, help="backbone checkpoint (checkpoint.save_checkpoint)")
    ap.add_argument("--commer", help="trained ComMer state (checkpoint.save_commer_state); omit for a fresh adapter")
    ap.add_argument("--out", required=True, help="pack folder to create")
    ap.add_argument("--id", required=True, help="pack id")
    ap.add_argument("--name")
    ap.add_argument("--description", default="")
    ap.add_argument("--created-at", default=None, help="ISO time for the manifest (default: now; fix it for reproducible packs)")
    ap.add_argument("--templates", help="JSON file with the templates object")
    ap.add_argument("--evaluation", help="JSON report to embed as manifest.evaluation")
    ap.add_argument("--max-doc-tokens", type=int, default=DEFAULT_LIMITS["max_doc_tokens"])
    ap.add_argument("--max-prompt-tokens", type=int, default=DEFAULT_LIMITS["max_prompt_tokens"])
    ap.add_argument("--max-new-tokens", type=int, default=DEFAULT_LIMITS["max_new_tokens"])
    ap.add_argument("--lora-rank", type=int, default=8, help="fresh adapter only")
    ap.add_argument("--lora-alpha", type=float, default=16.0, help="fresh adapter only")
    ap.add_argument("--k", type=int, default=4, help="fresh adapter only")
    ap.add_argument("--soft-prompt", type=int, default=0, help="fresh adapter only")
    ap.add_argument("--seed", type=int, default=0, help="fresh adapter only")
    ap.add_argument("--lora-b-std", type=float, default=0.0, help="fresh adapter only: std of LoRA B (0 = standard zero init)")
    ap.add_argument("--force", action="store_true", help="replace an existing pack folder")
    ap.add_argument("--quantize", type=int, choices=[4, 8], help="MatMulNBits weights (4 or 8 bits) in backbone.weights, embeddings as embeddings.q8")
    ap.add_argument("--accuracy-level", type=int, default=4, choices=[0, 1, 2, 3, 4], help="MatMulNBits compute precision of the layers (4 = int8 activations, 1 = float32)")
    ap.add_argument(
        "--head",
        choices=["nbits", "float32"],
        default="nbits",
        help="the tied vocabulary projection: 8-bit MatMulNBits at --accuracy-level, or float32 (the Q8_0 table dequantized once, at session creation)",
    )
    ap.add_argument("--backbone-info", help="JSON file describing the backbone's source and license (models/backbones/<id>.json)")
    a = ap.parse_args(argv)
    torch.manual_seed(0)
    try:
        cfg, state, tok, _ = load_checkpoint(a.checkpoint)
        templates = None
        evaluation = None
        if a.commer:
            commer = load_commer_state(a.commer)
            model = build_commer_model(cfg, state, commer)
            templates = (commer.get("extra") or {}).get("templates")
        else:
            model = fresh_commer_model(cfg, state, a.lora_rank, a.lora_alpha, a.k, a.soft_prompt, a.seed, a.lora_b_std)
        if a.templates:
            templates = json.loads(Path(a.templates).read_text("utf-8"))
        if a.evaluation:
            evaluation = json.loads(Path(a.evaluation).read_text("utf-8"))
        created = a.created_at or _now()
        export_pack(
            model.eval(),
            tok,
            Path(a.out),
            a.id,
            name=a.name,
            description=a.description,
            created_at=created,
            templates=templates,
            limits={"max_doc_tokens": a.max_doc_tokens, "max_prompt_tokens": a.max_prompt_tokens, "max_new_tokens": a.max_new_tokens},
            evaluation=evaluation,
            force=a.force,
            quantize_bits=a.quantize,
            accuracy_level=a.accuracy_level,
            head=a.head,
            backbone_info=_backbone_info(a.backbone_info),
        )
    except (ValueError, OSError) as e:
        ap.exit(2, f"error: {e}\n")
    print(f"wrote pack {a.out}")
    return 0


def _backbone_info(path: Optional[str]) -> Optional[dict]:
    if not path:
        return None
    spec = json.loads(Path(path).read_text("utf-8"))
    keys = ("id", "name", "author", "license", "source", "pip", "file", "file_sha256")
    return {k: spec[k] for k in keys if k in spec}


def _now() -> str:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


if __name__ == "__main__":
    raise SystemExit(main())
