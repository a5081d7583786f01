"""Trainer pieces: a 20-step pre-training smoke run lowers the loss; ComMer
batches follow the pack's sequence layout and put the loss on target tokens only."""

import json

import pytest
import torch

from models.commer import finetune as FT
from models.commer import pretrain as PT
from models.commer.data import DEFAULT_DATA_DIR
from models.commer.model import CommerModel, LoraConfig, ModelConfig
from models.commer.tasks import render_prompt

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def assets(tmp_path_factory, shared_data):
    from models.commer.smoke import tiny_assets

    d = tmp_path_factory.mktemp("assets")
    return d, tiny_assets(d)


def test_twenty_pretraining_steps_lower_the_loss(assets):
    d, _ = assets
    cfg = PT.PretrainConfig(
        model={"dim": 48, "n_layers": 2, "n_heads": 4, "n_kv_heads": 2, "hidden_dim": 128, "vocab_size": 512, "max_positions": 2048},
        seq=48, batch=8, lr=1e-2, warmup=2, max_steps=20, task_examples=100, book_chars=5000,
        save_every_s=1e9, log_every=5, threads=1,
    )
    PT.run(cfg, d / "pt", d / "tok" / "spm.model", DEFAULT_DATA_DIR, resume=False)
    losses = [json.loads(l)["loss"] for l in (d / "pt" / "log.jsonl").read_text().splitlines() if '"loss"' in l]
    assert len(losses) == 4
    assert losses[-1] < losses[0] - 0.5, losses
    assert (d / "pt" / "backbone.ckpt").is_file() and (d / "pt" / "state.pt").is_file()


def test_resume_continues_from_the_saved_step(assets):
    d, _ = assets
    cfg = PT.PretrainConfig(
        model={"dim": 32, "n_layers": 1, "n_heads": 2, "n_kv_heads": 1, "hidden_dim": 64, "vocab_size": 512, "max_positions": 2048},
        seq=16, batch=2, max_steps=3, task_examples=20, book_chars=2000, save_every_s=1e9, log_every=1, threads=1,
    )
    PT.run(cfg, d / "res", d / "tok" / "spm.model", DEFAULT_DATA_DIR, resume=False)
    cfg.max_steps = 5
    PT.run(cfg, d / "res", d / "tok" / "spm.model", DEFAULT_DATA_DIR, resume=True)
    recs = [json.loads(l) for l in (d / "res" / "log.jsonl").read_text().splitlines()]
    assert any(r.get("event") == "resumed" and r["step"] == 3 for r in recs)
    assert [r["step"] for r in recs if "loss" in r] == [1, 2, 3, 4, 5]


class _Tok:
    """A fixed toy tokenizer: one id per character (ids 10+)."""

    bos_id, eos_id, pad_id = 1, 2, 0

    def encode(self, text):
        return [10 + (ord(c) % 50) for c in text]


def test_generator_row_layout_and_target_only_loss():
    enc = FT.Encoder(_Tok(), max_doc_tokens=8, max_target_tokens=16, max_concat_tokens=64)
    prompt = render_prompt("headline", "ab")
    ids, start = enc.gen_row(enc.prompt(prompt), "xyz")
    # [bos] + enc(prompt) + enc(target) + [eos]  (models/PACK_FORMAT.md "Sequences")
    assert ids == [1] + _Tok().encode(prompt) + _Tok().encode("xyz") + [2]
    assert start == 1 + len(prompt)
    # loss covers exactly the 3 target tokens and EOS
    v = 64
    logits = torch.zeros(1, len(ids), v)
    total, n = FT.target_loss_sum(logits, torch.tensor([ids]), [start], [len(ids)])
    assert n == 4
    assert float(total) == pytest.approx(4 * torch.log(torch.tensor(float(v))).item(), rel=1e-5)
    # changing a prompt logit leaves the loss unchanged; changing a target-predicting one does not
    logits2 = logits.clone()
    logits2[0, 2, 5] = 9.0
    assert float(FT.target_loss_sum(logits2, torch.tensor([ids]), [start], [len(ids)])[0]) == pytest.approx(float(total))
    logits2[0, start - 1, ids[start]] = 9.0
    assert float(FT.target_loss_sum(logits2, torch.tensor([ids]), [start], [len(ids)])[0]) < float(total)


