"""Stage 4: evaluate ComMer against the baselines on held-out persons.

For each task and each document count n in {0,1,2,4,8,16,32}:
- `commer_by_docs`: the mean of the n documents' compressions (k prefix tokens;
  n = 0 is the non-personalized model: no prefix at all);
- `prompt_concat_by_docs`: trained soft prompt + the n documents concatenated in
  the prompt in full ("Document i: ...\\n"), cut from the left only where the
  sequence would exceed the model's max_positions;
- `prompt_concat_budget_by_docs`: the same with the documents' tokens cut to k.

Each row: {n_docs, ppl, rouge_l, prefix_tokens}: perplexity of the target tokens
(+ EOS), ROUGE-L F1 of the greedy output (models/commer/rouge.py) against the
target, and the mean number of generator input positions the documents occupy
(k for ComMer with n >= 1; the document tokens for the concat baselines; the
soft prompt, present at every n, is not counted).

Persons: by default the *test* persons of the shared data (data.py split). With
--data FILE any file in the shared formats (tweets JSONL {user,text}, a tweet CSV
export, news JSONL) is evaluated on all persons in it.

Defaults (main() and run() share them): --per-person 6 targets per tweet person and 5
per news author (DEFAULT_PER_PERSON), --doc-counts 0,1,2,4,8,16,32 (tasks.EVAL_DOC_COUNTS),
--max-new-tokens 24 greedy tokens for ROUGE-L, --threads 1, every method, and a plot
beside the report (report.png; --no-plot skips it).

    .venv/bin/python -m models.commer.evaluate --backbone models/runs/pretrain/backbone.ckpt \\
        --commer models/runs/commer/commer.pt --out models/eval/report.json
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from .checkpoint import build_commer_model, load_checkpoint, load_commer_state
from .data import DEFAULT_DATA_DIR, load_corpus, sniff_file
from .encoding import Encoder, pad_rows
from .model import CommerModel, positions_from_mask
from .rouge import rouge_l_f1
from .tasks import (
    EVAL_DOC_COUNTS,
    EvalExample,
    eval_examples,
    headline_persons,
    paraphrase_persons,
    render_document,
    render_prompt,
    set_templates,
)
from .train_utils import atomic_write_json

METHODS = ("commer", "prompt_concat", "prompt_concat_budget")
# Targets held out per person when --per-person is not given (main/cli's `commer evaluate` has its own default).
DEFAULT_PER_PERSON = {"paraphrase": 6, "headline": 5}


def _rows_to_batch(model: CommerModel, rows: Sequence[Tuple[Optional[torch.Tensor], List[int]]], pad_id: int):
    """Left-padded input embeddings [B, L, d] and mask for (prefix [P, d] | None, ids)."""
    bb = model.backbone
    embs = []
    for prefix, ids in rows:
        e = bb.embed(torch.tensor(ids, dtype=torch.long))
        if prefix is not None and prefix.shape[0] > 0:
            e = torch.cat([prefix.to(e.dtype), e], dim=0)
        embs.append(e)
    return pad_rows(embs, bb.embed(torch.tensor([pad_id]))[0], "left")


@torch.no_grad()
def target_nll_rows(model: CommerModel, rows, targets: Sequence[List[int]], pad_id: int) -> List[Tuple[float, int]]:
    """Per row: NLL sum of `targets` (ids incl. EOS) following the row's prefix + ids, and its count."""
    full = [(p, ids + t[:-1]) for (p, ids), t in zip(rows, targets)]
    x, mask = _rows_to_batch(model, full, pad_id)
    logits, _, _ = model.backbone(x, mask, positions_from_mask(mask), None, lora_scale=0.0)
    lp = F.log_softmax(logits.float(), dim=-1)
    out = []
    L = x.shape[1]
    for i, t in enumerate(targets):
        # logits at positions L-len(t) .. L-1 predict t[0] .. t[-1]
        pos = torch.arange(L - len(t), L)
        out.append((-float(lp[i, pos].gather(-1, torch.tensor(t)[:, None]).sum()), len(t)))
    return out


