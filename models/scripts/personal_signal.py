"""How much of a test person's own documents the model can use, against another
person's documents of the same kind (the control a style-strength curve needs).

For each task's test examples: perplexity of the targets with the person's own n
documents and with the n documents of the next test person (persons in a ring), for
ComMer (mean of the compressions) and for the documents concatenated in the prompt.
If own and other agree, the gain from documents is the genre, not the person.

    .venv/bin/python models/scripts/personal_signal.py --backbone models/runs/smollm2/backbone.ckpt \
        --commer models/runs/smollm2/from-pack.pt --out models/eval/personal-signal.json
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch

from models.commer.data import DEFAULT_DATA_DIR
from models.commer.evaluate import Evaluator, eval_sets, load_model
from models.commer.tasks import EvalExample
from models.commer.train_utils import atomic_write_json


def score(ev: Evaluator, exs, method: str, n: int):
    """Perplexity of the targets, pooled and per person (no greedy outputs)."""
    total, count, per = 0.0, 0, {}
    for chunk, rows, _, targets in ev.batches(exs, method, n):
        s, c = ev.add_nll(chunk, rows, targets, per)
        total += s
        count += c
    return {"ppl": round(math.exp(total / count), 4), "by_person": {k: round(math.exp(v[0] / v[1]), 4) for k, v in per.items()}}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backbone", type=Path, required=True)
    ap.add_argument("--commer", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--per-person", type=int, default=6)
    ap.add_argument("--methods", default="commer,prompt_concat")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    _, tok, _, model = load_model(a.backbone, a.commer)
    sets, source = eval_sets(None, DEFAULT_DATA_DIR, {"paraphrase": a.per_person, "headline": a.per_person})
    ev = Evaluator(model, tok, max_new_tokens=0, batch=8)
    t0 = time.time()
    report = {"n_docs": a.n, "per_person": a.per_person, "source": source, "other_is": "the next test person's profile (ring order)"}
    for task, exs in sets.items():
        persons = sorted({e.person for e in exs})
        profile = {e.person: e.profile for e in exs}
        nxt = {p: persons[(i + 1) % len(persons)] for i, p in enumerate(persons)}
        other = [EvalExample(e.task, e.person, e.input, e.target, profile[nxt[e.person]]) for e in exs]
        sec = {"persons": len(persons), "examples": len(exs)}
        for method in a.methods.split(","):
            none = score(ev, exs, method, 0)
            own = score(ev, exs, method, a.n)
            oth = score(ev, other, method, a.n)
            wins = sum(own["by_person"][p] < oth["by_person"][p] for p in persons)
            sec[method] = {"none": none, "own": own, "other": oth, "own_vs_other": round(own["ppl"] / oth["ppl"] - 1, 4), "persons_own_better": wins}
            print(task, method, "none", none["ppl"], "own", own["ppl"], "other", oth["ppl"], f"own better for {wins}/{len(persons)}", flush=True)
        report[task] = sec
    report["seconds"] = round(time.time() - t0, 1)
    atomic_write_json(report, a.out)


if __name__ == "__main__":
    main()
