"""Combine `commer evaluate` runs of one pack into the pack's report (models/eval/report.json).

On this 2-core CPU a full run (every method, 20 targets per person, greedy outputs) takes
hours, so the shipped report is assembled from runs on the same persons and pack:
- perplexity, 20 targets per person: the ComMer rows (--methods commer --doc-counts 0,8)
  and the baselines at n = 8 (--methods prompt_concat_budget,prompt_concat --doc-counts 8);
  the n = 0 row is the same sequence for every method (the pack has no soft prompt);
- ROUGE-L and sample outputs on fewer targets per person (greedy, 24 tokens): a run with
  --methods commer,prompt_concat_budget --doc-counts 0,8 --per-person N. Selection takes
  each person's targets in hash order, so these are the first N of the 20.

Intervals are recomputed over the merged rows (evaluate.bootstrap_change, persons resampled).

    .venv/bin/python models/scripts/merge_pack_report.py --ppl models/eval/precision-int4.json \\
        --baselines models/eval/baselines-int4.json --rouge models/eval/rouge-int4.json --out models/eval/report.json
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


def merge(ppl: dict, baselines: dict, rouge: dict) -> dict:
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
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ppl", required=True)
    ap.add_argument("--baselines", required=True)
    ap.add_argument("--rouge", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    load = lambda p: json.loads(Path(p).read_text(encoding="utf-8"))
    report = merge(load(a.ppl), load(a.baselines), load(a.rouge))
    Path(a.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for task in ("paraphrase", "headline"):
        s = report.get(task)
        if s:
            print(task, {k: s[k] for k in s if k.startswith("commer_") and not k.endswith("by_docs")})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
