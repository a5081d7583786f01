"""What a fine-tuning run writes: `<out>/commer.pt` (checkpoint.save_commer_state: the
best-validation trained tensors, + the other mode's tensors from --merge-from, the
templates and the training record of every stage so far), for the adapt stage also
`<out>/backbone.ckpt` (the adapted backbone); and `merge`, one adapter file from a
ComMer run and a concat-baseline run. The state to save is built as a dict: the live
model is never written to."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Optional

import torch

from ..checkpoint import CheckpointError, atomic_torch_save, load_commer_state, save_checkpoint, save_commer_state
from ..model import CommerModel
from ..tasks import TEMPLATES
from .config import FinetuneConfig

ADAPTER_TENSORS = ("compression", "soft_prompt")


def is_adapter_tensor(name: str) -> bool:
    """LoRA, E or the soft prompt: what an adapter file holds."""
    return "lora_" in name or name in ADAPTER_TENSORS


@dataclass
class Provenance:
    """What every save of a run repeats, read once when the run starts: the earlier
    stages' training record (from --init and --merge-from), merge_from's tensors, and
    the input backbone's checkpoint extras (the adapt stage writes a backbone)."""

    backbone: Path
    tok: object
    backbone_extra: dict
    prior_record: dict
    other: Dict[str, torch.Tensor]


def provenance(model: CommerModel, backbone: Path, tok, backbone_extra: dict, init: Optional[Path], merge_from: Optional[Path]) -> Provenance:
    """Read --init's and --merge-from's records (and merge_from's adapter tensors, checked
    against the model's shapes now rather than at the first save)."""
    prior: dict = {}
    other: Dict[str, torch.Tensor] = {}
    for src in (init, merge_from):
        if src is not None:
            blob = load_commer_state(src)
            prior.update((blob.get("extra") or {}).get("training", {}))
            if src == merge_from:
                other = blob["state_dict"]
    shapes = {n: tuple(t.shape) for n, t in model.state_dict().items()}
    for n, t in other.items():
        if is_adapter_tensor(n) and n in shapes and tuple(t.shape) != shapes[n]:
            raise CheckpointError(f"--merge-from {merge_from}: tensor {n} has shape {list(t.shape)}, this run's model needs {list(shapes[n])}")
    return Provenance(backbone, tok, backbone_extra, prior, other)


def state_to_save(model: CommerModel, best_state: Dict[str, torch.Tensor], prov: Provenance) -> Dict[str, torch.Tensor]:
    """The run's output tensors (CommerModel names): the model's own, with merge_from's
    adapter tensors where this run trains none, then the best-validation trained ones."""
    sd: Dict[str, torch.Tensor] = {n: t.detach() for n, t in model.state_dict().items()}
    for n in sd:
        if n in prov.other and n not in best_state and is_adapter_tensor(n):
            sd[n] = prov.other[n]
    sd.update(best_state)
    return sd


def save_run(out: Path, model: CommerModel, best_state: Dict[str, torch.Tensor], cfg: FinetuneConfig, history, best: float, best_step: int, prov: Provenance) -> None:
    """Write commer.pt (and, in the adapt stage, backbone.ckpt) from the best-validation
    tensors, leaving the model's live parameters as they are."""
    sd = state_to_save(model, best_state, prov)
    record = dict(prov.prior_record)
    record[f"{cfg.mode}:{cfg.stage_name}"] = {
        "config": asdict(cfg),
        "best_val_ppl": best,
        "best_step": best_step,
        "history": history,
        "backbone": str(prov.backbone),
    }
    save_commer_state(out / "commer.pt", model, extra={"templates": TEMPLATES, "training": record}, state_dict=sd)
    if cfg.trains_backbone:
        extra = dict(prov.backbone_extra)
        extra["adapted"] = {"from": str(prov.backbone), "best_step": best_step, "best_val_ppl": best}
        backbone = {n[len("backbone.") :]: t for n, t in sd.items() if n.startswith("backbone.")}
        save_checkpoint(out / "backbone.ckpt", model.cfg, backbone, prov.tok, extra=extra)


def merge_states(commer_path: Path, concat_path: Path, out: Path) -> Path:
    """One adapter file from two independent runs on the same backbone: LoRA and E
    from the ComMer run, the soft prompt from the concat-baseline run."""
    a, b = load_commer_state(commer_path), load_commer_state(concat_path)
    if a["model_config"] != b["model_config"] or a["k"] != b["k"]:
        raise SystemExit("the two runs used different backbones or k")
    blob = dict(a)
    sd = dict(a["state_dict"])
    sd["soft_prompt"] = b["state_dict"]["soft_prompt"]
    blob["state_dict"] = {k: sd[k] for k in sorted(sd)}
    blob["soft_prompt_len"] = int(sd["soft_prompt"].shape[0])
    extra = dict(a.get("extra") or {})
    training = dict(extra.get("training") or {})
    training.update((b.get("extra") or {}).get("training") or {})
    extra["training"] = training
    blob["extra"] = extra
    return atomic_torch_save(blob, out)
