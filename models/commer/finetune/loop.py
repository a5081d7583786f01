"""The fine-tuning loop: AdamW with a cosine schedule (3 % warm-up), grad clip,
validation every eval_every steps with early stopping on validation perplexity, and
a save of the best weights at every validation.

Runs under torchrun unchanged (train_utils): each rank takes rows rank, rank + world,
... of the step's global batch; the loss is the rank's target-token sum over the
global token count times the world size, so DDP's gradient averaging gives exactly the
single-process gradient (models/tests/test_ddp.py)."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from ..data import load_corpus
from ..encoding import Encoder
from ..tasks import use_templates
from ..train_utils import DistInfo, JsonlLog, all_reduce_sum, cleanup_distributed, cosine_lr, setup_distributed
from .config import FinetuneConfig
from .examples import TrainData
from .loss import BatchLoss, reference_means
from .params import build_model, param_groups, trained_state
from .saving import provenance, save_run
from .validation import probes, validate


def run(cfg: FinetuneConfig, backbone: Path, out: Path, data_dir: Path, init: Optional[Path] = None, merge_from: Optional[Path] = None) -> dict:
    torch.set_num_threads(cfg.threads)
    use_templates(cfg.templates)
    di: DistInfo = setup_distributed()
    log = JsonlLog(out / "log.jsonl" if di.is_main else None, echo=di.is_main)
    model, tok, backbone_extra = build_model(backbone, cfg, init)
    prov = provenance(model, backbone, tok, backbone_extra, init, merge_from)
    model.to(di.device)
    groups = param_groups(model, cfg)
    opt = torch.optim.AdamW(groups, betas=(0.9, 0.999))
    data = TrainData(load_corpus(data_dir), cfg)
    enc = Encoder(tok, cfg.max_doc_tokens, cfg.max_target_tokens, cfg.max_concat_tokens)
    stage = cfg.stage_name
    val = data.validation_set(stage)
    trainable = [p for g in groups for p in g["params"]]
    loss_fn = BatchLoss(model, enc, cfg.contrast, cfg.contrast_margin, cfg.reference_contrast, cfg.reference_margin)
    # the reference documents (fixed) of every task of the run: the reference probe covers them
    # all; the reference contrast trains on those of reference_tasks, with their mean
    # recomputed as the model learns
    probe_docs = {t: data.reference_docs(t) for t in sorted(cfg.task_mix)} if cfg.reference_contrast else {}
    ref_docs = {t: probe_docs[t] for t in sorted(cfg.reference_tasks or probe_docs) if t in probe_docs}
    if ref_docs:
        loss_fn.refs = reference_means(model, enc, ref_docs)

    def probe_refs():
        return reference_means(model, enc, probe_docs) if probe_docs else None
    fwd = DDP(loss_fn, find_unused_parameters=True) if di.enabled else loss_fn
    warmup = max(1, int(cfg.warmup_frac * cfg.max_steps))
    v0 = validate(model, enc, val, cfg.mode)
    best, best_step, bad = v0, 0, 0
    best_state = trained_state(model)
    probe = probes(model, enc, val, cfg.mode, stage, probe_refs())
    log(event="start", mode=cfg.mode, stage=stage, val_ppl=round(v0, 4), n_val=len(val), world=di.world, train_persons={k: len(v) for k, v in data.persons.items()}, config=asdict(cfg), **probe)
    t0 = time.time()
    step, acc, acc_n, tok_n = 0, 0.0, 0, 0
    gaps: list = []
    ref_gaps: list = []
    model.train()
    history = [{"step": 0, "val_ppl": v0}]
    while step < cfg.max_steps:
        for g in opt.param_groups:
            g["lr"] = cosine_lr(step, cfg.max_steps, warmup, g["base_lr"], 0.0)
        exs = data.global_batch(step, cfg.batch, stage)[di.rank :: di.world]
        loss_sum, n = fwd(exs, cfg.mode)
        total = all_reduce_sum(torch.tensor(float(n)), di)
        loss = loss_sum / total * di.world
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, cfg.grad_clip)
        opt.step()
        step += 1
        acc += float(all_reduce_sum(loss_sum.detach(), di) / total)
        acc_n += 1
        tok_n += int(total)
        if loss_fn.last_gap is not None:
            gaps.append(loss_fn.last_gap)
        if loss_fn.last_ref_gap is not None:
            ref_gaps.append(loss_fn.last_ref_gap)
        if ref_docs and step % cfg.reference_every == 0:
            loss_fn.refs = reference_means(model, enc, ref_docs)
        if step % cfg.log_every == 0:
            extra = {"contrast_gap": round(sum(gaps) / len(gaps), 4)} if gaps else {}
            if ref_gaps:
                extra["reference_gap"] = round(sum(ref_gaps) / len(ref_gaps), 4)
            log(step=step, loss=round(acc / acc_n, 4), lr=round(opt.param_groups[0]["lr"], 6), elapsed_s=round(time.time() - t0, 1), **extra)
            acc, acc_n, gaps, ref_gaps = 0.0, 0, [], []
        stop = cfg.time_budget_s and time.time() - t0 > cfg.time_budget_s
        if step % cfg.eval_every == 0 or step == cfg.max_steps or stop:
            v = validate(model, enc, val, cfg.mode)
            probe = probes(model, enc, val, cfg.mode, stage, probe_refs())
            history.append({"step": step, "val_ppl": v, **probe})
            if v < best or cfg.keep == "last":
                best, best_step, bad = v, step, 0
                best_state = trained_state(model)
            else:
                bad += 1
            log(event="val", step=step, val_ppl=round(v, 4), best=round(best, 4), best_step=best_step, **probe)
            if di.is_main:
                save_run(out, model, best_state, cfg, history, best, best_step, prov)
            if bad >= cfg.patience:
                log(event="early_stop", step=step)
                break
        if stop:
            log(event="time_budget_reached", step=step)
            break
    if di.is_main:
        save_run(out, model, best_state, cfg, history, best, best_step, prov)
    cleanup_distributed(di)
    return {"best_val_ppl": best, "best_step": best_step, "start_val_ppl": v0, "steps": step, "history": history}
