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

One module per job:
- config.py      FinetuneConfig (config file + CLI overrides, unknown keys refused)
- examples.py    training persons, per-step sampling of a stage's batch, the validation set
- loss.py        target-token loss of a batch (ComMer prefix, soft prompt, mixed adapt batches)
- params.py      the model on the backbone checkpoint, freezing, AdamW parameter groups
- validation.py  validation perplexity and the personalization / input probes
- saving.py      commer.pt / backbone.ckpt from the best weights (built as a dict), merge
- loop.py        the training loop (schedule, clipping, early stopping, DDP)
- cli.py         `python -m models.commer.finetune {train,merge}`; ../encoding.py holds the
                 token rows and the padding helper shared with evaluate.py

    .venv/bin/python -m models.commer.finetune train --backbone models/runs/pretrain/backbone.ckpt \\
        --mode commer --stage ae --out models/runs/commer-ae --max-steps 300
    .venv/bin/python -m models.commer.finetune merge --commer task/commer.pt --concat concat/commer.pt --out commer.pt

(`train` is the default: the same command line without it still trains.)
"""

from ..encoding import Encoder, pad_rows
from .config import FinetuneConfig
from .examples import AE_CHARS, Example, TrainData, copy_pairs
from .loop import run
from .loss import BatchLoss, batch_loss, commer_prefix, target_loss_from_hidden, target_loss_sum
from .params import build_model, param_groups, trained_state
from .saving import merge_states, save_run, state_to_save
from .validation import input_probe, personalization_probe, probes, validate

__all__ = [
    "AE_CHARS",
    "BatchLoss",
    "Encoder",
    "Example",
    "FinetuneConfig",
    "TrainData",
    "batch_loss",
    "build_model",
    "commer_prefix",
    "copy_pairs",
    "input_probe",
    "merge_states",
    "pad_rows",
    "param_groups",
    "personalization_probe",
    "probes",
    "run",
    "save_run",
    "state_to_save",
    "target_loss_from_hidden",
    "target_loss_sum",
    "trained_state",
    "validate",
]
