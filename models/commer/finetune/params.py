"""The model a fine-tuning run trains and what in it trains: the CommerModel on the
backbone checkpoint (optionally started from an earlier stage's adapter file), which
tensors are frozen per mode and stage, and the optimizer's parameter groups."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import torch

from ..checkpoint import load_checkpoint, load_commer_state
from ..model import CommerModel, LoraConfig
from .config import FinetuneConfig


def build_model(backbone_ckpt: Path, cfg: FinetuneConfig, init: Optional[Path] = None):
    """(CommerModel, tokenizer, the checkpoint's extra). LoRA, E and the soft prompt are
    freshly initialized from cfg.seed, then overwritten by `init`'s tensors of the same
    name and shape; the backbone is frozen except in the adapt stage."""
    mcfg, state, tok, extra = load_checkpoint(backbone_ckpt)
    lora = LoraConfig.from_dict(cfg.lora, 'finetune config "lora"')
    torch.manual_seed(cfg.seed)
    m = CommerModel(mcfg, lora, cfg.k, soft_prompt_len=cfg.k)
    missing, unexpected = m.backbone.load_state_dict(state, strict=False)
    assert not unexpected and not [x for x in missing if "lora_" not in x], (missing, unexpected)
    if init is not None:
        blob = load_commer_state(init)
        sd = m.state_dict()
        loaded = {k: v for k, v in blob["state_dict"].items() if k in sd and sd[k].shape == v.shape}
        sd.update(loaded)
        m.load_state_dict(sd)
    if not cfg.trains_backbone:
        m.freeze_backbone()
    return m, tok, extra


def param_groups(m: CommerModel, cfg: FinetuneConfig) -> List[dict]:
    """AdamW groups per DESIGN.md, freezing what the mode does not train: ComMer trains
    LoRA (lora_lr) and E (emb_lr, no decay), + the backbone in the adapt stage
    (backbone_lr); the concat baseline trains only the soft prompt (prompt_lr)."""
    lora = [p for n, p in m.named_parameters() if "lora_" in n]
    if cfg.mode == "commer":
        m.soft_prompt.requires_grad_(False)
        groups = [
            {"params": lora, "lr": cfg.lora_lr, "base_lr": cfg.lora_lr, "weight_decay": cfg.weight_decay},
            {"params": [m.compression], "lr": cfg.emb_lr, "base_lr": cfg.emb_lr, "weight_decay": 0.0},
        ]
        if cfg.trains_backbone:
            backbone = m.backbone.backbone_parameters()
            groups.append({"params": backbone, "lr": cfg.backbone_lr, "base_lr": cfg.backbone_lr, "weight_decay": cfg.weight_decay})
        return groups
    for p in lora + [m.compression]:
        p.requires_grad_(False)
    return [{"params": [m.soft_prompt], "lr": cfg.prompt_lr, "base_lr": cfg.prompt_lr, "weight_decay": 0.0}]


def trained_state(m: CommerModel) -> Dict[str, torch.Tensor]:
    """A copy of every trained tensor (the best-validation weights are kept this way)."""
    return {n: p.detach().clone() for n, p in m.named_parameters() if p.requires_grad}
