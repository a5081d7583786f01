"""The ComMer trainer under torchrun: 2 CPU processes (gloo) reproduce the loss and
the trained weights of 1 process with the same global batch."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
# A missing data folder fails these tests (conftest.shared_data); it never skips them.
pytestmark = pytest.mark.usefixtures("shared_data")


def _run(tmp: Path, ckpt: Path, world: int, mode: str, stage: str) -> tuple:
    out = tmp / f"w{world}-{mode}-{stage}"
    cfg = {
        "mode": mode, "stage": stage, "k": 2, "batch": 4, "max_steps": 3, "eval_every": 100, "log_every": 1,
        "val_per_person": 1, "threads": 1, "max_doc_tokens": 24, "max_target_tokens": 16,
        # dropout off: its random masks differ between one and two processes
        "lora": {"rank": 4, "alpha": 8.0, "dropout": 0.0},
    }
    cfg_path = tmp / f"cfg-{world}-{mode}-{stage}.json"
    cfg_path.write_text(json.dumps(cfg))
    args = ["-m", "models.commer.finetune", "--backbone", str(ckpt), "--config", str(cfg_path), "--out", str(out)]
    if world == 1:
        cmd = [sys.executable] + args
    else:
        # --redirects/--tee given explicitly: Debian's torch 1.13 torchrun on Python 3.11
        # cannot parse its own default "0" (an enum change), any non-zero value works
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(world), "--master_port", "29533",
               "--redirects", "1", "--tee", "1", "--log_dir", str(tmp / "torchrun-logs")] + args
    env = dict(os.environ, OMP_NUM_THREADS="1", COMMER_CPU="1", PYTHONPATH=str(ROOT))
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    losses = [json.loads(l)["loss"] for l in (out / "log.jsonl").read_text().splitlines() if '"loss"' in l]
    state = torch.load(out / "commer.pt")["state_dict"]
    return losses, state


# commer/task: LoRA and E through the compressor; commer/adapt: the backbone trains too,
# through both the compressor and the generator (mixed ComMer / concat batches);
# concat/task: the soft prompt only. One DDP-wrapped loss module serves all three.
@pytest.mark.parametrize("mode,stage", [("commer", "task"), ("commer", "adapt"), ("concat", "task")])
def test_two_processes_match_one(tmp_path, mode, stage):
    from models.commer.smoke import tiny_assets

    ckpt = tiny_assets(tmp_path)
    l1, s1 = _run(tmp_path, ckpt, 1, mode, stage)
    l2, s2 = _run(tmp_path, ckpt, 2, mode, stage)
    assert len(l1) == 3 and len(l2) == 3
    assert l1 == pytest.approx(l2, rel=1e-4, abs=1e-4)
    # the trained tensors moved, and moved the same way in both runs
    if mode == "concat":  # the soft prompt starts random: it moved if it left its initial value
        from models.commer.finetune.config import FinetuneConfig
        from models.commer.finetune.params import build_model

        init, _, _ = build_model(ckpt, FinetuneConfig(mode="concat", k=2, lora={"rank": 4, "alpha": 8.0, "dropout": 0.0}))
        assert not torch.allclose(s1["soft_prompt"], init.soft_prompt.detach(), atol=1e-6)
    else:  # lora_B starts at zero
        assert any(float(v.abs().max()) > 0 for k, v in s1.items() if k.endswith("lora_B"))
    for k in s1:
        assert torch.allclose(s1[k], s2[k], atol=1e-5), k
    if stage == "adapt":
        b1, b2 = (torch.load(tmp_path / f"w{w}-{mode}-{stage}" / "backbone.ckpt")["state_dict"] for w in (1, 2))
        for k in b1:
            assert torch.allclose(b1[k], b2[k], atol=1e-5), k
