"""FinetuneConfig: every knob of a fine-tuning run (a config file, with CLI overrides on top)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from ..config_keys import ConfigError, check_keys, read_config_file
from ..model import LoraConfig

MODES = ("commer", "concat")
STAGES = ("adapt", "ae", "task")


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
    # document counts of the task examples per task (None: tasks.TRAIN_DOC_COUNTS). With a
    # frozen backbone a 0-document example trains nothing, so a personalization run leaves 0 out.
    task_doc_counts: Optional[Dict[str, Tuple[int, ...]]] = None
    # own-versus-other contrast (ComMer task stage): each example with documents is scored a
    # second time with the merged documents of another person of its task in the same batch,
    # and contrast * max(0, contrast_margin - (NLL/token with theirs - NLL/token with its own))
    # per target token is added to the loss: the compressions must carry what tells this
    # person from another writer of the same kind, not only the genre (models/README.md)
    contrast: float = 0.0
    contrast_margin: float = 0.2
    # which weights the run writes: "best" (lowest validation perplexity) or "last" (the
    # weights at the last validation: for a stage whose aim is not lower perplexity, such as
    # the reference contrast, whose probe is read instead)
    keep: str = "best"
    # reference contrast (ComMer task stage): each example with documents is also scored after
    # its task's reference mean -- the mean compression of `reference_docs` documents of each
    # of up to `reference_persons` training persons of the task, recomputed without gradient
    # every `reference_every` steps, as `commer reference-mean` computes the pack's
    # reference.f32 -- and reference_contrast * max(0, reference_margin - (NLL/token after the
    # reference - NLL/token after its own documents)) per target token is added: the person's
    # own mean must beat "a typical writer of this kind", the generic end of the app's
    # style-strength control, or the control cannot make their targets likelier as it rises
    reference_contrast: float = 0.0
    reference_tasks: Optional[Tuple[str, ...]] = None  # the tasks it applies to (None: all)
    reference_margin: float = 0.1
    reference_docs: int = 6
    reference_persons: int = 40
    reference_every: int = 40

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigError(f"finetune mode {self.mode!r} is not one of {', '.join(MODES)}")
        if self.stage not in STAGES:
            raise ConfigError(f"finetune stage {self.stage!r} is not one of {', '.join(STAGES)}")
        if self.contrast < 0 or self.contrast_margin < 0:
            raise ConfigError("finetune contrast and contrast_margin are >= 0")
        if self.contrast and (self.mode != "commer" or self.stage != "task"):
            raise ConfigError("finetune contrast is for the ComMer task stage only")
        if self.keep not in ("best", "last"):
            raise ConfigError(f"finetune keep {self.keep!r} is not best or last")
        if self.reference_contrast < 0 or self.reference_margin < 0:
            raise ConfigError("finetune reference_contrast and reference_margin are >= 0")
        if self.reference_contrast and (self.mode != "commer" or self.stage != "task"):
            raise ConfigError("finetune reference_contrast is for the ComMer task stage only")
        if min(self.reference_docs, self.reference_persons, self.reference_every) < 1:
            raise ConfigError("finetune reference_docs, reference_persons and reference_every are >= 1")

    @property
    def stage_name(self) -> str:
        """The stage the run's examples come from: the concat baseline trains on tasks."""
        return "task" if self.mode == "concat" else self.stage

    @property
    def trains_backbone(self) -> bool:
        return self.mode == "commer" and self.stage == "adapt"

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
        if d.get("task_doc_counts") is not None:
            d["task_doc_counts"] = {t: tuple(v) for t, v in d["task_doc_counts"].items()}
        if d.get("reference_tasks") is not None:
            d["reference_tasks"] = tuple(d["reference_tasks"])
        return FinetuneConfig(**d)