def test_prefix_is_the_mean_of_single_compressions_and_zero_rows_are_masked():
    torch.manual_seed(0)
    cfg = ModelConfig(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=64, vocab_size=64)
    m = CommerModel(cfg, LoraConfig(rank=4, alpha=8, dropout=0.0), k=3).eval()
    enc = FT.Encoder(_Tok(), max_doc_tokens=16, max_target_tokens=8, max_concat_tokens=64)
    docs = [["hello", "a longer document"], [], ["x"]]
    with torch.no_grad():
        merged, pmask = FT.commer_prefix(m, enc, docs)
        singles = [m.compress(torch.tensor([enc.doc(t)]), torch.ones(1, len(enc.doc(t)), dtype=torch.long))[0] for t in docs[0]]
    assert merged.shape == (3, 3, 32)
    assert pmask.tolist() == [[1, 1, 1], [0, 0, 0], [1, 1, 1]]
    assert torch.allclose(merged[0], (singles[0] + singles[1]) / 2, atol=1e-5)
    assert float(merged[1].abs().max()) == 0.0


def test_merge_takes_adapter_from_commer_run_and_soft_prompt_from_concat_run(tmp_path):
    from models.commer.checkpoint import build_commer_model, save_commer_state

    cfg = ModelConfig(dim=16, n_layers=1, n_heads=2, n_kv_heads=1, hidden_dim=32, vocab_size=40)
    torch.manual_seed(1)
    a = CommerModel(cfg, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2, soft_prompt_len=2)
    b = CommerModel(cfg, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2, soft_prompt_len=2)
    b.load_state_dict(a.state_dict())
    with torch.no_grad():
        a.compression.add_(1.0)
        b.soft_prompt.add_(5.0)
    save_commer_state(tmp_path / "a.pt", a, extra={"templates": {"x": 1}, "training": {"commer:task": {}}})
    save_commer_state(tmp_path / "b.pt", b, extra={"training": {"concat:task": {}}})
    FT.merge_states(tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "m.pt")
    m = torch.load(tmp_path / "m.pt")
    assert torch.equal(m["state_dict"]["compression"], a.compression.detach())
    assert torch.equal(m["state_dict"]["soft_prompt"], b.soft_prompt.detach())
    assert set(m["extra"]["training"]) == {"commer:task", "concat:task"} and m["extra"]["templates"] == {"x": 1}
    state = {k[len("backbone."):]: v for k, v in a.state_dict().items() if k.startswith("backbone.") and "lora_" not in k}
    build_commer_model(cfg, state, m)  # loads without complaint


def test_adapt_stage_trains_the_backbone_and_writes_it_for_the_frozen_stages(assets):
    """The adapt stage updates the backbone (the later stages and the pack use the
    written backbone.ckpt, frozen); ae/task leave the backbone untouched."""
    from models.commer.checkpoint import load_checkpoint

    d, ckpt = assets
    common = dict(k=2, lora={"rank": 2, "alpha": 4.0, "dropout": 0.0}, batch=4, max_steps=3, eval_every=3,
                  val_per_person=1, threads=1, max_doc_tokens=32, warmup_frac=0.0)
    mix = {"task": 0.4, "ae": 0.2, "concat": 0.2, "copy": 0.2}
    res = FT.run(FT.FinetuneConfig(mode="commer", stage="adapt", backbone_lr=1e-2, adapt_mix=mix, **common), ckpt, d / "adapt", DEFAULT_DATA_DIR)
    assert (d / "adapt" / "backbone.ckpt").is_file() and (d / "adapt" / "commer.pt").is_file()
    _, before, _, _ = load_checkpoint(ckpt)
    _, after, _, extra = load_checkpoint(d / "adapt" / "backbone.ckpt")
    assert set(before) == set(after)
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    if res["best_step"] > 0:  # the best-validation weights are written; step 0 keeps the input
        assert changed and extra["adapted"]["best_step"] == res["best_step"]
    probe = [h for h in res["history"] if "gain" in h]
    assert probe and all({"ppl_with_docs", "ppl_without_docs", "ppl_own_input", "ppl_other_input", "input_gain"} <= set(h) for h in probe)
    # the frozen task stage starts from the adapted backbone and leaves it as it is
    FT.run(FT.FinetuneConfig(mode="commer", stage="task", **common), d / "adapt" / "backbone.ckpt", d / "task", DEFAULT_DATA_DIR,
           init=d / "adapt" / "commer.pt")
    assert not (d / "task" / "backbone.ckpt").exists()


