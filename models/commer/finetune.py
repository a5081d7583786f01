"""Stage 3: ComMer training on a frozen backbone (and the prompt-concat baseline).

Modes
- `commer` (trains LoRA + the k compression embeddings E):
  stage `ae`   multi-document auto-encoding (the paper's pre-training): n documents,
               each rendered "Document i: <text[:150]>", compressed one by one and
               mean-merged; the generator is asked "What does document j contain?"
               and must reproduce document j.
  stage `task` both tasks mixed, document counts drawn from {0,1,2,4,8} (tweets) and
               {0,1,2,4} (headlines), so one model serves any count.
  stage `adapt` (after `ae`, before `task`; our addition for tiny backbones): the backbone
               is NOT frozen. It learns, together with LoRA and E, to read merged
               compressions (task and auto-encoding examples) and documents
               concatenated in the prompt (so the concat baselines get the same
               adaptation). Soft inputs are known to work poorly on small frozen LMs
               (prompt tuning only matches fine-tuning at billions of parameters); a
               1-10 M backbone pre-trained on text alone never learns to use them. The
               adapted backbone is written as `<out>/backbone.ckpt` and is then the
               frozen LM of the later stages and of the pack.
- `concat` (trains only a soft prompt of length k; the paper's prompt-tuning
  baseline): soft_prompt ++ [bos] + enc(Document 1: d1\\n ... + prompt) + target.

Sequences follow models/PACK_FORMAT.md "Sequences" (see tasks.py). Loss is
cross-entropy on target tokens (+ EOS) only. Optimizer per DESIGN.md: AdamW
(weight decay 0.001), LoRA LR `lora_lr`, E LR `emb_lr` (1e-2), soft prompt LR
`prompt_lr` (3e-2), grad clip 0.3, cosine schedule with 3 % warm-up, early stopping
on validation perplexity (validation persons only, a fixed set).

Runs under torchrun unchanged (train_utils). Output: `<out>/commer.pt` in the
format of checkpoint.save_commer_state (the exporter's --commer input), holding the
best-validation weights, the templates (extra.templates) and the training record.

    /usr/bin/python3 -m models.commer.finetune --backbone models/runs/pretrain/backbone.ckpt \\
        --mode commer --stage ae --out models/runs/commer-ae --max-steps 300
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

from .augment import stylize
from .checkpoint import load_checkpoint, load_commer_state, save_checkpoint, save_commer_state
from .config_keys import check_keys, read_config_file
from .data import DEFAULT_DATA_DIR, Corpus, load_corpus
from .model import CommerModel, LoraConfig, merge_mean
from .neutralize import neutralize
from .tasks import (
    AE,
    TEMPLATES,
    TRAIN_DOC_COUNTS,
    TaskPerson,
    eval_examples,
    headline_persons,
    paraphrase_persons,
    render_concat,
    render_document,
    render_prompt,
    sample_training_example,
    target_text,
    use_templates,
)
from .train_utils import DistInfo, JsonlLog, all_reduce_sum, cleanup_distributed, cosine_lr, setup_distributed

AE_CHARS = 150


@dataclass
class FinetuneConfig:
    mode: str = "commer"  # commer | concat
    stage: str = "task"  # adapt | ae | task (commer mode)
    templates: str = "plain"  # tasks.TEMPLATE_SETS: "plain" for base models, "chatml" for SmolLM2-Instruct
    k: int = 4
    lora: dict = field(default_factory=lambda: {"rank": 16, "alpha": 16.0, "dropout": 0.1})
    lora_lr: float = 1e-3
    emb_lr: float = 1e-2
    prompt_lr: float = 3e-2
    weight_decay: float = 0.001
    grad_clip: float = 0.3
    warmup_frac: float = 0.03
    batch: int = 8
    max_steps: int = 600
    max_doc_tokens: int = 96  # training-time cap (the pack allows 256 at run time)
    max_target_tokens: int = 64
    max_concat_tokens: int = 768
    task_mix: Dict[str, float] = field(default_factory=lambda: {"paraphrase": 0.5, "headline": 0.5})
    ae_doc_counts: Tuple[int, ...] = (1, 1, 2, 4)
    eval_every: int = 100
    log_every: int = 10
    patience: int = 3
    val_per_person: int = 6
    seed: int = 7
    threads: int = 2
    time_budget_s: float = 0.0
    backbone_lr: float = 5e-4  # adapt stage only: the backbone trains too
    # share of task examples whose person is a pseudo-person (augment.py): a real
    # training person's texts with a freshly drawn style over target and profile
    style_aug: float = 0.0
    # adapt stage: share of ComMer task examples, ComMer auto-encoding examples,
    # task examples with the documents concatenated in the prompt, and "copy":
    # person-less paraphrase examples (neutralize(text) -> text) over pre-training news
    # headlines and descriptions (12k texts, too many to recall: they reward reading the input)
    adapt_mix: Dict[str, float] = field(default_factory=lambda: {"task": 0.6, "ae": 0.2, "concat": 0.2})

    @staticmethod
    def from_json(path: Optional[str], overrides: dict) -> "FinetuneConfig":
        """The config file `path` (strict: an unknown key is refused, naming it and the file) with `overrides` on top."""
        d = read_config_file(path) if path else {}
        check_keys(FinetuneConfig, d, str(path))
        if "lora" in d:
            check_keys(LoraConfig, d["lora"], f'{path}: "lora"')
        d.update({k: v for k, v in overrides.items() if v is not None})
        if "ae_doc_counts" in d:
            d["ae_doc_counts"] = tuple(d["ae_doc_counts"])
        return FinetuneConfig(**d)


# ------------------------------------------------------------------ encoding


@dataclass
class Example:
    """One training/eval example before tokenization."""

    prompt: str
    target: str
    docs: List[str]  # profile documents (already rendered for the compressor)
    mode: str = ""  # adapt stage: "commer" or "concat" for this example ("" = the run's mode)
    task: str = ""  # validation examples: the task, for the input probe


class Encoder:
    def __init__(self, tok, max_doc_tokens: int, max_target_tokens: int, max_concat_tokens: int):
        self.tok = tok
        self.max_doc = max_doc_tokens
        self.max_target = max_target_tokens
        self.max_concat = max_concat_tokens
        self._cache: Dict[str, List[int]] = {}

    def enc(self, text: str) -> List[int]:
        ids = self._cache.get(text)
        if ids is None:
            ids = self.tok.encode(text)
            if len(self._cache) < 200_000:
                self._cache[text] = ids
        return ids

    def doc(self, text: str) -> List[int]:
        return [self.tok.bos_id] + self.enc(text)[: self.max_doc]

    def gen_row(self, prompt_ids: List[int], target: str) -> Tuple[List[int], int]:
        """[bos] + prompt + target + [eos]; returns ids and the index where the target starts."""
        t = self.enc(target_text(target))[: self.max_target] + [self.tok.eos_id]
        ids = [self.tok.bos_id] + prompt_ids + t
        return ids, 1 + len(prompt_ids)

    def prompt(self, text: str) -> List[int]:
        return self.enc(text)

    def concat_prompt(self, docs: Sequence[str], prompt: str, budget: Optional[int] = None) -> List[int]:
        """enc(concat_document(...) + prompt). With `budget`, the documents part is cut
        to `budget` tokens (the budget-matched baseline); otherwise the documents part
        is cut from the left to max_concat tokens."""
        if not docs:
            return self.enc(prompt)
        if budget is not None:
            return self.enc(render_concat(docs))[:budget] + self.enc(prompt)
        ids = self.tok.encode(render_concat(docs) + prompt)
        p = len(self.enc(prompt))
        if len(ids) - p > self.max_concat:
            ids = ids[len(ids) - p - self.max_concat :]
        return ids


def right_pad(rows: Sequence[Sequence[int]], pad: int) -> Tuple[torch.Tensor, torch.Tensor]:
    n = max(len(r) for r in rows)
    ids = torch.full((len(rows), n), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


def left_pad(rows: Sequence[Sequence[int]], pad: int) -> Tuple[torch.Tensor, torch.Tensor]:
    n = max(len(r) for r in rows)
    ids = torch.full((len(rows), n), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), n), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, n - len(r) :] = torch.tensor(r, dtype=torch.long)
        mask[i, n - len(r) :] = 1
    return ids, mask


def base(m):
    """The CommerModel behind a DDP(CompressWrapper(model)) or the model itself."""
    m = m.module if isinstance(m, DDP) else m
    return m.m if isinstance(m, CompressWrapper) else m


def commer_prefix(model, encoder: Encoder, docs_per_row: Sequence[Sequence[str]]) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Merged compressions [B, k, d] and prefix mask [B, k] (zeros for 0-document rows)."""
    m = base(model)
    flat = [d for docs in docs_per_row for d in docs]
    b = len(docs_per_row)
    if not flat:
        return None, None
    ids, mask = left_pad([encoder.doc(d) for d in flat], encoder.tok.pad_id)
    comp = model(ids, mask) if isinstance(model, DDP) else m.compress(ids, mask)  # [N, k, d]
    n_max = max(len(d) for d in docs_per_row)
    full = comp.new_zeros(b, n_max, m.k, m.cfg.dim)
    counts = torch.zeros(b, dtype=torch.long)
    j = 0
    for i, docs in enumerate(docs_per_row):
        n = len(docs)
        if n:
            full[i, :n] = comp[j : j + n]
            j += n
        counts[i] = n
    merged = merge_mean(full, counts)
    pmask = (counts > 0).long()[:, None].expand(b, m.k).contiguous()
    return merged, pmask


