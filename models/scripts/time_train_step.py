"""Time one ComMer training step on the SmolLM2 backbone under whichever torch runs
this script, so two interpreters can be compared in one run (issue: torch 1.13 from
Debian vs the pinned torch 2.13):

    for py in /usr/bin/python3 .venv/bin/python; do
      OMP_NUM_THREADS=2 $py models/scripts/time_train_step.py --backbone models/runs/smollm2/backbone.ckpt
    done

The step is finetune/loss.py batch_loss's "commer" path with token ids of tweet-like lengths
(synthetic ids, so the script needs torch and model.py only: Debian's interpreter has no
`tokenizers`): compress the documents with LoRA on, mean-merge, run the generator over
prompt + target, cross-entropy on the target, backward, AdamW. LoRA r=16 on all seven
projections, k=4, backbone frozen. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from models.commer.model import CommerModel, LoraConfig, ModelConfig


def load_backbone_state(path: Path):
    blob = torch.load(str(path), map_location="cpu")
    return ModelConfig.from_saved(blob["model_config"]), blob["state_dict"]


def step(m: CommerModel, opt, n_docs: int, batch: int, doc_len: int, prompt_len: int, target_len: int, vocab: int, g) -> float:
    t0 = time.perf_counter()
    prefix = pmask = None
    if n_docs:
        ids = torch.randint(3, vocab, (batch * n_docs, doc_len), generator=g)
        comp = m.compress(ids, torch.ones_like(ids))  # [B*n, k, d]
        prefix = comp.view(batch, n_docs, m.k, -1).mean(1)
        pmask = torch.ones(batch, m.k, dtype=torch.long)
    ids = torch.randint(3, vocab, (batch, prompt_len + target_len), generator=g)
    hidden = m.generator_forward(prefix, pmask, ids, torch.ones_like(ids), return_hidden=True)
    h = hidden[:, prompt_len - 1 : -1]
    logits = m.backbone.lm_head(h.reshape(-1, h.shape[-1]))
    loss = F.cross_entropy(logits.float(), ids[:, prompt_len:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backbone", required=True)
    ap.add_argument("--docs", default="1,8", help="document counts per example")
    ap.add_argument("--batch", type=int, default=1, help="examples per step")
    ap.add_argument("--reps", type=int, default=4, help="timed steps per count (after one warm-up)")
    a = ap.parse_args(argv)
    torch.manual_seed(0)
    cfg, state = load_backbone_state(Path(a.backbone))
    m = CommerModel(cfg, LoraConfig(rank=16, alpha=16.0, dropout=0.0), 4)
    missing, unexpected = m.backbone.load_state_dict(state, strict=False)
    assert not unexpected and all("lora_" in x for x in missing)
    m.freeze_backbone()
    m.train()
    opt = torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-4)
    g = torch.Generator().manual_seed(0)
    out = {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads(), "batch": a.batch, "steps_s": {}}
    for n in [int(x) for x in a.docs.split(",")]:
        w = step(m, opt, n, a.batch, 40, 48, 32, cfg.vocab_size, g)  # warm-up
        print(f"torch {torch.__version__}, {n} docs: warm-up step {w:.2f} s", file=sys.stderr, flush=True)
        times = []
        for _ in range(a.reps):
            times.append(step(m, opt, n, a.batch, 40, 48, 32, cfg.vocab_size, g))
            print(f"torch {torch.__version__}, {n} docs: step {times[-1]:.2f} s", file=sys.stderr, flush=True)
        out["steps_s"][str(n)] = {"median": round(statistics.median(times), 3), "all": [round(t, 3) for t in times]}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
