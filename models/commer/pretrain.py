"""Stage 2: pre-train the Llama-style backbone.

Data (training persons only, never validation/test persons):
- books: the Gutenberg texts; stories: the TinyStories slice
- tweets: every training user's tweets, each `[bos] text [eos]`
- news: headlines and descriptions of training authors and of authors that are
  no person of the headline task (< 20 articles or unnamed)
- tasks: the two task prompts rendered exactly as the pack runs them
  (models/commer/tasks.py), with 0 documents or with 1-4 of the same person's
  documents concatenated ("Document i: ..."). The generator is the *frozen*
  backbone, so it has to know the task formats before ComMer training; this is
  the instruction-tuning step the paper gets from its pretrained LLM.

Each step draws `batch` windows of `seq + 1` tokens; each window comes from a
source picked by `weights` (target domain upsampled) at a random offset of that
source's token stream. Windows are a pure function of (seed, step, row), so a
resumed run or a run under torchrun sees the same global batches.

Runs under torchrun unchanged (see train_utils). Checkpoints every
`save_every_s` seconds: the trainer state (models/runs/<run>/state.pt, for
--resume) and the backbone in the internal checkpoint format
(models/runs/<run>/backbone.ckpt, for ComMer training and export).

    nohup /usr/bin/python3 -m models.commer.pretrain --out models/runs/pretrain \
        --tokenizer models/runs/tok/spm.model > models/runs/pretrain.log 2>&1 &
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

from .checkpoint import save_checkpoint
from .config_keys import check_keys, read_config_file
from .data import DEFAULT_DATA_DIR, load_corpus, read_books, read_stories
from .model import Backbone, ModelConfig, count_parameters, positions_from_mask
from .tasks import headline_persons, paraphrase_persons, render_concat, render_prompt, target_text
from .tokenizer import Tokenizer
from .train_utils import (
    DistInfo,
    JsonlLog,
    all_reduce_sum,
    atomic_torch_save,
    cleanup_distributed,
    cosine_lr,
    setup_distributed,
)


@dataclass
class PretrainConfig:
    model: dict = field(default_factory=lambda: asdict(ModelConfig(vocab_size=4096)))
    seq: int = 256
    batch: int = 16
    lr: float = 2e-3
    min_lr_frac: float = 0.1
    warmup: int = 100
    max_steps: int = 2000
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    seed: int = 1234
    weights: Dict[str, float] = field(
        default_factory=lambda: {"books": 0.22, "stories": 0.13, "tweets": 0.18, "news": 0.17, "tasks": 0.30}
    )
    task_examples: int = 40000
    book_chars: int = 0  # cap on characters read from each book / the stories (0 = all; smoke runs)
    save_every_s: float = 300.0
    log_every: int = 10
    eval_every: int = 200
    time_budget_s: float = 0.0  # stop (after saving) when this much wall time passed in this process; 0 = no limit
    threads: int = 2

    @staticmethod
    def from_json(path: Optional[str], overrides: dict) -> "PretrainConfig":
        """The config file `path` (strict: an unknown key is refused, naming it and the file) with `overrides` on top."""
        d = read_config_file(path) if path else {}
        check_keys(PretrainConfig, d, str(path))
        if "model" in d:
            check_keys(ModelConfig, d["model"], f'{path}: "model"')
        d.update({k: v for k, v in overrides.items() if v is not None})
        return PretrainConfig(**d)


def task_stream(tok: Tokenizer, corpus, n: int, seed: int) -> List[int]:
    """Task-formatted examples from training persons (tweets: train users;
    headlines: train authors and non-person authors with >= 2 articles)."""
    rng = random.Random(seed)
    para = [p for p in paraphrase_persons(corpus.tweets_of("train")) if p.items]
    authors = {a: corpus.news[a] for a in list(corpus.split.news["train"]) + corpus.split.news_pretrain_only if a}
    heads = [p for p in headline_persons(authors) if p.items and len(p.docs) >= 2]
    bos, eos = tok.bos_id, tok.eos_id
    out: List[int] = []
    for _ in range(n):
        tp = rng.choice(para) if rng.random() < 0.5 else rng.choice(heads)
        item = rng.choice(tp.items)
        pool = tp.profile_pool([item.doc_index])
        n_docs = rng.choice([0, 0, 1, 2, 3, 4])
        docs = [tp.docs[i][:300] for i in rng.sample(pool, min(n_docs, len(pool)))]
        text = render_concat(docs) + render_prompt(tp.task, item.input)
        out += [bos] + tok.encode(text) + tok.encode(target_text(item.target)) + [eos]
    return out


def build_streams(tok: Tokenizer, data_dir: Path, task_examples: int, seed: int, book_chars: int = 0) -> Dict[str, np.ndarray]:
    c = load_corpus(data_dir)
    bos, eos = tok.bos_id, tok.eos_id
    rng = random.Random(seed)

    def docs_stream(docs: List[str]) -> np.ndarray:
        docs = list(docs)
        rng.shuffle(docs)
        ids: List[int] = []
        for d in docs:
            ids += [bos] + tok.encode(d) + [eos]
        return np.asarray(ids, dtype=np.int32)

    cap = (lambda t: t[:book_chars]) if book_chars else (lambda t: t)
    books = []
    for text in read_books(data_dir):
        books += [bos] + tok.encode(cap(text)) + [eos]
    stories = []
    for text in map(cap, read_stories(data_dir)):
        for para in text.split("\n\n"):
            if para.strip():
                stories += tok.encode(para.strip() + "\n\n")
    tweets = [" ".join(t.split()) for ts in c.tweets_of("train").values() for t in ts]
    news = [a.as_document() for a in c.pretrain_news()]
    return {
        "books": np.asarray(books, dtype=np.int32),
        "stories": np.asarray([bos] + stories + [eos], dtype=np.int32),
        "tweets": docs_stream(tweets),
        "news": docs_stream(news),
        "tasks": np.asarray(task_stream(tok, c, task_examples, seed), dtype=np.int32),
    }


def global_batch(streams: Dict[str, np.ndarray], weights: Dict[str, float], step: int, batch: int, seq: int, seed: int) -> torch.Tensor:
    """[batch, seq+1] windows, a pure function of (seed, step)."""
    g = np.random.default_rng([seed, step])
    names = sorted(weights)
    p = np.array([weights[n] for n in names], dtype=np.float64)
    p /= p.sum()
    rows = []
    for _ in range(batch):
        s = streams[names[g.choice(len(names), p=p)]]
        start = int(g.integers(0, max(1, len(s) - seq - 1)))
        w = s[start : start + seq + 1]
        if len(w) < seq + 1:
            w = np.concatenate([w, np.zeros(seq + 1 - len(w), dtype=np.int32)])
        rows.append(w)
    return torch.from_numpy(np.stack(rows).astype(np.int64))


def lm_loss_sum(model, x: torch.Tensor) -> tuple:
    """Sum of next-token cross-entropy over the window and the token count."""
    inp, tgt = x[:, :-1], x[:, 1:]
    mask = torch.ones_like(inp)
    emb = (model.module if isinstance(model, DDP) else model).embed(inp)
    logits, _, _ = model(emb, mask, positions_from_mask(mask), None, 0.0)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), reduction="sum")
    return loss, tgt.numel()


def run(cfg: PretrainConfig, out_dir: Path, tokenizer_path: Path, data_dir: Path, resume: bool) -> dict:
    torch.set_num_threads(cfg.threads)
    di: DistInfo = setup_distributed()
    log = JsonlLog(out_dir / "log.jsonl" if di.is_main else None, echo=di.is_main)
    tok = Tokenizer.from_file(tokenizer_path)
    mcfg = ModelConfig.from_dict(cfg.model, "pretrain config \"model\"")
    if mcfg.vocab_size != tok.vocab_size:
        raise SystemExit(f"model vocab {mcfg.vocab_size} != tokenizer vocab {tok.vocab_size}")
    torch.manual_seed(cfg.seed)
    model = Backbone(mcfg).to(di.device)
    opt = torch.optim.AdamW(
        [
            {"params": [p for n, p in model.named_parameters() if p.dim() >= 2], "weight_decay": cfg.weight_decay},
            {"params": [p for n, p in model.named_parameters() if p.dim() < 2], "weight_decay": 0.0},
        ],
        lr=cfg.lr,
        betas=(0.9, 0.95),
    )
    step = 0
    state_path = out_dir / "state.pt"
    if resume and state_path.is_file():
        st = torch.load(state_path, map_location="cpu")
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step = int(st["step"])
        log(event="resumed", step=step)
    t0 = time.time()
    streams = build_streams(tok, data_dir, cfg.task_examples, cfg.seed, cfg.book_chars)
    if di.is_main:
        log(
            event="start",
            params=count_parameters(model),
            streams={k: int(len(v)) for k, v in streams.items()},
            build_s=round(time.time() - t0, 1),
            config=asdict(cfg),
            world=di.world,
        )
    ddp_model = DDP(model) if di.enabled else model
    last_save = time.time()
    start_time = time.time()
    tok_count, tok_t0, loss_acc, loss_n = 0, time.time(), 0.0, 0

    def save() -> None:
        if not di.is_main:
            return
        atomic_torch_save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "config": asdict(cfg)}, state_path)
        save_checkpoint(out_dir / "backbone.ckpt", mcfg, model.state_dict(), tok, extra={"pretrain_step": step, "config": asdict(cfg)})
        log(event="saved", step=step)

    model.train()
    while step < cfg.max_steps:
        lr = cosine_lr(step, cfg.max_steps, cfg.warmup, cfg.lr, cfg.min_lr_frac)
        for g in opt.param_groups:
            g["lr"] = lr
        xb = global_batch(streams, cfg.weights, step, cfg.batch, cfg.seq, cfg.seed)
        local = xb[di.rank :: di.world].to(di.device)
        loss_sum, n_tok = lm_loss_sum(ddp_model, local)
        total_tok = all_reduce_sum(torch.tensor(float(n_tok)), di)
        loss = loss_sum / total_tok * di.world
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        step += 1
        global_loss = all_reduce_sum(loss_sum.detach(), di) / total_tok
        loss_acc += float(global_loss)
        loss_n += 1
        tok_count += int(total_tok)
        if di.is_main and step % cfg.log_every == 0:
            dt = time.time() - tok_t0
            log(step=step, loss=round(loss_acc / loss_n, 4), lr=round(lr, 6), grad_norm=round(float(gn), 3), tok_per_s=round(tok_count / dt, 1))
            tok_count, tok_t0, loss_acc, loss_n = 0, time.time(), 0.0, 0
        if time.time() - last_save > cfg.save_every_s:
            save()
            last_save = time.time()
        if cfg.time_budget_s and time.time() - start_time > cfg.time_budget_s:
            log(event="time_budget_reached", step=step)
            break
    save()
    cleanup_distributed(di)
    return {"step": step}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="pre-train the backbone")
    ap.add_argument("--config", help="JSON with PretrainConfig fields (models/configs/pretrain-*.json)")
    ap.add_argument("--out", default="models/runs/pretrain")
    ap.add_argument("--tokenizer", default="models/runs/tok/spm.model")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--seq", type=int)
    ap.add_argument("--time-budget-s", type=float)
    ap.add_argument("--save-every-s", type=float)
    ap.add_argument("--task-examples", type=int)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--book-chars", type=int)
    a = ap.parse_args(argv)
    cfg = PretrainConfig.from_json(
        a.config,
        {
            "max_steps": a.max_steps,
            "batch": a.batch,
            "seq": a.seq,
            "time_budget_s": a.time_budget_s,
            "save_every_s": a.save_every_s,
            "task_examples": a.task_examples,
            "threads": a.threads,
            "book_chars": a.book_chars,
        },
    )
    run(cfg, Path(a.out), Path(a.tokenizer), Path(a.data_dir), a.resume)


if __name__ == "__main__":
    main()
