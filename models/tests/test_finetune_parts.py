"""The fine-tuning jobs one by one (models/commer/finetune/): config validation,
freezing per mode and stage, validation and its input probe, saving from a state dict
(never through the live parameters), and the train/merge command line."""

import json
import math

import pytest
import torch

from models.commer.checkpoint import CheckpointError, load_checkpoint, save_commer_state
from models.commer.config_keys import ConfigError
from models.commer.encoding import Encoder
from models.commer.finetune import cli
from models.commer.finetune.config import FinetuneConfig
from models.commer.finetune.examples import Example
from models.commer.finetune.loss import BatchLoss, batch_loss, commer_prefix, contrast_loss, contrast_partners, reference_means
from models.commer.finetune.params import build_model, param_groups, trained_state
from models.commer.finetune.saving import provenance, save_run
from models.commer.finetune.validation import input_probe_pairs, other_person_pairs, reference_probe, validate
from models.commer.model import CommerModel, LoraConfig, ModelConfig

torch.set_num_threads(1)

TINY = ModelConfig(dim=16, n_layers=1, n_heads=2, n_kv_heads=1, hidden_dim=32, vocab_size=64)


class _Tok:
    bos_id, eos_id, pad_id = 1, 2, 0

    def encode(self, text):
        return [10 + (ord(c) % 50) for c in text]


@pytest.fixture(scope="module")
def assets(tmp_path_factory, shared_data):
    from models.commer.smoke import tiny_assets

    d = tmp_path_factory.mktemp("assets")
    return d, tiny_assets(d)


def _model(seed=0, soft_prompt_len=2):
    torch.manual_seed(seed)
    return CommerModel(TINY, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2, soft_prompt_len=soft_prompt_len)


def test_config_refuses_an_unknown_mode_or_stage(tmp_path):
    with pytest.raises(ConfigError, match="mode 'comer' is not one of commer, concat"):
        FinetuneConfig(mode="comer")
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"stage": "pretrain"}))
    with pytest.raises(ConfigError, match="stage 'pretrain' is not one of adapt, ae, task"):
        FinetuneConfig.from_json(str(p), {})
    assert FinetuneConfig(mode="concat", stage="ae").stage_name == "task"


@pytest.mark.parametrize(
    "mode,stage,trained",
    [
        ("commer", "task", {"lora", "compression"}),
        ("commer", "ae", {"lora", "compression"}),
        ("commer", "adapt", {"lora", "compression", "backbone"}),
        ("concat", "task", {"soft_prompt"}),
    ],
)
def test_param_groups_train_exactly_what_the_mode_and_stage_train(mode, stage, trained):
    m = _model()
    cfg = FinetuneConfig(mode=mode, stage=stage)
    if not cfg.trains_backbone:
        m.freeze_backbone()  # as build_model does
    groups = param_groups(m, cfg)
    kind = lambda n: "lora" if "lora_" in n else n if n in ("compression", "soft_prompt") else "backbone"
    assert {kind(n) for n, p in m.named_parameters() if p.requires_grad} == trained
    in_groups = {id(p) for g in groups for p in g["params"]}
    assert in_groups == {id(p) for p in m.parameters() if p.requires_grad}
    assert set(trained_state(m)) == {n for n, p in m.named_parameters() if p.requires_grad}
    lrs = {kind(n): g["lr"] for g in groups for n, p in m.named_parameters() if any(p is q for q in g["params"])}
    want = {"lora": cfg.lora_lr, "compression": cfg.emb_lr, "backbone": cfg.backbone_lr, "soft_prompt": cfg.prompt_lr}
    assert lrs == {k: want[k] for k in trained}


def test_validate_is_the_perplexity_of_the_batch_losses_and_restores_train_mode():
    m = _model().train()
    enc = Encoder(_Tok(), 16, 16, 64)
    exs = [Example("p: a", "xy", ["doc"], task="paraphrase"), Example("p: b", "zw", [], task="headline"), Example("p: c", "uv", ["d1", "d2"])]
    ppl = validate(m, enc, exs, "commer", batch=2)
    assert m.training
    with torch.no_grad():
        m.eval()
        s1, n1 = batch_loss(m, enc, exs[:2], "commer")
        s2, n2 = batch_loss(m, enc, exs[2:], "commer")
    assert ppl == pytest.approx(math.exp((float(s1) + float(s2)) / (n1 + n2)), rel=1e-6)