@torch.no_grad()
def greedy_batch(model: CommerModel, rows, pad_id: int, stop_id: int, max_new: int) -> List[List[int]]:
    bb = model.backbone
    x, mask = _rows_to_batch(model, rows, pad_id)
    logits, _, past = bb(x, mask, positions_from_mask(mask), None, lora_scale=0.0)
    b = x.shape[0]
    out: List[List[int]] = [[] for _ in range(b)]
    done = [False] * b
    pos = positions_from_mask(mask)[:, -1:]
    for _ in range(max_new):
        nxt = logits[:, -1].argmax(-1)
        for i in range(b):
            if not done[i]:
                if int(nxt[i]) == stop_id:
                    done[i] = True
                else:
                    out[i].append(int(nxt[i]))
        if all(done):
            break
        mask = torch.cat([mask, torch.ones(b, 1, dtype=torch.long)], dim=1)
        pos = pos + 1
        logits, _, past = bb(bb.embed(nxt[:, None]), mask, pos, past, lora_scale=0.0)
    return out


class Evaluator:
    def __init__(self, model: CommerModel, tok, max_doc_tokens: int = 256, max_new_tokens: int = 32, batch: int = 16):
        self.m = model.eval()
        self.tok = tok
        self.enc = Encoder(tok, max_doc_tokens)  # targets and concatenated documents uncut
        self.max_new = max_new_tokens
        self.batch = batch
        self._comp: Dict[str, torch.Tensor] = {}

    def compressions(self, docs: Sequence[str]) -> torch.Tensor:
        todo = [d for d in dict.fromkeys(docs) if d not in self._comp]
        for i in range(0, len(todo), 32):
            chunk = todo[i : i + 32]
            ids, mask = pad_rows([self.enc.doc(render_document(d)) for d in chunk], self.tok.pad_id, "left")
            with torch.no_grad():
                c = self.m.compress(ids, mask)
            for d, cc in zip(chunk, c):
                self._comp[d] = cc
        return torch.stack([self._comp[d] for d in docs])

    def row(self, method: str, ex: EvalExample, n: int) -> Tuple[Optional[torch.Tensor], List[int], int]:
        """(prefix, [bos] + prompt ids, document positions) for one example."""
        docs = ex.profile[:n]
        prompt = render_prompt(ex.task, ex.input)
        bos = self.tok.bos_id
        max_pos = self.m.cfg.max_positions
        p_ids = self.enc.prompt(prompt)
        if method == "commer":
            if not docs:
                return None, [bos] + p_ids, 0
            return self.compressions(docs).mean(0), [bos] + p_ids, self.m.k
        sp = self.m.soft_prompt
        if not docs:
            return sp, [bos] + p_ids, 0
        if method == "prompt_concat_budget":
            ids = self.enc.concat_prompt(docs, prompt, budget=self.m.k)
        else:
            # the documents are cut from the left only where the sequence would pass max_positions
            room = max_pos - (0 if sp is None else sp.shape[0]) - 1 - len(p_ids) - self.max_new - 64
            ids = self.enc.concat_prompt(docs, prompt, cap=room)
        return sp, [bos] + ids, len(ids) - len(p_ids)

    def batches(self, examples: Sequence[EvalExample], method: str, n: int):
        """Per batch: its examples, their (prefix, ids) rows, document positions and target ids."""
        for i in range(0, len(examples), self.batch):
            chunk = examples[i : i + self.batch]
            rows, prefix, targets = [], [], []
            for ex in chunk:
                p, ids, n_doc = self.row(method, ex, n)
                rows.append((p, ids))
                prefix.append(n_doc)
                targets.append(self.enc.target(ex.target))
            yield chunk, rows, prefix, targets

    def add_nll(self, chunk, rows, targets, per_person: Dict[str, List[float]]) -> Tuple[float, int]:
        """Scores a batch's targets into the per-person [NLL sum, tokens]; returns the batch's totals."""
        total, count = 0.0, 0
        # per-row sums feed the per-person totals (bootstrap over persons)
        for ex, (s1, c1) in zip(chunk, target_nll_rows(self.m, rows, targets, self.tok.pad_id)):
            acc = per_person.setdefault(ex.person, [0.0, 0.0])
            acc[0] += s1
            acc[1] += c1
            total += s1
            count += c1
        return total, count

    def evaluate(self, examples: Sequence[EvalExample], method: str, n: int) -> dict:
        total, count, rouge, prefix = 0.0, 0, [], []
        per_person: Dict[str, List[float]] = {}
        samples: List[dict] = []
        for chunk, rows, n_docs, targets in self.batches(examples, method, n):
            prefix.extend(n_docs)
            s1, c1 = self.add_nll(chunk, rows, targets, per_person)
            total += s1
            count += c1
            outs = greedy_batch(self.m, rows, self.tok.pad_id, self.tok.eos_id, self.max_new)
            for ex, o in zip(chunk, outs):
                text = self.tok.decode(o)
                rouge.append(rouge_l_f1(text, ex.target))
                if len(samples) < 6:
                    samples.append({"person": ex.person, "input": ex.input, "target": ex.target, "output": text})
        return {
            "n_docs": n,
            "ppl": round(math.exp(total / max(1, count)), 4),
            "rouge_l": round(float(np.mean(rouge)), 4),
            "prefix_tokens": round(float(np.mean(prefix)), 2),
            "by_person": {k: [round(v[0], 4), int(v[1])] for k, v in sorted(per_person.items())},
            "samples": samples,
        }


