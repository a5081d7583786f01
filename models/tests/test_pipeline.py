"""Evaluation report: runs on a user's file (a one-person tweet CSV), has the
report's keys and row shape, and its prefix-token accounting is right."""

import csv
import json
import math

import pytest
import torch

from models.commer import evaluate as E
from models.commer.data import DEFAULT_DATA_DIR, TWEETS_FILE, load_tweets_csv, sniff_file

torch.set_num_threads(1)
HAVE_DATA = (DEFAULT_DATA_DIR / TWEETS_FILE).is_file()


def test_power_law_fit_recovers_exact_law():
    rows = [{"n_docs": n, "ppl": 30.0 * n ** -0.2} for n in (1, 2, 4, 8, 16)]
    fit = E.fit_power_law([{"n_docs": 0, "ppl": 99.0}] + rows)  # n = 0 is not part of the fit
    assert fit["a"] == pytest.approx(30.0, rel=1e-4)
    assert fit["b"] == pytest.approx(0.2, rel=1e-4)
    assert fit["r2"] == pytest.approx(1.0)


def _write_csv(path, n=30):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["created_at", "text", "url", "replies", "retweets", "favorites", "user"])
        for i in range(n):
            w.writerow(["1/1/17 10:00", f"Tweet number {i} about the game &amp; more!! http://t.co/x{i}", "u", 1, 2, 3, "Someone"])


def test_csv_export_loads_as_one_person(tmp_path):
    p = tmp_path / "me.csv"
    _write_csv(p, 5)
    kind, persons = sniff_file(p)
    assert kind == "tweets" and list(persons) == ["Someone"]
    assert persons["Someone"][0].startswith("Tweet number 0 about the game & more")
    assert load_tweets_csv(p) == persons


@pytest.mark.skipif(not HAVE_DATA, reason="shared data not present")
def test_report_on_a_user_file(tmp_path):
    from models.commer.checkpoint import load_checkpoint, save_commer_state
    from models.commer.model import CommerModel, LoraConfig
    from models.commer.smoke import tiny_assets

    ckpt = tiny_assets(tmp_path)
    cfg, state, _, _ = load_checkpoint(ckpt)
    m = CommerModel(cfg, LoraConfig(rank=4, alpha=8, dropout=0.0), k=3, soft_prompt_len=3)
    m.backbone.load_state_dict(state, strict=False)
    save_commer_state(tmp_path / "commer.pt", m)
    data = tmp_path / "me.csv"
    _write_csv(data)
    out = tmp_path / "report.json"
    rep = E.run(ckpt, tmp_path / "commer.pt", out, data_file=data, per_person={"paraphrase": 2, "headline": 2},
                doc_counts=[0, 1, 4], max_new_tokens=4, threads=1, plot=False)
    assert json.loads(out.read_text()) == rep
    sec = rep["paraphrase"]
    assert sec["n_persons"] == 1 and sec["n_examples"] == 2
    assert "headline" not in rep  # a tweet file has no headline task
    for key in ("commer_by_docs", "prompt_concat_by_docs", "prompt_concat_budget_by_docs"):
        rows = sec[key]
        assert [r["n_docs"] for r in rows] == [0, 1, 4]
        for r in rows:
            assert set(r) == {"n_docs", "ppl", "rouge_l", "prefix_tokens", "by_person", "samples"}
            # per-person sums add up to the row's perplexity
            nll = sum(v[0] for v in r["by_person"].values())
            cnt = sum(v[1] for v in r["by_person"].values())
            assert abs(math.exp(nll / cnt) - r["ppl"]) <= 1e-3 * r["ppl"]
            assert math.isfinite(r["ppl"]) and r["ppl"] > 1 and 0 <= r["rouge_l"] <= 1
    assert [r["prefix_tokens"] for r in sec["commer_by_docs"]] == [0, 3, 3]
    assert 0 <= sec["copy_input"]["rouge_l"] <= 1
    full = [r["prefix_tokens"] for r in sec["prompt_concat_by_docs"]]
    assert full[0] == 0 and full[2] > full[1] > 3
    assert [r["prefix_tokens"] for r in sec["prompt_concat_budget_by_docs"]] == [0, 3, 3]
    # with 0 documents ComMer is the bare backbone; concat differs only by the soft prompt
    assert sec["commer_by_docs"][0]["ppl"] != sec["prompt_concat_by_docs"][0]["ppl"]
    assert sec["prompt_concat_by_docs"][0] == sec["prompt_concat_budget_by_docs"][0]


def test_merged_report_carries_the_training_record(tmp_path):
    """`evaluate --merge --record`: the stages' validation records from the adapter file
    and the backbone's provenance land in the report next to the per-task results."""
    from models.commer.checkpoint import save_checkpoint, save_commer_state
    from models.commer.model import Backbone, CommerModel, LoraConfig, ModelConfig
    from models.commer.smoke import tiny_assets
    from models.commer.tokenizer import Tokenizer

    if not (DEFAULT_DATA_DIR / TWEETS_FILE).is_file():
        pytest.skip("shared data not present")
    tiny_assets(tmp_path)
    cfg = ModelConfig(dim=32, n_layers=1, n_heads=2, n_kv_heads=1, hidden_dim=64, vocab_size=512)
    ckpt = save_checkpoint(tmp_path / "b.ckpt", cfg, Backbone(cfg).state_dict(), Tokenizer.from_file(tmp_path / "tok" / "spm.model"),
                           extra={"adapted": {"best_step": 4}})
    m = CommerModel(cfg, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2)
    stages = {"commer:adapt": {"best_val_ppl": 9.5, "best_step": 4, "history": [{"step": 0, "val_ppl": 10.0}], "config": {}, "backbone": "x"}}
    adapter = save_commer_state(tmp_path / "c.pt", m, extra={"training": stages})
    parts = []
    for task in ("paraphrase", "headline"):
        p = tmp_path / f"{task}.json"
        p.write_text(json.dumps({"source": {"persons": {task: ["a"]}}, task: {"commer_by_docs": []}, "eval_seconds": 1.0}))
        parts.append(p)
    extra = {"training": E.training_record(adapter, ckpt)}
    rep = E.merge_reports(parts, tmp_path / "report.json", plot=False, extra=extra)
    assert set(rep) >= {"paraphrase", "headline", "training"}
    assert rep["training"]["stages"]["commer:adapt"]["best_val_ppl"] == 9.5
    assert rep["training"]["backbone"]["adapted"] == {"best_step": 4}
    assert rep["training"]["backbone"]["params"] == sum(p.numel() for p in Backbone(cfg).parameters())
    assert json.loads((tmp_path / "report.json").read_text())["training"]["stages"]