def test_contrast_pairs_each_example_with_another_person_of_its_task_that_has_documents():
    exs = [
        Example("p0", "t0", ["d"], task="paraphrase", person="ann"),
        Example("p1", "t1", ["d"], task="headline", person="bob"),
        Example("p2", "t2", ["d"], task="paraphrase", person="ann"),  # same person as 0: no partner of 0
        Example("p3", "t3", [], task="paraphrase", person="cat"),  # no documents: never a partner
        Example("p4", "t4", ["d"], task="paraphrase", person="dan"),
    ]
    assert contrast_partners(exs) == [4, None, 4, None, 0]


def test_contrast_loss_is_the_plain_loss_plus_the_hinge_on_the_own_versus_other_gap():
    m = _model().eval()
    enc = Encoder(_Tok(), 16, 16, 64)
    exs = [Example("p: a", "xyz", ["doc one"], task="paraphrase", person="ann"), Example("p: b", "zwq", ["doc two", "more"], task="paraphrase", person="bob")]
    with torch.no_grad():
        plain, n = batch_loss(m, enc, exs, "commer")
        zero_margin, n0, gap, no_ref = contrast_loss(m, enc, exs, weight=1.0, margin=0.0)
        huge_margin, n1, gap1, _ = contrast_loss(m, enc, exs, weight=1.0, margin=100.0)
        # each row scored after the other row's merged documents, by hand
        swapped = [Example(e.prompt, e.target, o.docs) for e, o in zip(exs, exs[::-1])]
        per_own = [batch_loss(m, enc, [e], "commer") for e in exs]
        per_other = [batch_loss(m, enc, [e], "commer") for e in swapped]
    assert n0 == n1 == n and no_ref is None
    want_gap = sum(float(o[0]) / o[1] - float(s[0]) / s[1] for s, o in zip(per_own, per_other)) / 2
    assert gap == pytest.approx(want_gap, abs=1e-4) and gap1 == pytest.approx(gap, abs=1e-6)
    hinge0 = sum(max(0.0, -(float(o[0]) / o[1] - float(s[0]) / s[1])) * s[1] for s, o in zip(per_own, per_other))
    assert float(zero_margin) == pytest.approx(float(plain) + hinge0, rel=1e-4)
    assert float(huge_margin) == pytest.approx(float(plain) + sum((100.0 - (float(o[0]) / o[1] - float(s[0]) / s[1])) * s[1] for s, o in zip(per_own, per_other)), rel=1e-4)
    # the training module takes the contrast path only when asked
    with torch.no_grad():
        via_module = float(BatchLoss(m, enc)(exs, "commer")[0])
    assert via_module == pytest.approx(float(plain), rel=1e-6)


def test_contrast_is_refused_outside_the_commer_task_stage():
    with pytest.raises(ConfigError, match="task stage only"):
        FinetuneConfig(stage="ae", contrast=1.0)
    with pytest.raises(ConfigError, match=">= 0"):
        FinetuneConfig(contrast=-1.0)
    with pytest.raises(ConfigError, match="task stage only"):
        FinetuneConfig(mode="concat", reference_contrast=1.0)
    with pytest.raises(ConfigError, match=">= 1"):
        FinetuneConfig(reference_contrast=1.0, reference_every=0)


def test_config_file_reference_tasks_and_keep(tmp_path):
    p = tmp_path / "c.json"
    p.write_text(json.dumps({"reference_contrast": 1.0, "reference_tasks": ["headline"], "keep": "last"}))
    cfg = FinetuneConfig.from_json(str(p), {})
    assert cfg.reference_tasks == ("headline",) and cfg.keep == "last"
    with pytest.raises(ConfigError, match="keep 'newest' is not best or last"):
        FinetuneConfig(keep="newest")


