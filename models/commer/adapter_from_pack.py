"""Recover the trained ComMer adapter (LoRA + compression embeddings + soft prompt)
from an exported pack, as the ComMer state `checkpoint.save_commer_state` writes.

A pack is the only training artifact the repository keeps: checkpoints live in
the ignored `models/runs/`. With this, a later session can evaluate a shipped pack
in PyTorch, export it again at another precision (e.g. float32 next to the int4
pack) or continue training from it, given the backbone checkpoint the pack was
trained on (for SmolLM2: `fetch_backbone` + `convert_gguf`).

The exporter keeps LoRA out of the frozen weights: each adapted projection is a
base MatMul (or MatMulNBits) plus `x @ A^T @ B^T * scale`, the two LoRA MatMuls
named `/backbone/layers.N/<block>/<target>/MatMul_1` (A^T, [in, r]) and
`.../MatMul_2` (B^T, [r, out]). Those names come from the module paths of
`model.py`, so they are stable across exports.

    .venv/bin/python -m models.commer.adapter_from_pack --pack models/packs/smollm2-135m-k4 \\
        --backbone models/runs/smollm2/backbone.ckpt --out models/runs/smollm2/from-pack.pt
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .checkpoint import COMMER_FORMAT, atomic_torch_save, load_checkpoint

_LORA_NODE = re.compile(r"^/backbone/layers\.(\d+)/(attention|feed_forward)/(w[qkvo123])/MatMul_([12])$")


class PackAdapterError(ValueError):
    pass


def _f32(path: Path, shape: Sequence[int]) -> torch.Tensor:
    data = np.fromfile(path, dtype="<f4")
    if data.size != int(np.prod(shape)):
        raise PackAdapterError(f"{path.name} holds {data.size} floats, the manifest says {list(shape)}")
    return torch.from_numpy(data.reshape(shape).copy())


def adapter_state(pack: Path) -> Dict[str, torch.Tensor]:
    """CommerModel state names -> tensors for the pack's LoRA, `compression` and `soft_prompt`."""
    pack = Path(pack)
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    graph = onnx.load(str(pack / "backbone.onnx"), load_external_data=False)
    inits = {i.name: i for i in graph.graph.initializer}
    state: Dict[str, torch.Tensor] = {}
    for node in graph.graph.node:
        m = _LORA_NODE.match(node.name)
        if not m or node.op_type != "MatMul":
            continue
        layer, block, target, which = m.groups()
        init = inits.get(node.input[1])
        if init is None:
            raise PackAdapterError(f"LoRA node {node.name} has no weight initializer")
        w = torch.from_numpy(numpy_helper.to_array(init).astype(np.float32).T.copy())
        name = f"backbone.layers.{layer}.{block}.{target}.lora_{'A' if which == '1' else 'B'}"
        if name in state:
            raise PackAdapterError(f"two graph nodes claim {name}")
        state[name] = w
    rank = int(manifest["lora"]["rank"])
    targets = list(manifest["lora"]["targets"])
    expected = manifest["backbone"]["n_layers"] * len(targets) * 2
    if len(state) != expected:
        raise PackAdapterError(f"found {len(state)} LoRA tensors in the graph, the manifest implies {expected}")
    for n, t in state.items():
        if rank not in t.shape:
            raise PackAdapterError(f"{n} has shape {list(t.shape)}, not rank {rank}")
    files = manifest["files"]
    state["compression"] = _f32(pack / "compression.f32", files["compression.f32"]["shape"])
    if "soft_prompt.f32" in files:
        state["soft_prompt"] = _f32(pack / "soft_prompt.f32", files["soft_prompt.f32"]["shape"])
    return state


def adapter_blob(pack: Path, backbone: Path, dropout: float = 0.0) -> dict:
    """The ComMer state dict (checkpoint.load_commer_state's format) of a pack."""
    manifest = json.loads((Path(pack) / "manifest.json").read_text(encoding="utf-8"))
    cfg, _, _, _ = load_checkpoint(backbone)
    for key in ("dim", "n_layers", "n_heads", "n_kv_heads", "hidden_dim", "vocab_size"):
        if getattr(cfg, key) != manifest["backbone"][key]:
            raise PackAdapterError(f"the pack's {key} is {manifest['backbone'][key]}, the backbone checkpoint's {getattr(cfg, key)}")
    state = adapter_state(pack)
    lora = manifest["lora"]
    return {
        "format": COMMER_FORMAT,
        "format_version": 1,
        "model_config": cfg.to_dict(),
        "lora": {"rank": int(lora["rank"]), "alpha": float(lora["alpha"]), "dropout": dropout, "targets": list(lora["targets"])},
        "k": int(manifest["compression"]["k"]),
        "soft_prompt_len": int(state["soft_prompt"].shape[0]) if "soft_prompt" in state else 0,
        "state_dict": {k: state[k] for k in sorted(state)},
        "extra": {"templates": manifest["templates"], "from_pack": manifest["id"]},
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="recover a pack's trained ComMer adapter as a ComMer state file")
    ap.add_argument("--pack", required=True, help="pack folder")
    ap.add_argument("--backbone", required=True, help="the backbone checkpoint the pack was trained on")
    ap.add_argument("--out", required=True, help="ComMer state file to write (.pt)")
    a = ap.parse_args(argv)
    blob = adapter_blob(Path(a.pack), Path(a.backbone))
    atomic_torch_save(blob, Path(a.out))
    n = sum(t.numel() for t in blob["state_dict"].values())
    print(f"{a.out}: {len(blob['state_dict'])} tensors, {n:,} parameters, k={blob['k']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
