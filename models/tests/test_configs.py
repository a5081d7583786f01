"""Config files are read strictly; dicts read back from checkpoints are not."""

import json
from pathlib import Path

import pytest

from models.commer.finetune import FinetuneConfig
from models.commer.model import LoraConfig, ModelConfig
from models.commer.pretrain import PretrainConfig

CONFIGS = sorted((Path(__file__).resolve().parents[1] / "configs").glob("*.json"))


def _load(path: Path):
    return (PretrainConfig if path.name.startswith("pretrain") else FinetuneConfig).from_json(str(path), {})


def test_every_shipped_config_loads():
    assert len(CONFIGS) >= 10
    for path in CONFIGS:
        cfg = _load(path)
        if isinstance(cfg, PretrainConfig):
            assert ModelConfig.from_dict(cfg.model).vocab_size == cfg.model["vocab_size"]
        else:
            assert LoraConfig.from_dict(cfg.lora).rank == cfg.lora["rank"]


@pytest.mark.parametrize(
    "cls,body,key",
    [
        (PretrainConfig, {"max_step": 5}, "max_step"),
        (PretrainConfig, {"model": {"dim": 64, "n_layer": 2}}, "n_layer"),
        (FinetuneConfig, {"mode": "commer", "patiense": 2}, "patiense"),
        (FinetuneConfig, {"lora": {"rank": 4, "alfa": 8.0}}, "alfa"),
    ],
)
def test_an_unknown_key_is_refused_naming_the_key_and_the_file(tmp_path, cls, body, key):
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(body))
    with pytest.raises(ValueError, match=rf"typo\.json.*'{key}'"):
        cls.from_json(str(path), {})


def test_nested_dicts_built_from_code_are_strict_too():
    with pytest.raises(ValueError, match="'head_dim'"):
        ModelConfig.from_dict({**ModelConfig().__dict__, "head_dim": 32})
    with pytest.raises(ValueError, match="'r'"):
        LoraConfig.from_dict({"r": 4})


def test_saved_dicts_may_carry_derived_or_older_keys():
    # to_dict() writes the derived head_dim into every checkpoint; a newer version may add keys.
    cfg = ModelConfig(dim=64, n_heads=4)
    assert ModelConfig.from_saved({**cfg.to_dict(), "some_future_key": 1}) == cfg
    assert LoraConfig.from_saved({"rank": 4, "alpha": 8.0, "dropout": 0.0, "old_key": True}).rank == 4


def test_command_line_overrides_apply_on_top_of_the_file(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"max_steps": 5, "batch": 2}))
    cfg = FinetuneConfig.from_json(str(path), {"max_steps": 9, "batch": None})
    assert (cfg.max_steps, cfg.batch) == (9, 2)


def test_evaluate_states_the_defaults_it_uses(capsys):
    import inspect

    from models.commer import evaluate as ev
    from models.commer.tasks import EVAL_DOC_COUNTS

    with pytest.raises(SystemExit):
        ev.main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    pp = getattr(ev, "DEFAULT_PER_PERSON", {"paraphrase": 6, "headline": 5})
    assert f"default {pp['paraphrase']} tweets, {pp['headline']} headlines" in help_text
    doc = " ".join(ev.__doc__.split())
    run_defaults = {k: p.default for k, p in inspect.signature(ev.run).parameters.items()}
    assert f"--per-person {pp['paraphrase']} targets per tweet person and {pp['headline']} per news author" in doc
    assert f"--doc-counts {','.join(map(str, EVAL_DOC_COUNTS))}" in doc and tuple(run_defaults["doc_counts"]) == EVAL_DOC_COUNTS
    assert f"--max-new-tokens {run_defaults['max_new_tokens']} " in doc and f"--threads {run_defaults['threads']}," in doc