def bootstrap_change(a: dict, b: dict, draws: int = 2000, seed: int = 0) -> dict:
    """95 % interval of ppl(b) / ppl(a) - 1 with persons resampled (rows' by_person sums)."""
    persons = sorted(set(a["by_person"]) & set(b["by_person"]))
    if not persons:
        return {"low": None, "high": None, "persons": 0}
    rng = np.random.default_rng(seed)
    A = np.array([a["by_person"][p] for p in persons], dtype=np.float64)
    B = np.array([b["by_person"][p] for p in persons], dtype=np.float64)
    vals = []
    for _ in range(draws):
        idx = rng.integers(0, len(persons), len(persons))
        pa = math.exp(A[idx, 0].sum() / A[idx, 1].sum())
        pb = math.exp(B[idx, 0].sum() / B[idx, 1].sum())
        vals.append(pb / pa - 1)
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return {"low": round(float(lo), 4), "high": round(float(hi), 4), "persons": len(persons), "draws": draws}


def copy_input_row(examples: Sequence[EvalExample]) -> dict:
    """ROUGE-L of returning the input unchanged: a paraphrase must beat it."""
    return {"rouge_l": round(float(np.mean([rouge_l_f1(e.input, e.target) for e in examples])), 4) if examples else None}


def fit_power_law(rows: Sequence[dict]) -> dict:
    """ppl(n) = a * n^(-b) fitted by least squares in log-log space over n >= 1."""
    pts = [(r["n_docs"], r["ppl"]) for r in rows if r["n_docs"] >= 1]
    if len(pts) < 2:
        return {"form": "ppl = a * n^(-b)", "a": None, "b": None, "r2": None}
    x = np.log([p[0] for p in pts])
    y = np.log([p[1] for p in pts])
    slope, intercept = np.polyfit(x, y, 1)
    pred = intercept + slope * x
    ss_res = float(((y - pred) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return {
        "form": "ppl = a * n^(-b), n >= 1",
        "a": round(float(math.exp(intercept)), 5),
        "b": round(float(-slope), 5),
        "r2": round(1 - ss_res / ss_tot, 4) if ss_tot > 0 else None,
    }


def eval_sets(data_file: Optional[Path], data_dir: Path, per_person: Dict[str, int]) -> Tuple[Dict[str, List[EvalExample]], dict]:
    if data_file is None:
        c = load_corpus(data_dir)
        tps = {
            "paraphrase": paraphrase_persons(c.tweets_of("test")),
            "headline": headline_persons(c.news_of("test")),
        }
        source = {"data": str(data_dir), "split": "test", "persons": {"paraphrase": c.split.tweets["test"], "headline": c.split.news["test"]}}
    else:
        kind, persons = sniff_file(data_file)
        if kind == "tweets":
            tps = {"paraphrase": paraphrase_persons(persons)}
        else:
            tps = {"headline": headline_persons({a: v for a, v in persons.items() if a})}
        source = {"data": str(data_file), "split": "all persons in the file", "persons": {t: [p.person for p in v] for t, v in tps.items()}}
    sets = {t: eval_examples([p for p in v if len(p.items) >= 2], per_person[t], max_docs=max(EVAL_DOC_COUNTS)) for t, v in tps.items()}
    return sets, source


def load_model(backbone: Path, commer: Path):
    """(backbone config, tokenizer, adapter blob, CommerModel in eval mode), with the
    prompt templates the adapter was trained with (e.g. ChatML) made current."""
    cfg, state, tok, _ = load_checkpoint(backbone)
    blob = load_commer_state(commer)
    model = build_commer_model(cfg, state, blob).eval()
    if (blob.get("extra") or {}).get("templates"):
        set_templates(blob["extra"]["templates"])  # render what training rendered
    return cfg, tok, blob, model


def run(
    backbone: Path,
    commer: Path,
    out: Path,
    data_file: Optional[Path] = None,
    data_dir: Path = DEFAULT_DATA_DIR,
    per_person: Optional[Dict[str, int]] = None,
    doc_counts: Sequence[int] = EVAL_DOC_COUNTS,
    methods: Sequence[str] = METHODS,
    max_new_tokens: int = 24,
    threads: int = 1,
    plot: bool = True,
    tasks: Optional[Sequence[str]] = None,
) -> dict:
    torch.set_num_threads(threads)
    cfg, tok, blob, model = load_model(backbone, commer)
    per_person = per_person or DEFAULT_PER_PERSON
    sets, source = eval_sets(data_file, data_dir, per_person)
    if tasks:
        sets = {t: v for t, v in sets.items() if t in tasks}
    ev = Evaluator(model, tok, max_new_tokens=max_new_tokens)
    t0 = time.time()
    report: dict = {
        "format": "commer-eval",
        "format_version": 1,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": source,
        "model": {"k": model.k, "soft_prompt_length": 0 if model.soft_prompt is None else int(model.soft_prompt.shape[0]),
                  "backbone": cfg.to_dict(), "lora": blob["lora"]},
        "ppl_is": "exp(mean NLL of target tokens + EOS)",
        "rouge_l_is": f"ROUGE-L F1 of the greedy output (at most {max_new_tokens} tokens) against the target",
        "concat_cap": "prompt_concat documents are cut from the left only where the sequence would pass max_positions",
        "prefix_tokens_is": "mean generator positions the documents occupy (soft prompt not counted)",
    }
    for task, exs in sets.items():
        sec: dict = {
            "n_persons": len({e.person for e in exs}),
            "n_examples": len(exs),
            "profile_docs_available": {
                "min": min((len(e.profile) for e in exs), default=0),
                "max": max((len(e.profile) for e in exs), default=0),
            },
        }
        for method in methods:
            sec[f"{method}_by_docs"] = [ev.evaluate(exs, method, n) for n in doc_counts]
            print(task, method, sec[f"{method}_by_docs"], flush=True)
        sec["copy_input"] = copy_input_row(exs)
        if "commer" in methods:
            sec["commer_power_law"] = fit_power_law(sec["commer_by_docs"])
            by = {r["n_docs"]: r for r in sec["commer_by_docs"]}
            if 0 in by and 8 in by:
                sec["commer_ppl_change_8_vs_0"] = round(by[8]["ppl"] / by[0]["ppl"] - 1, 4)
                sec["commer_ppl_change_8_vs_0_ci95"] = bootstrap_change(by[0], by[8])
            if "prompt_concat_budget" in methods:
                bud = {r["n_docs"]: r for r in sec["prompt_concat_budget_by_docs"]}
                if 8 in by and 8 in bud:
                    sec["commer_vs_budget_concat_ppl_8"] = round(by[8]["ppl"] / bud[8]["ppl"] - 1, 4)
                    sec["commer_vs_budget_concat_ppl_8_ci95"] = bootstrap_change(bud[8], by[8])
        report[task] = sec
    report["eval_seconds"] = round(time.time() - t0, 1)
    atomic_write_json(report, out)
    if plot:
        plot_report(report, out.with_suffix(".png"))
    return report


@torch.no_grad()
def context_check(backbone: Path, lengths: Sequence[int] = (256, 512, 1024, 2048), windows: int = 4, data_dir: Path = DEFAULT_DATA_DIR) -> dict:
    """Perplexity of held-out text (the test authors' articles, never trained on) in
    windows of each length: does the backbone stay sane past its training length?
    Reported per length over the window's *last* 128 positions, so longer windows
    measure the same number of predictions with more context before them."""
    from .model import Backbone

    cfg, state, tok, _ = load_checkpoint(backbone)
    bb = Backbone(cfg)
    bb.load_state_dict(state)
    bb.eval()
    c = load_corpus(data_dir)
    ids: List[int] = []
    for a in sorted(c.split.news["test"]):
        for art in c.news[a]:
            ids += [tok.bos_id] + tok.encode(art.as_document()) + [tok.eos_id]
    out = {}
    for L in lengths:
        if L > cfg.max_positions or len(ids) < L * windows:
            continue
        nll, n = 0.0, 0
        for w in range(windows):
            x = torch.tensor([ids[w * L : (w + 1) * L]])
            mask = torch.ones_like(x)
            logits, _, _ = bb(bb.embed(x), mask, positions_from_mask(mask), None, 0.0)
            lp = F.log_softmax(logits[0, -129:-1].float(), -1)
            nll -= float(lp.gather(-1, x[0, -128:, None]).sum())
            n += 128
        out[str(L)] = round(math.exp(nll / n), 3)
    return {"text": "test authors' articles", "ppl_last_128_by_window": out}


def training_record(commer: Path, backbone: Path) -> dict:
    """How the evaluated weights were made: each training stage's validation record
    (from the adapter file, carried stage to stage) and the backbone's provenance."""
    from .checkpoint import load_commer_state

    blob = load_commer_state(commer)
    stages = {}
    for name, r in ((blob.get("extra") or {}).get("training") or {}).items():
        stages[name] = {k: r.get(k) for k in ("best_val_ppl", "best_step", "history", "config", "backbone")}
    cfg, state, _, extra = load_checkpoint(backbone)
    bb = {"path": str(backbone), "params": int(sum(v.numel() for v in state.values())), "config": cfg.to_dict()}
    for key in ("pretrain_step", "adapted"):
        if key in extra:
            bb[key] = extra[key]
    return {"stages": stages, "backbone": bb}


def merge_reports(paths: Sequence[Path], out: Path, plot: bool = True, extra: Optional[dict] = None) -> dict:
    """One report from per-task reports (evaluation can run one process per task),
    plus `extra` top-level entries (the training record, the context check)."""
    import json

    parts = [json.loads(Path(p).read_text()) for p in paths]
    rep = dict(parts[0])
    rep["source"] = dict(parts[0]["source"])
    rep["source"]["persons"] = {}
    rep["eval_seconds"] = 0.0
    for part in parts:
        for task in ("paraphrase", "headline"):
            if task in part:
                rep[task] = part[task]
                rep["source"]["persons"][task] = part["source"]["persons"].get(task)
        rep["eval_seconds"] = max(rep["eval_seconds"], part.get("eval_seconds", 0.0))
    rep.update(extra or {})
    atomic_write_json(rep, out)
    if plot:
        plot_report(rep, out.with_suffix(".png"))
    return rep


def plot_report(report: dict, path: Path) -> Optional[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot (apt-get install -y python3-matplotlib)")
        return None
    tasks = [t for t in ("paraphrase", "headline") if t in report]
    fig, axes = plt.subplots(len(tasks), 3, figsize=(15, 4.2 * len(tasks)), squeeze=False)
    labels = {"commer": "ComMer (mean of compressions)", "prompt_concat": "prompt-concat (full)", "prompt_concat_budget": "prompt-concat (cut to k tokens)"}
    for r, task in enumerate(tasks):
        sec = report[task]
        for m in METHODS:
            rows = sec.get(f"{m}_by_docs")
            if not rows:
                continue
            xs = [max(x["n_docs"], 0.5) for x in rows]
            axes[r][0].plot(xs, [x["ppl"] for x in rows], marker="o", label=labels[m])
            axes[r][1].plot(xs, [x["rouge_l"] for x in rows], marker="o", label=labels[m])
            axes[r][2].plot([max(x["prefix_tokens"], 0.5) for x in rows], [x["ppl"] for x in rows], marker="o", label=labels[m])
        for c, (title, xl, yl) in enumerate(
            [("perplexity vs documents", "documents (0 plotted at 0.5)", "target perplexity"),
             ("ROUGE-L vs documents", "documents (0 plotted at 0.5)", "ROUGE-L F1"),
             ("cost vs quality", "document positions in the generator input", "target perplexity")]
        ):
            ax = axes[r][c]
            ax.set_xscale("log")
            ax.set_title(f"{task}: {title}")
            ax.set_xlabel(xl)
            ax.set_ylabel(yl)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="evaluate a trained ComMer model on held-out persons")
    ap.add_argument("--backbone", default="models/runs/pretrain/backbone.ckpt")
    ap.add_argument("--commer", default="models/runs/commer/commer.pt")
    ap.add_argument("--out", default="models/eval/report.json")
    ap.add_argument("--data", help="evaluate on all persons of this file (tweets JSONL / tweet CSV / news JSONL)")
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--per-person", type=int, help=f"targets per person (default {DEFAULT_PER_PERSON['paraphrase']} tweets, {DEFAULT_PER_PERSON['headline']} headlines)")
    ap.add_argument("--doc-counts", default=",".join(map(str, EVAL_DOC_COUNTS)))
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tasks", help="comma-separated subset of paraphrase,headline")
    ap.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {','.join(METHODS)}")
    ap.add_argument("--no-plot", action="store_true")
    ap.add_argument("--merge", nargs="+", help="combine these per-task reports into --out (no evaluation)")
    ap.add_argument("--context-check", action="store_true", help="only measure perplexity against context length")
    ap.add_argument("--record", action="store_true",
                    help="with --merge: add the training record of --commer/--backbone and the backbone's context check")
    a = ap.parse_args(argv)
    if a.context_check:
        import json

        torch.set_num_threads(a.threads)
        print(json.dumps(context_check(Path(a.backbone))))
        return
    if a.merge:
        extra = None
        if a.record:
            torch.set_num_threads(a.threads)
            extra = {"training": training_record(Path(a.commer), Path(a.backbone)),
                     "backbone_context_check": context_check(Path(a.backbone))}
        merge_reports([Path(p) for p in a.merge], Path(a.out), not a.no_plot, extra)
        print(f"wrote {a.out}")
        return
    pp = {"paraphrase": a.per_person, "headline": a.per_person} if a.per_person else None
    run(
        Path(a.backbone), Path(a.commer), Path(a.out), Path(a.data) if a.data else None, Path(a.data_dir), pp,
        [int(x) for x in a.doc_counts.split(",")], [m for m in a.methods.split(",") if m], a.max_new_tokens, a.threads, not a.no_plot,
        a.tasks.split(",") if a.tasks else None,
    )
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