class CompressWrapper(torch.nn.Module):
    """DDP needs one module whose forward runs the trained parameters; compress is it."""

    def __init__(self, m: CommerModel):
        super().__init__()
        self.m = m

    def forward(self, ids, mask):
        return self.m.compress(ids, mask)


def _target_mask(ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> torch.Tensor:
    """[B, T-1] True where position t predicts a target token (target + eos) of its row."""
    sel = torch.zeros(ids.shape[0], ids.shape[1] - 1, dtype=torch.bool)
    for i, (s, n) in enumerate(zip(starts, lengths)):
        sel[i, s - 1 : n - 1] = True
    return sel


def target_loss_sum(logits: torch.Tensor, ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> Tuple[torch.Tensor, int]:
    """Sum of CE over target tokens (target + eos) and their count."""
    lp = F.log_softmax(logits[:, :-1].float(), dim=-1)
    tgt = ids[:, 1:]
    sel = _target_mask(ids, starts, lengths)
    nll = -lp.gather(-1, tgt[..., None])[..., 0]
    return nll[sel].sum(), int(sel.sum())


def target_loss_from_hidden(m: CommerModel, hidden: torch.Tensor, ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> Tuple[torch.Tensor, int]:
    """target_loss_sum with the vocabulary projection applied to the scored positions
    only (with a 49k vocabulary the projection of every prompt position was a fifth of
    a step's work)."""
    sel = _target_mask(ids, starts, lengths)
    logits = m.backbone.lm_head(hidden[:, :-1][sel])
    nll = F.cross_entropy(logits.float(), ids[:, 1:][sel], reduction="sum")
    return nll, int(sel.sum())


def batch_loss(model, encoder: Encoder, exs: Sequence[Example], mode: str) -> Tuple[torch.Tensor, int]:
    modes = {e.mode or mode for e in exs}
    if len(modes) > 1:
        # a mixed adapt-stage batch: each kind of example through its own path
        total, count = None, 0
        for md in sorted(modes):
            s, n = batch_loss(model, encoder, [e for e in exs if (e.mode or mode) == md], md)
            total = s if total is None else total + s
            count += n
        assert total is not None
        return total, count
    mode = modes.pop() if modes else mode
    m = base(model)
    keepalive = None
    if mode == "commer":
        prefix, pmask = commer_prefix(model, encoder, [e.docs for e in exs])
        rows = [encoder.gen_row(encoder.prompt(e.prompt), e.target) for e in exs]
        if prefix is None and isinstance(model, DDP):
            # every rank must run the DDP forward each step, even one whose slice of
            # the batch has no documents; a zero-weighted dummy compression does it
            one = torch.tensor([[encoder.tok.bos_id]])
            keepalive = model(one, torch.ones_like(one)).sum() * 0.0
    else:
        rows = [encoder.gen_row(encoder.concat_prompt(e.docs, e.prompt), e.target) for e in exs]
        if m.soft_prompt is not None:
            prefix = m.soft_prompt[None].expand(len(exs), -1, -1)
            pmask = torch.ones(len(exs), m.soft_prompt.shape[0], dtype=torch.long)
        else:
            prefix, pmask = None, None
    ids, mask = right_pad([r[0] for r in rows], encoder.tok.pad_id)
    hidden = m.generator_forward(prefix, pmask, ids, mask, return_hidden=True)
    loss, n = target_loss_from_hidden(m, hidden, ids, [r[1] for r in rows], [len(r[0]) for r in rows])
    return (loss + keepalive if keepalive is not None else loss), n


# ------------------------------------------------------------------ data


class TrainData:
    """Training persons of both tasks plus a fixed validation set."""

    def __init__(self, corpus: Corpus, cfg: FinetuneConfig):
        self.cfg = cfg
        self.persons: Dict[str, List[TaskPerson]] = {
            "paraphrase": [p for p in paraphrase_persons(corpus.tweets_of("train")) if len(p.items) > 0],
            # headline persons: the train authors, plus authors with 8..19 articles, who
            # are no person of any split (they can't be validation or test persons)
            "headline": [
                p
                for p in headline_persons(
                    {a: corpus.news[a] for a in list(corpus.split.news["train"]) + corpus.split.news_pretrain_only if a and len(corpus.news[a]) >= 8}
                )
                if p.items
            ],
        }
        self.ae_docs: List[str] = [d for tps in self.persons.values() for tp in tps for d in tp.docs]
        self.copy_pairs: List[Tuple[str, str]] = copy_pairs(corpus) if cfg.adapt_mix.get("copy") else []
        self.val: List[Example] = []
        val_persons = {
            "paraphrase": paraphrase_persons(corpus.tweets_of("val")),
            "headline": headline_persons(corpus.news_of("val")),
        }
        rng = random.Random(12345)
        for task, tps in val_persons.items():
            counts = TRAIN_DOC_COUNTS[task]
            for j, ex in enumerate(eval_examples(tps, cfg.val_per_person, max_docs=max(counts))):
                n = counts[j % len(counts)]
                self.val.append(Example(render_prompt(task, ex.input), ex.target, [render_document(d) for d in ex.profile[:n]], task=task))
        rng.shuffle(self.val)

    def task_example(self, rng: random.Random) -> Example:
        tasks = sorted(self.cfg.task_mix)
        task = rng.choices(tasks, weights=[self.cfg.task_mix[t] for t in tasks])[0]
        tp = rng.choice(self.persons[task])
        n = rng.choice(TRAIN_DOC_COUNTS[task])
        item, docs = sample_training_example(tp, n, rng)
        target = item.target
        if self.cfg.style_aug and rng.random() < self.cfg.style_aug:
            target, docs, _ = stylize(task, target, docs, rng)
        return Example(render_prompt(task, item.input), target, [render_document(d) for d in docs])

    def ae_example(self, rng: random.Random) -> Example:
        n = rng.choice(self.cfg.ae_doc_counts)
        docs = [d[:AE_CHARS] for d in rng.sample(self.ae_docs, n)]
        j = rng.randrange(n)
        rendered = [AE["document"].format(i=i + 1, text=d) for i, d in enumerate(docs)]
        return Example(AE["query"].format(n=j + 1), docs[j], rendered)

    def adapt_example(self, rng: random.Random) -> Example:
        kinds = sorted(self.cfg.adapt_mix)
        kind = rng.choices(kinds, weights=[self.cfg.adapt_mix[x] for x in kinds])[0]
        if kind == "ae":
            ex = self.ae_example(rng)
            return Example(ex.prompt, ex.target, ex.docs, "commer")
        if kind == "copy":
            neutral, text = rng.choice(self.copy_pairs)
            return Example(render_prompt("paraphrase", neutral), text, [], "commer")
        ex = self.task_example(rng)
        # the same example, its documents either compressed or concatenated in the prompt
        return Example(ex.prompt, ex.target, ex.docs, "concat" if kind == "concat" else "commer")

    def global_batch(self, step: int, batch: int, stage: str) -> List[Example]:
        rng = random.Random(self.cfg.seed * 1_000_003 + step)
        make = {"ae": self.ae_example, "adapt": self.adapt_example}.get(stage, self.task_example)
        return [make(rng) for _ in range(batch)]


# ------------------------------------------------------------------ model


def build_model(backbone_ckpt: Path, cfg: FinetuneConfig, init: Optional[Path] = None):
    mcfg, state, tok, extra = load_checkpoint(backbone_ckpt)
    lora = LoraConfig.from_dict(cfg.lora, "finetune config \"lora\"")
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
    if not (cfg.mode == "commer" and cfg.stage == "adapt"):
        m.freeze_backbone()
    return m, tok, extra


def param_groups(m: CommerModel, cfg: FinetuneConfig) -> List[dict]:
    lora = [p for n, p in m.named_parameters() if "lora_" in n]
    if cfg.mode == "commer":
        for p in [m.soft_prompt]:
            p.requires_grad_(False)
        groups = [
            {"params": lora, "lr": cfg.lora_lr, "base_lr": cfg.lora_lr, "weight_decay": cfg.weight_decay},
            {"params": [m.compression], "lr": cfg.emb_lr, "base_lr": cfg.emb_lr, "weight_decay": 0.0},
        ]
        if cfg.stage == "adapt":
            backbone = m.backbone.backbone_parameters()
            groups.append({"params": backbone, "lr": cfg.backbone_lr, "base_lr": cfg.backbone_lr, "weight_decay": cfg.weight_decay})
        return groups
    for p in lora + [m.compression]:
        p.requires_grad_(False)
    return [{"params": [m.soft_prompt], "lr": cfg.prompt_lr, "base_lr": cfg.prompt_lr, "weight_decay": 0.0}]


@torch.no_grad()
def validate(model, encoder: Encoder, exs: Sequence[Example], mode: str, batch: int = 16) -> float:
    """Target-token perplexity over a fixed example list."""
    m = base(model)
    was = m.training
    m.eval()
    total, count = 0.0, 0
    for i in range(0, len(exs), batch):
        s, n = batch_loss(m, encoder, exs[i : i + batch], mode)
        total += float(s)
        count += n
    m.train(was)
    return math.exp(total / max(1, count))


def personalization_probe(model, encoder: Encoder, exs: Sequence[Example], mode: str) -> Dict[str, float]:
    """The validation examples that have documents, scored with them and with them
    removed: how much the documents lower the target perplexity (the quantity the
    evaluation's goals are about)."""
    with_docs = [e for e in exs if e.docs]
    if not with_docs:
        return {}
    a = validate(model, encoder, with_docs, mode)
    b = validate(model, encoder, [Example(e.prompt, e.target, [], e.mode) for e in with_docs], mode)
    return {"ppl_with_docs": round(a, 4), "ppl_without_docs": round(b, 4), "gain": round(1 - a / b, 4)}


def input_probe(model, encoder: Encoder, exs: Sequence[Example], mode: str) -> Dict[str, float]:
    """The validation examples without documents, scored with their own input and with
    the input of the next example of the same task: how much the model reads its input.
    A model that copies the neutral tweet has a large gain; one that ignores it, ~0."""
    own: List[Example] = []
    other: List[Example] = []
    for task in sorted({e.task for e in exs if e.task}):
        group = [e for e in exs if e.task == task]
        if len(group) < 2:
            continue
        for i, e in enumerate(group):
            own.append(Example(e.prompt, e.target, [], e.mode))
            other.append(Example(group[(i + 1) % len(group)].prompt, e.target, [], e.mode))
    if not own:
        return {}
    a = validate(model, encoder, own, mode)
    b = validate(model, encoder, other, mode)
    return {"ppl_own_input": round(a, 4), "ppl_other_input": round(b, 4), "input_gain": round(1 - a / b, 4)}


def probes(model, encoder: Encoder, exs: Sequence[Example], mode: str, stage: str) -> Dict[str, float]:
    """What every validation logs besides perplexity (ComMer task-reading stages only)."""
    if mode != "commer" or stage == "ae":
        return {}
    return {**personalization_probe(model, encoder, exs, mode), **input_probe(model, encoder, exs, mode)}


def copy_pairs(corpus: Corpus) -> List[Tuple[str, str]]:
    """(neutral form, text) for the adapt stage's copy examples: headlines and short
    descriptions of the articles pre-training may use (training and non-person authors;
    never a validation or test person's), whose neutral form differs from them."""
    out: List[Tuple[str, str]] = []
    for a in corpus.pretrain_news():
        for text in (a.headline, a.short_description):
            text = (text or "").strip()
            if 12 <= len(text) <= 280:
                neutral = neutralize(text)
                if neutral not in ("", text):
                    out.append((neutral, text))
    return out


def trained_state(m: CommerModel) -> Dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in m.named_parameters() if p.requires_grad}


def run(cfg: FinetuneConfig, backbone: Path, out: Path, data_dir: Path, init: Optional[Path] = None, merge_from: Optional[Path] = None) -> dict:
    torch.set_num_threads(cfg.threads)
    use_templates(cfg.templates)
    di: DistInfo = setup_distributed()
    log = JsonlLog(out / "log.jsonl" if di.is_main else None, echo=di.is_main)
    model, tok, backbone_extra = build_model(backbone, cfg, init)
    prov = _provenance(backbone, tok, backbone_extra, init, merge_from)
    model.to(di.device)
    groups = param_groups(model, cfg)
    opt = torch.optim.AdamW(groups, betas=(0.9, 0.999))
    corpus = load_corpus(data_dir)
    data = TrainData(corpus, cfg)
    enc = Encoder(tok, cfg.max_doc_tokens, cfg.max_target_tokens, cfg.max_concat_tokens)
    val = data.val if cfg.stage in ("task", "adapt") or cfg.mode == "concat" else [data.ae_example(random.Random(900 + i)) for i in range(64)]
    stage = "task" if cfg.mode == "concat" else cfg.stage
    trainable = [p for g in groups for p in g["params"]]
    ddp = None
    if di.enabled:
        # The compressor is the only DDP-wrapped forward; the soft prompt (concat mode)
        # is synchronized by an explicit all-reduce of its gradient.
        # The adapt stage trains the whole backbone, used by both paths: it is
        # synchronized by the same explicit all-reduce.
        ddp = DDP(CompressWrapper(model)) if cfg.mode == "commer" and stage != "adapt" else None
    fwd = ddp if ddp is not None else model
    warmup = max(1, int(cfg.warmup_frac * cfg.max_steps))
    v0 = validate(model, enc, val, cfg.mode)
    best, best_step, bad = v0, 0, 0
    best_state = trained_state(model)
    probe = probes(model, enc, val, cfg.mode, stage)
    log(event="start", mode=cfg.mode, stage=stage, val_ppl=round(v0, 4), n_val=len(val), world=di.world,
        train_persons={k: len(v) for k, v in data.persons.items()}, config=asdict(cfg), **probe)
    t0 = time.time()
    step, acc, acc_n, tok_n = 0, 0.0, 0, 0
    model.train()
    history = [{"step": 0, "val_ppl": v0}]
    while step < cfg.max_steps:
        for g in opt.param_groups:
            g["lr"] = cosine_lr(step, cfg.max_steps, warmup, g["base_lr"], 0.0)
        exs = data.global_batch(step, cfg.batch, stage)[di.rank :: di.world]
        loss_sum, n = batch_loss(fwd, enc, exs, cfg.mode)
        total = all_reduce_sum(torch.tensor(float(n)), di)
        loss = loss_sum / total * di.world
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if di.enabled and ddp is None:
            for p in trainable:
                if p.grad is not None:
                    torch.distributed.all_reduce(p.grad)
                    p.grad /= di.world
        torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)
        opt.step()
        step += 1
        acc += float(all_reduce_sum(loss_sum.detach(), di) / total)
        acc_n += 1
        tok_n += int(total)
        if step % cfg.log_every == 0:
            log(step=step, loss=round(acc / acc_n, 4), lr=round(opt.param_groups[0]["lr"], 6), elapsed_s=round(time.time() - t0, 1))
            acc, acc_n = 0.0, 0
        stop = cfg.time_budget_s and time.time() - t0 > cfg.time_budget_s
        if step % cfg.eval_every == 0 or step == cfg.max_steps or stop:
            v = validate(model, enc, val, cfg.mode)
            probe = probes(model, enc, val, cfg.mode, stage)
            history.append({"step": step, "val_ppl": v, **probe})
            improved = v < best
            if improved:
                best, best_step, bad = v, step, 0
                best_state = trained_state(model)
            else:
                bad += 1
            log(event="val", step=step, val_ppl=round(v, 4), best=round(best, 4), best_step=best_step, **probe)
            if di.is_main:
                _save(out, model, best_state, cfg, history, best, best_step, prov)
            if bad >= cfg.patience:
                log(event="early_stop", step=step)
                break
        if stop:
            log(event="time_budget_reached", step=step)
            break
    if di.is_main:
        _save(out, model, best_state, cfg, history, best, best_step, prov)
    cleanup_distributed(di)
    return {"best_val_ppl": best, "best_step": best_step, "start_val_ppl": v0, "steps": step, "history": history}


@dataclass
class _Provenance:
    """What every save of a run repeats, read once when the run starts: the earlier
    stages' training record (from --init and --merge-from), merge_from's tensors, and
    the input backbone's checkpoint extras (the adapt stage writes a backbone)."""

    backbone: Path
    tok: object
    backbone_extra: dict
    prior_record: dict
    other: Dict[str, torch.Tensor]


def _provenance(backbone: Path, tok, backbone_extra: dict, init: Optional[Path], merge_from: Optional[Path]) -> _Provenance:
    prior: dict = {}
    other: Dict[str, torch.Tensor] = {}
    for src in (init, merge_from):
        if src is not None:
            blob = load_commer_state(src)
            prior.update((blob.get("extra") or {}).get("training", {}))
            if src == merge_from:
                other = blob["state_dict"]
    return _Provenance(backbone, tok, backbone_extra, prior, other)


def _save(out: Path, model: CommerModel, best_state, cfg, history, best, best_step, prov: _Provenance) -> None:
    """commer.pt = the best-validation trained tensors (+ the other mode's tensors
    taken from `merge_from`, so one file holds ComMer weights and the soft prompt).
    The adapt stage also writes the adapted backbone as backbone.ckpt."""
    cur = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n in prov.other and n not in best_state and ("lora_" in n or n in ("compression", "soft_prompt")):
                p.copy_(prov.other[n])
        for n, p in model.named_parameters():
            if n in best_state:
                p.copy_(best_state[n])
    record = dict(prov.prior_record)
    record[f"{cfg.mode}:{cfg.stage if cfg.mode == 'commer' else 'task'}"] = {
        "config": asdict(cfg), "best_val_ppl": best, "best_step": best_step, "history": history, "backbone": str(prov.backbone),
    }
    save_commer_state(out / "commer.pt", model, extra={"templates": TEMPLATES, "training": record})
    if cfg.mode == "commer" and cfg.stage == "adapt":
        extra = dict(prov.backbone_extra)
        extra["adapted"] = {"from": str(prov.backbone), "best_step": best_step, "best_val_ppl": best}
        save_checkpoint(out / "backbone.ckpt", model.cfg, model.backbone.state_dict(), prov.tok, extra=extra)
    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(cur[n])


def merge_states(commer_path: Path, concat_path: Path, out: Path) -> Path:
    """One adapter file from two independent runs on the same backbone: LoRA and E
    from the ComMer run, the soft prompt from the concat-baseline run."""
    from .train_utils import atomic_torch_save

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


def main(argv=None) -> None:
    import sys

    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "merge":
        ap = argparse.ArgumentParser(description="merge a ComMer run and a concat-baseline run into one adapter file")
        ap.add_argument("cmd")
        ap.add_argument("--commer", required=True)
        ap.add_argument("--concat", required=True)
        ap.add_argument("--out", required=True)
        m = ap.parse_args()
        print(merge_states(Path(m.commer), Path(m.concat), Path(m.out)))
        return
    ap = argparse.ArgumentParser(description="ComMer training (LoRA + compression embeddings) or the soft-prompt baseline")
    ap.add_argument("--backbone", default="models/runs/pretrain/backbone.ckpt")
    ap.add_argument("--config", help="JSON with FinetuneConfig fields")
    ap.add_argument("--mode", choices=["commer", "concat"])
    ap.add_argument("--stage", choices=["adapt", "ae", "task"])
    ap.add_argument("--init", help="commer.pt to start from (e.g. the ae stage's output)")
    ap.add_argument("--merge-from", help="commer.pt whose other tensors (e.g. ComMer weights) are kept in the output")
    ap.add_argument("--out", required=True)
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--k", type=int)
    ap.add_argument("--templates", choices=["plain", "chatml"], help="prompt template set (tasks.TEMPLATE_SETS)")
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--batch", type=int)
    ap.add_argument("--lora-lr", type=float)
    ap.add_argument("--eval-every", type=int)
    ap.add_argument("--time-budget-s", type=float)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--backbone-lr", type=float)
    ap.add_argument("--emb-lr", type=float)
    a = ap.parse_args(argv)
    keys = ("mode", "stage", "templates", "k", "max_steps", "batch", "lora_lr", "eval_every", "time_budget_s", "threads", "backbone_lr", "emb_lr")
    cfg = FinetuneConfig.from_json(a.config, {key: getattr(a, key) for key in keys})
    res = run(cfg, Path(a.backbone), Path(a.out), Path(a.data_dir), Path(a.init) if a.init else None, Path(a.merge_from) if a.merge_from else None)
    print(json.dumps({k: v for k, v in res.items() if k != "history"}))


if __name__ == "__main__":
    main()