def test_reference_contrast_is_the_hinge_on_the_gap_to_the_task_s_reference_mean():
    m = _model(soft_prompt_len=0).eval()
    enc = Encoder(_Tok(), 16, 16, 64)
    exs = [Example("p: a", "xyz", ["doc one"], task="paraphrase", person="ann"), Example("p: b", "zwq", ["doc two", "more"], task="paraphrase", person="bob")]
    with torch.no_grad():
        # the reference is bob's merged documents: ann's row is scored after them, bob's after his own (gap 0)
        ref, _ = commer_prefix(m, enc, [exs[1].docs])
        refs = {"paraphrase": ref[0]}
        plain, n = batch_loss(m, enc, exs, "commer")
        total, n_ref, gap, ref_gap = contrast_loss(m, enc, exs, weight=0.0, margin=0.0, refs=refs, ref_weight=2.0, ref_margin=0.5)
        own = [batch_loss(m, enc, [e], "commer") for e in exs]
        after_ref = [batch_loss(m, enc, [Example(e.prompt, e.target, exs[1].docs)], "commer") for e in exs]
    assert gap is None and n_ref == n
    gaps = [float(r[0]) / r[1] - float(o[0]) / o[1] for o, r in zip(own, after_ref)]
    assert gaps[1] == pytest.approx(0.0, abs=1e-5)
    assert ref_gap == pytest.approx(sum(gaps) / 2, abs=1e-4)
    assert float(total) == pytest.approx(float(plain) + 2.0 * sum(max(0.0, 0.5 - g) * o[1] for g, o in zip(gaps, own)), rel=1e-4)
    # a task without a reference mean adds nothing
    with torch.no_grad():
        other_task, _, _, none_gap = contrast_loss(m, enc, exs, weight=0.0, margin=0.0, refs={"headline": ref[0]}, ref_weight=2.0, ref_margin=0.5)
    assert none_gap is None and float(other_task) == pytest.approx(float(plain), rel=1e-5)


def test_reference_means_and_the_reference_probe_follow_the_strength_line():
    m = _model(soft_prompt_len=0).train()
    enc = Encoder(_Tok(), 16, 16, 64)
    docs = ["first doc", "a second, longer document", "third"]
    refs = reference_means(m, enc, {"paraphrase": docs}, batch=2)
    assert m.training, "train mode restored"
    with torch.no_grad():
        m.eval()
        one_by_one = torch.stack([commer_prefix(m, enc, [[d]])[0][0] for d in docs]).mean(0)
    assert torch.allclose(refs["paraphrase"], one_by_one, atol=1e-5)
    val = [
        Example("p: a", "xyz", ["doc one"], task="paraphrase", person="ann"),
        Example("p: b", "zwq", ["doc two", "more"], task="paraphrase", person="bob"),
        Example("p: c", "q", [], task="paraphrase", person="cy"),
    ]
    probe = reference_probe(m, enc, val, refs)
    with_docs = [e for e in val if e.docs]
    as_ref = [Example(e.prompt, e.target, docs) for e in with_docs]  # the reference is the mean of these three documents
    assert probe["ppl_s1_paraphrase"] == pytest.approx(validate(m, enc, with_docs, "commer"), rel=1e-4)
    assert probe["ppl_s0_paraphrase"] == pytest.approx(validate(m, enc, as_ref, "commer"), rel=1e-4)
    assert probe["ref_gain_paraphrase"] == pytest.approx(1 - probe["ppl_s1_paraphrase"] / probe["ppl_s0_paraphrase"], abs=1e-3)
    assert "ppl_s05_paraphrase" in probe and not any(k.endswith("_headline") for k in probe)


def test_own_versus_other_probe_takes_as_many_documents_of_another_person_of_the_task():
    exs = [
        Example("p0", "t0", ["a1", "a2"], task="paraphrase", person="ann"),
        Example("p1", "t1", ["b1"], task="paraphrase", person="bob"),
        Example("p2", "t2", ["c1", "c2", "c3"], task="paraphrase", person="cat"),
        Example("p3", "t3", ["h1"], task="headline", person="hal"),
    ]
    own, other = other_person_pairs(exs)
    # cat's 3 documents: nobody else of the task has 3, so cat is not probed
    assert [e.prompt for e in own] == ["p0", "p1"]
    assert [e.docs for e in other] == [["c1", "c2"], ["c1"]]
    assert [e.target for e in other] == ["t0", "t1"]


def test_input_probe_scores_each_target_after_the_next_example_s_input_of_its_task():
    exs = [Example(f"prompt {t}{i}", f"target {t}{i}", ["a doc"], task=t) for t in ("paraphrase", "headline") for i in range(3)]
    exs.append(Example("lonely", "only one of its task", [], task="other"))
    own, other = input_probe_pairs(exs)
    assert [e.prompt for e in own] == [f"prompt headline{i}" for i in range(3)] + [f"prompt paraphrase{i}" for i in range(3)]
    assert [e.prompt for e in other] == ["prompt headline1", "prompt headline2", "prompt headline0", "prompt paraphrase1", "prompt paraphrase2", "prompt paraphrase0"]
    assert [e.target for e in own] == [e.target for e in other] and all(e.docs == [] for e in own + other)


