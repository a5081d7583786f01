"""`python -m models.commer.finetune {train,merge} ...`: the fine-tuning command line.

`train` is the default subcommand: the command lines written before the subcommands
existed (`-m models.commer.finetune --backbone ... --out ...`, in
models/configs/train_*.sh and the README) still train."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from ..data import DEFAULT_DATA_DIR
from .config import MODES, STAGES, FinetuneConfig
from .loop import run
from .saving import merge_states

# train options that override the config file's field of the same name
OVERRIDES = ("mode", "stage", "templates", "k", "max_steps", "batch", "lora_lr", "eval_every", "time_budget_s", "threads", "backbone_lr", "emb_lr")
SUBCOMMANDS = ("train", "merge")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m models.commer.finetune", description="ComMer training (LoRA + compression embeddings), the soft-prompt baseline, and merging their adapter files")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="{train,merge}")
    t = sub.add_parser(
        "train",
        help="train one stage (the default: `finetune --backbone ... --out ...` is `finetune train ...`)",
        description="ComMer training (LoRA + compression embeddings) or the soft-prompt baseline",
    )
    t.add_argument("--backbone", default="models/runs/pretrain/backbone.ckpt")
    t.add_argument("--config", help="JSON with FinetuneConfig fields")
    t.add_argument("--mode", choices=MODES)
    t.add_argument("--stage", choices=STAGES)
    t.add_argument("--init", help="commer.pt to start from (e.g. the ae stage's output)")
    t.add_argument("--merge-from", help="commer.pt whose other tensors (e.g. ComMer weights) are kept in the output")
    t.add_argument("--out", required=True)
    t.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    t.add_argument("--k", type=int)
    t.add_argument("--templates", choices=["plain", "chatml"], help="prompt template set (tasks.TEMPLATE_SETS)")
    t.add_argument("--max-steps", type=int)
    t.add_argument("--batch", type=int)
    t.add_argument("--lora-lr", type=float)
    t.add_argument("--eval-every", type=int)
    t.add_argument("--time-budget-s", type=float)
    t.add_argument("--threads", type=int)
    t.add_argument("--backbone-lr", type=float)
    t.add_argument("--emb-lr", type=float)
    m = sub.add_parser("merge", help="merge a ComMer run and a concat-baseline run into one adapter file", description="merge a ComMer run and a concat-baseline run into one adapter file")
    m.add_argument("--commer", required=True, help="the ComMer run's commer.pt (LoRA and E are taken from it)")
    m.add_argument("--concat", required=True, help="the concat-baseline run's commer.pt (the soft prompt is taken from it)")
    m.add_argument("--out", required=True)
    return ap


def with_default_subcommand(argv: Sequence[str]) -> List[str]:
    """`train` in front of a command line that names no subcommand (nor asks for help)."""
    argv = list(argv)
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help")):
        return argv
    return ["train"] + argv


def main(argv: Optional[Sequence[str]] = None) -> None:
    a = build_parser().parse_args(with_default_subcommand(sys.argv[1:] if argv is None else argv))
    if a.cmd == "merge":
        print(merge_states(Path(a.commer), Path(a.concat), Path(a.out)))
        return
    cfg = FinetuneConfig.from_json(a.config, {key: getattr(a, key) for key in OVERRIDES})
    res = run(cfg, Path(a.backbone), Path(a.out), Path(a.data_dir), Path(a.init) if a.init else None, Path(a.merge_from) if a.merge_from else None)
    print(json.dumps({k: v for k, v in res.items() if k != "history"}))
