"""Shared training plumbing: distributed setup, schedule, atomic saves, logging.

Distributed training: every trainer runs unchanged under `torchrun`. With
WORLD_SIZE > 1 it joins a process group (gloo on CPU, NCCL when CUDA is present),
wraps the trained module in DistributedDataParallel, and each rank takes a slice
of the same *global* batch (rows rank, rank + world, ...). Losses are computed as
sum over the rank's target tokens divided by the global token count, times the
world size, so that DDP's gradient averaging yields exactly the single-process
gradient of the global batch (models/tests/test_ddp.py checks it).
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import torch
import torch.distributed as dist

from .checkpoint import atomic_torch_save  # noqa: F401  (re-exported for the trainers)


@dataclass
class DistInfo:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1


def setup_distributed() -> DistInfo:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        dev = torch.device("cuda") if torch.cuda.is_available() and os.environ.get("COMMER_CPU") != "1" else torch.device("cpu")
        return DistInfo(device=dev)
    rank = int(os.environ["RANK"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    use_cuda = torch.cuda.is_available() and os.environ.get("COMMER_CPU") != "1"
    backend = "nccl" if use_cuda else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    if use_cuda:
        torch.cuda.set_device(local)
        dev = torch.device("cuda", local)
    else:
        dev = torch.device("cpu")
    return DistInfo(rank=rank, world=world, local_rank=local, device=dev)


def all_reduce_sum(x: torch.Tensor, di: DistInfo) -> torch.Tensor:
    if di.enabled:
        x = x.clone()
        dist.all_reduce(x, op=dist.ReduceOp.SUM)
    return x


def cleanup_distributed(di: DistInfo) -> None:
    if di.enabled and dist.is_initialized():
        dist.destroy_process_group()


def cosine_lr(step: int, total: int, warmup: int, peak: float, floor_frac: float = 0.1) -> float:
    """Linear warm-up to `peak`, then cosine decay to floor_frac * peak at `total`."""
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    if total <= warmup:
        return peak
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (floor_frac + (1 - floor_frac) * 0.5 * (1 + math.cos(math.pi * p)))


def atomic_write_json(obj: Any, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


class JsonlLog:
    """Append-only JSON-lines log (one record per logged step), plus echo to stdout."""

    def __init__(self, path: Optional[Path | str], echo: bool = True):
        self.path = Path(path) if path else None
        self.echo = echo
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, **rec: Any) -> None:
        rec.setdefault("time", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        line = json.dumps(rec)
        if self.path:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        if self.echo:
            print(line, flush=True)