def test_saving_writes_the_best_weights_and_leaves_the_live_parameters_alone(assets, tmp_path):
    """The adapt stage's save: commer.pt and backbone.ckpt hold the best-validation
    tensors, commer.pt the soft prompt of --merge-from (this run trains none), and the
    model goes on training from its current weights."""
    _, ckpt = assets
    cfg = FinetuneConfig(mode="commer", stage="adapt", k=2, lora={"rank": 2, "alpha": 4.0, "dropout": 0.0})
    model, tok, extra = build_model(ckpt, cfg)
    other = CommerModel(model.cfg, model.lora_cfg, 2, soft_prompt_len=2)
    with torch.no_grad():
        other.soft_prompt.fill_(5.0)
    save_commer_state(tmp_path / "other.pt", other, extra={"training": {"concat:task": {"best_step": 1}}})
    param_groups(model, cfg)
    prov = provenance(model, ckpt, tok, extra, None, tmp_path / "other.pt")
    best = {n: t + 1.0 for n, t in trained_state(model).items()}
    live = {n: t.detach().clone() for n, t in model.state_dict().items()}
    save_run(tmp_path / "out", model, best, cfg, [{"step": 0, "val_ppl": 9.0}], 8.5, 3, prov)
    assert all(torch.equal(live[n], t) for n, t in model.state_dict().items())
    saved = torch.load(tmp_path / "out" / "commer.pt")
    assert torch.equal(saved["state_dict"]["compression"], best["compression"])
    assert torch.equal(saved["state_dict"]["soft_prompt"], torch.full((2, model.cfg.dim), 5.0))
    assert all(torch.equal(saved["state_dict"][n], best[n]) for n in best if "lora_" in n)
    assert set(saved["extra"]["training"]) == {"concat:task", "commer:adapt"} and saved["extra"]["training"]["commer:adapt"]["best_step"] == 3
    _, bstate, _, bextra = load_checkpoint(tmp_path / "out" / "backbone.ckpt")
    assert all(torch.equal(bstate[n[len("backbone.") :]], t) for n, t in best.items() if n.startswith("backbone.") and "lora_" not in n)
    assert bextra["adapted"] == {"from": str(ckpt), "best_step": 3, "best_val_ppl": 8.5}


def test_merge_from_with_other_shapes_is_refused_when_the_run_starts(assets, tmp_path):
    _, ckpt = assets
    cfg = FinetuneConfig(mode="concat", k=2, lora={"rank": 2, "alpha": 4.0, "dropout": 0.0})
    model, tok, extra = build_model(ckpt, cfg)
    save_commer_state(tmp_path / "k3.pt", CommerModel(model.cfg, model.lora_cfg, 3, soft_prompt_len=3))
    with pytest.raises(CheckpointError, match=r"tensor compression has shape \[3, 64\], this run's model needs \[2, 64\]"):
        provenance(model, ckpt, tok, extra, None, tmp_path / "k3.pt")


def test_command_line_train_is_the_default_and_merge_is_a_subcommand(tmp_path, capsys):
    old = ["--backbone", "b.ckpt", "--config", "c.json", "--stage", "ae", "--max-steps", "5", "--out", "o"]
    for argv in (old, ["train"] + old):
        a = cli.build_parser().parse_args(cli.with_default_subcommand(argv))
        assert (a.cmd, a.backbone, a.config, a.stage, a.max_steps, a.out, a.mode) == ("train", "b.ckpt", "c.json", "ae", 5, "o", None)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(cli.with_default_subcommand(["--stage", "pretrain", "--out", "o"]))
    a, b = _model(1), _model(1)
    with torch.no_grad():
        b.soft_prompt.add_(3.0)
    save_commer_state(tmp_path / "a.pt", a, extra={"training": {"commer:task": {}}})
    save_commer_state(tmp_path / "b.pt", b, extra={"training": {"concat:task": {}}})
    cli.main(["merge", "--commer", str(tmp_path / "a.pt"), "--concat", str(tmp_path / "b.pt"), "--out", str(tmp_path / "m.pt")])
    assert capsys.readouterr().out.strip() == str(tmp_path / "m.pt")
    merged = torch.load(tmp_path / "m.pt")
    assert torch.equal(merged["state_dict"]["soft_prompt"], b.soft_prompt.detach()) and torch.equal(merged["state_dict"]["compression"], a.compression.detach())
    with pytest.raises(SystemExit):
        cli.main(["merge", "--commer", str(tmp_path / "a.pt"), "--out", str(tmp_path / "m2.pt")])  # --concat missing
