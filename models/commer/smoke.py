"""A tiny end-to-end run of the whole pipeline, in a few minutes on a laptop CPU.

tokenizer (on a slice) -> a few pre-training steps -> ComMer auto-encoding, the
backbone's adaptation to soft inputs and
task steps -> the soft-prompt baseline -> evaluation on a couple of test persons
-> a pack exported into a temporary folder. Every stage is the real one with a
tiny configuration; nothing is mocked. `npm run train:smoke` runs it.

    /usr/bin/python3 -m models.commer.smoke [--out .tmp/smoke] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import torch

from . import evaluate, finetune, pretrain, train_tokenizer
from .data import DEFAULT_DATA_DIR, load_corpus

TINY_MODEL = {"dim": 64, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "hidden_dim": 172, "vocab_size": 512,
              "max_positions": 2048, "rope_theta": 10000.0, "norm_eps": 1e-5, "tied_embeddings": True}


def tiny_assets(out: Path, data_dir: Path = DEFAULT_DATA_DIR, seed: int = 0) -> Path:
    """A tokenizer trained on a slice (vocab 512) and a *random* tiny backbone
    checkpoint, for tests of the trainers: returns the checkpoint path."""
    from .checkpoint import save_checkpoint
    from .model import Backbone, ModelConfig
    from .tokenizer import Tokenizer

    tok_path = out / "tok" / "spm.model"
    if not tok_path.is_file():
        train_tokenizer.train(train_tokenizer.training_lines(data_dir, max_chars=120_000), tok_path, vocab_size=512)
    ckpt = out / "tiny.ckpt"
    if not ckpt.is_file():
        torch.manual_seed(seed)
        cfg = ModelConfig.from_dict(TINY_MODEL)
        save_checkpoint(ckpt, cfg, Backbone(cfg).state_dict(), Tokenizer.from_file(tok_path))
    return ckpt


def run(out: Path, data_dir: Path = DEFAULT_DATA_DIR, steps: int = 20, threads: int = 1) -> dict:
    torch.set_num_threads(threads)
    t0 = time.time()
    out.mkdir(parents=True, exist_ok=True)
    timings = {}

    # 1. tokenizer on a slice
    tok_path = out / "tok" / "spm.model"
    train_tokenizer.train(train_tokenizer.training_lines(data_dir, max_chars=300_000), tok_path, vocab_size=512)
    timings["tokenizer_s"] = round(time.time() - t0, 1)

    # 2. pre-training
    pcfg = pretrain.PretrainConfig(model=dict(TINY_MODEL), seq=64, batch=8, lr=3e-3, warmup=2, max_steps=steps,
                                   task_examples=300, book_chars=20_000, save_every_s=1e9, log_every=5, threads=threads)
    pretrain.run(pcfg, out / "pretrain", tok_path, data_dir, resume=False)
    backbone = out / "pretrain" / "backbone.ckpt"
    timings["pretrain_s"] = round(time.time() - t0, 1)

    # 3. ComMer: auto-encoding, the backbone's adaptation to soft inputs (it writes the
    #    backbone every later stage uses, frozen), then both tasks; 4. the soft-prompt baseline
    common = dict(k=2, lora={"rank": 4, "alpha": 8.0, "dropout": 0.1}, batch=4, max_steps=steps, eval_every=steps,
                  val_per_person=1, threads=threads, max_doc_tokens=48)
    ae = finetune.run(finetune.FinetuneConfig(mode="commer", stage="ae", **common), backbone, out / "ae", data_dir)
    adapt = finetune.run(finetune.FinetuneConfig(mode="commer", stage="adapt", **common), backbone, out / "adapt", data_dir,
                         init=out / "ae" / "commer.pt")
    backbone = out / "adapt" / "backbone.ckpt"
    task = finetune.run(finetune.FinetuneConfig(mode="commer", stage="task", **common), backbone, out / "task", data_dir,
                        init=out / "adapt" / "commer.pt")
    concat = finetune.run(finetune.FinetuneConfig(mode="concat", **common), backbone, out / "concat", data_dir,
                          init=out / "task" / "commer.pt", merge_from=out / "task" / "commer.pt")
    timings["finetune_s"] = round(time.time() - t0, 1)

    # 5. evaluation on two test persons per task (a file in the shared formats)
    c = load_corpus(data_dir)
    subset = out / "eval_tweets.jsonl"
    with open(subset, "w", encoding="utf-8") as f:
        for person in c.split.tweets["test"][:2]:
            for t in c.tweets[person][:40]:
                f.write(json.dumps({"user": person, "text": t}) + "\n")
    report = evaluate.run(backbone, out / "concat" / "commer.pt", out / "eval" / "report.json", data_file=subset,
                          per_person={"paraphrase": 2, "headline": 2}, doc_counts=[0, 1, 4], max_new_tokens=8,
                          threads=threads, plot=False)
    timings["evaluate_s"] = round(time.time() - t0, 1)

    # 6. export a pack with the models-core exporter
    from .checkpoint import build_commer_model, load_checkpoint, load_commer_state
    from .export import export_pack

    cfg, state, tok, _ = load_checkpoint(backbone)
    blob = load_commer_state(out / "concat" / "commer.pt")
    model = build_commer_model(cfg, state, blob).eval()
    pack = export_pack(model, tok, out / "pack", "smoke", templates=blob["extra"]["templates"], evaluation=report, force=True)
    timings["export_s"] = round(time.time() - t0, 1)
    return {
        "pack": str(pack),
        "ae": {k: ae[k] for k in ("start_val_ppl", "best_val_ppl")},
        "adapt": {k: adapt[k] for k in ("start_val_ppl", "best_val_ppl")},
        "task": {k: task[k] for k in ("start_val_ppl", "best_val_ppl")},
        "concat": {k: concat[k] for k in ("start_val_ppl", "best_val_ppl")},
        "eval_paraphrase_commer": report["paraphrase"]["commer_by_docs"],
        "timings": timings,
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="work folder (default: a temporary folder, removed afterwards)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    a = ap.parse_args(argv)
    tmp = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="commer-smoke-"))
    try:
        res = run(tmp, Path(a.data_dir), a.steps)
        files = sorted(p.name for p in Path(res["pack"]).iterdir())
        print(json.dumps(res, indent=1))
        print(f"smoke OK: pack files {files}")
    finally:
        if not a.out:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
