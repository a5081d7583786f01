"""Combine `commer evaluate` runs of one pack into the pack's report (models/eval/report.json).

On this 2-core CPU a full run (every method, 20 targets per person, greedy outputs) takes
hours, so the shipped report is assembled from runs on the same persons and pack:
- perplexity, 20 targets per person: the ComMer rows (--methods commer --doc-counts 0,8)
  and the baselines at n = 8 (--methods prompt_concat_budget,prompt_concat --doc-counts 8);
  the n = 0 row is the same sequence for every method (the pack has no soft prompt);
- ROUGE-L and sample outputs on fewer targets per person (greedy, 24 tokens): a run with
  --methods commer,prompt_concat_budget --doc-counts 0,8 --per-person N. Selection takes
  each person's targets in hash order, so these are the first N of the 20.

- optionally the style-strength curve (perplexity only): a run with --strengths
  0,0.25,0.5,0.75,1 --doc-counts 0,8 --methods commer --max-new-tokens 0 on the same
  persons (its own, usually fewer, targets per person); its commer_by_strength rows
  and commer_strength_curve summary are copied into each task as they are.

Intervals are recomputed over the merged rows (evaluate.bootstrap_change, persons resampled).
With --manifest the report also becomes that pack manifest's `evaluation` (nothing
else in the manifest changes).

    .venv/bin/python models/scripts/merge_pack_report.py --ppl models/eval/precision-int4.json \\
        --baselines models/eval/baselines-int4.json --rouge models/eval/rouge-int4.json \\
        --strength models/eval/strength-int4.json --out models/eval/report.json \\
        --manifest models/packs/smollm2-135m-k4/manifest.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from models.commer.evaluate import bootstrap_change, fit_power_law


def rows(sec: dict, method: str) -> dict:
    return {r["n_docs"]: r for r in sec.get(f"{method}_by_docs", [])}


def merge(ppl: dict, baselines: dict, rouge: dict, strength: dict | None = None) -> dict:
    out = copy.deepcopy(ppl)
    per = {t: rouge[t]["n_examples"] // rouge[t]["n_persons"] for t in ("paraphrase", "headline") if t in rouge}
    pp = {t: ppl[t]["n_examples"] // ppl[t]["n_persons"] for t in ("paraphrase", "headline") if t in ppl}
    out["assembled_from"] = {
        "perplexity": f"{pp} targets per person: ComMer at n = 0, 8 and the baselines at n = 8 (two runs, same persons and pack)",
        "rouge_l": f"the first {per} of those targets per person (a third run, greedy outputs); prompt_concat (full) has no ROUGE-L",
        "n0": "the n = 0 row is shared by every method: without documents or soft prompt they prefill the same sequence",
    }
    out["rouge_l_is"] = rouge["rouge_l_is"] + f"; on {per} targets per person (perplexity on {pp})"

    for task in ("paraphrase", "headline"):
        if task not in ppl:
            continue
        sec = out[task]
        c = rows(sec, "commer")
        b = rows(baselines[task], "prompt_concat_budget")
        f = rows(baselines[task], "prompt_concat")
        rc = rows(rouge[task], "commer")
        rb = rows(rouge[task], "prompt_concat_budget")
        for n, r in c.items():
            r["rouge_l"] = rc.get(n, {}).get("rouge_l")
            r["samples"] = rc.get(n, {}).get("samples", [])
        zero = c.get(0)
        bud = [zero] + [b[8]] if zero else [b[8]]
        full = [zero] + [f[8]] if zero else [f[8]]
        bud = copy.deepcopy(bud)
        full = copy.deepcopy(full)
        for r in bud:
            r["rouge_l"] = rb.get(r["n_docs"], {}).get("rouge_l")
            r["samples"] = rb.get(r["n_docs"], {}).get("samples", [])
        for r in full:
            if r["n_docs"] != 0:
                r["rouge_l"] = None
                r["samples"] = []
        sec["prompt_concat_budget_by_docs"] = bud
        sec["prompt_concat_by_docs"] = full
        sec["copy_input"] = ppl[task]["copy_input"]
        sec["copy_input_rouge_targets"] = rouge[task]["copy_input"]
        sec["commer_power_law"] = fit_power_law(sec["commer_by_docs"])
        if 0 in c and 8 in c:
            sec["commer_ppl_change_8_vs_0"] = round(c[8]["ppl"] / c[0]["ppl"] - 1, 4)
            sec["commer_ppl_change_8_vs_0_ci95"] = bootstrap_change(c[0], c[8])
            sec["commer_vs_budget_concat_ppl_8"] = round(c[8]["ppl"] / b[8]["ppl"] - 1, 4)
            sec["commer_vs_budget_concat_ppl_8_ci95"] = bootstrap_change(b[8], c[8])
            sec["commer_vs_full_concat_ppl_8"] = round(c[8]["ppl"] / f[8]["ppl"] - 1, 4)
        sec["eval_seconds"] = round(ppl[task]["eval_seconds"] + baselines[task]["eval_seconds"] + rouge[task]["eval_seconds"], 1)
        sec.pop("n0_shared", None)
        if strength and task in strength and "commer_strength_curve" in strength[task]:
            st = strength[task]
            sec["commer_by_strength"] = st["commer_by_strength"]
            sec["commer_strength_curve"] = st["commer_strength_curve"]
            sec["strength_targets_per_person"] = st["n_examples"] // st["n_persons"]
    if strength:
        per = {t: strength[t]["n_examples"] // strength[t]["n_persons"] for t in ("paraphrase", "headline") if t in strength}
        out["assembled_from"]["strength"] = (
            f"{per} targets per person (the first of the same hash order), perplexity only: merged = reference + s * (mean of 8 documents - reference), "
            "the reference being the pack's reference.f32 for the task's kind (training persons only; commer reference-mean)"
        )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ppl", required=True)
    ap.add_argument("--baselines", required=True)
    ap.add_argument("--rouge", required=True)
    ap.add_argument("--strength", help="a --strengths run of commer evaluate (optional)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--manifest", help="also write the report as this pack manifest's evaluation")
    a = ap.parse_args(argv)
    load = lambda p: json.loads(Path(p).read_text(encoding="utf-8"))
    report = merge(load(a.ppl), load(a.baselines), load(a.rouge), load(a.strength) if a.strength else None)
    Path(a.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if a.manifest:
        man = load(a.manifest)
        man["evaluation"] = report
        Path(a.manifest).write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for task in ("paraphrase", "headline"):
        s = report.get(task)
        if s:
            print(task, {k: s[k] for k in s if k.startswith("commer_") and not k.endswith("by_docs")})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