def test_mixed_adapt_batch_sums_both_paths():
    """An adapt-stage batch mixes ComMer and concat examples: the loss is the sum over
    both kinds, each through its own path."""
    torch.manual_seed(0)
    cfg = ModelConfig(dim=16, n_layers=1, n_heads=2, n_kv_heads=1, hidden_dim=32, vocab_size=64)
    m = CommerModel(cfg, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2, soft_prompt_len=2).eval()
    enc = FT.Encoder(_Tok(), 16, 16, 64)
    a = FT.Example("p: x", "yz", ["doc one"], "commer")
    b = FT.Example("p: w", "uv", ["doc two", "doc three"], "concat")
    with torch.no_grad():
        sa, na = FT.batch_loss(m, enc, [a], "commer")
        sb, nb = FT.batch_loss(m, enc, [b], "concat")
        s, n = FT.batch_loss(m, enc, [a, b], "commer")
    assert n == na + nb and abs(float(s) - float(sa + sb)) < 1e-4


@pytest.mark.usefixtures("shared_data")
def test_copy_examples_are_personless_neutral_to_original_pairs():
    """The adapt stage's copy kind: neutralize(text) -> text over pre-training news, with
    no documents, and never a validation or test author's text."""
    from models.commer.data import load_corpus
    from models.commer.neutralize import neutralize

    corpus = load_corpus()
    pairs = FT.copy_pairs(corpus)
    texts = {t for _, t in pairs}
    assert all(n == neutralize(t) for n, t in pairs)
    held_out = {t for split in ("val", "test") for arts in corpus.news_of(split).values() for a in arts
                for t in (a.headline.strip(), a.short_description.strip())}
    assert len(texts) > 1000 and not held_out & texts
    data = FT.TrainData(corpus, FT.FinetuneConfig(stage="adapt", adapt_mix={"copy": 1.0}, val_per_person=1))
    for ex in data.global_batch(0, 8, "adapt"):
        assert ex.docs == [] and ex.mode == "commer" and ex.target in texts
        assert ex.prompt == render_prompt("paraphrase", neutralize(ex.target)) and neutralize(ex.target) != ex.target
    assert {e.task for e in data.val} == {"paraphrase", "headline"}


def test_reference_documents_are_training_persons_only_and_fixed_by_the_seed():
    """The reference contrast's documents: at most reference_docs of each of at most
    reference_persons training persons of the task, the same for the same seed, and never
    a validation or test person's text."""
    from models.commer.data import load_corpus
    from models.commer.tasks import render_document

    corpus = load_corpus()
    cfg = FT.FinetuneConfig(reference_contrast=1.0, reference_docs=3, reference_persons=5, val_per_person=1)
    data = FT.TrainData(corpus, cfg)
    docs = data.reference_docs("headline")
    assert len(docs) == 15 and docs == FT.TrainData(corpus, cfg).reference_docs("headline")
    held_out = {render_document(t) for split in ("val", "test") for arts in corpus.news_of(split).values() for a in arts for t in (a.headline, a.short_description)}
    allowed = {render_document(d) for tp in data.persons["headline"] for d in tp.docs}
    assert set(docs) <= allowed and not set(docs) & held_out
    assert len(data.reference_docs("paraphrase")) == 15
