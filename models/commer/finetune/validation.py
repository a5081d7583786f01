"""Validation of a fine-tuning run: target perplexity over the fixed validation set,
and the two probes every ComMer task-reading stage logs with it."""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import torch

from ..encoding import Encoder
from ..model import CommerModel
from .examples import Example, next_of_another_person
from .loss import batch_loss, commer_rows, target_loss_from_hidden


@torch.no_grad()
def validate(m: CommerModel, encoder: Encoder, exs: Sequence[Example], mode: str, batch: int = 16) -> float:
    """Target-token perplexity over a fixed example list (in eval mode; the model's
    train/eval mode is restored afterwards)."""
    was = m.training
    m.eval()
    total, count = 0.0, 0
    for i in range(0, len(exs), batch):
        s, n = batch_loss(m, encoder, exs[i : i + batch], mode)
        total += float(s)
        count += n
    m.train(was)
    return math.exp(total / max(1, count))


def _paired(m: CommerModel, encoder: Encoder, a_exs: Sequence[Example], b_exs: Sequence[Example], mode: str, names: tuple) -> Dict[str, float]:
    """A probe's figures: perplexity of `a_exs` and of `b_exs` under names[0] and names[1],
    and 1 - a / b under names[2]; nothing when there is nothing to compare."""
    if not a_exs:
        return {}
    a = validate(m, encoder, a_exs, mode)
    b = validate(m, encoder, b_exs, mode)
    return {names[0]: round(a, 4), names[1]: round(b, 4), names[2]: round(1 - a / b, 4)}


def personalization_probe(m: CommerModel, encoder: Encoder, exs: Sequence[Example], mode: str) -> Dict[str, float]:
    """The validation examples that have documents, scored with them and with them
    removed: how much the documents lower the target perplexity (the quantity the
    evaluation's goals are about)."""
    with_docs = [e for e in exs if e.docs]
    return _paired(m, encoder, with_docs, [Example(e.prompt, e.target, [], e.mode) for e in with_docs], mode, ("ppl_with_docs", "ppl_without_docs", "gain"))


def input_probe(m: CommerModel, encoder: Encoder, exs: Sequence[Example], mode: str) -> Dict[str, float]:
    """The validation examples without documents, scored with their own input and with
    the input of the next example of the same task: how much the model reads its input.
    A model that copies the neutral tweet has a large gain; one that ignores it, ~0."""
    own, other = input_probe_pairs(exs)
    return _paired(m, encoder, own, other, mode, ("ppl_own_input", "ppl_other_input", "input_gain"))


def input_probe_pairs(exs: Sequence[Example]) -> tuple[List[Example], List[Example]]:
    """The input probe's two example lists: every validation example of a task with >= 2
    examples, without documents, once with its own prompt and once with the prompt of
    the next example of its task (cyclically)."""
    own: List[Example] = []
    other: List[Example] = []
    for task in sorted({e.task for e in exs if e.task}):
        group = [e for e in exs if e.task == task]
        if len(group) < 2:
            continue
        for i, e in enumerate(group):
            own.append(Example(e.prompt, e.target, [], e.mode))
            other.append(Example(group[(i + 1) % len(group)].prompt, e.target, [], e.mode))
    return own, other


def other_person_pairs(exs: Sequence[Example]) -> tuple[List[Example], List[Example]]:
    """The own-versus-other probe's two lists: every validation example with documents
    and a person, once with its own documents and once with as many documents of the
    next example of its task from another person who has at least that many."""
    own: List[Example] = []
    other: List[Example] = []
    for i, e in enumerate(exs):
        j = next_of_another_person(exs, i, min_docs=len(e.docs)) if e.docs else None
        if j is not None:
            own.append(e)
            other.append(Example(e.prompt, e.target, exs[j].docs[: len(e.docs)], e.mode, e.task, e.person))
    return own, other


def own_vs_other_probe(m: CommerModel, encoder: Encoder, exs: Sequence[Example], mode: str) -> Dict[str, float]:
    """The validation examples with documents, scored with their person's documents and
    with another person's of the same task and count: what the documents give that is
    this person's and not the genre's (the style-strength control rests on it)."""
    own, other = other_person_pairs(exs)
    return _paired(m, encoder, own, other, mode, ("ppl_own_docs", "ppl_other_docs", "own_gain"))


@torch.no_grad()
def reference_probe(m: CommerModel, encoder: Encoder, exs: Sequence[Example], refs: Dict[str, torch.Tensor], batch: int = 16) -> Dict[str, float]:
    """Per task, the validation examples with documents scored at three points of the app's
    style-strength line, merged = ref + s * (own mean - ref): s = 1 (their own documents),
    0.5 and 0 (the task's reference mean), as ppl_s1_<task>, ppl_s05_<task>, ppl_s0_<task>,
    and ref_gain_<task> = 1 - ppl_s1 / ppl_s0. The control can only make a person's
    targets likelier as it rises where s1 < s05 < s0."""
    was = m.training
    m.eval()
    out: Dict[str, float] = {}
    for task in sorted(refs):
        group = [e for e in exs if e.docs and e.task == task]
        if not group:
            continue
        sums = {1.0: 0.0, 0.5: 0.0, 0.0: 0.0}
        count = 0
        for i in range(0, len(group), batch):
            chunk = group[i : i + batch]
            prefix, pmask, ids, mask, starts, lengths = commer_rows(m, encoder, chunk)
            assert prefix is not None and pmask is not None
            ref = refs[task].to(prefix.dtype)[None]
            for s in sums:
                hidden = m.generator_forward(ref + s * (prefix - ref), pmask, ids, mask, return_hidden=True)
                nll, n = target_loss_from_hidden(m, hidden, ids, starts, lengths)
                sums[s] += float(nll)
            count += n
        ppl = {s: math.exp(v / max(1, count)) for s, v in sums.items()}
        out.update({f"ppl_s1_{task}": round(ppl[1.0], 4), f"ppl_s05_{task}": round(ppl[0.5], 4), f"ppl_s0_{task}": round(ppl[0.0], 4), f"ref_gain_{task}": round(1 - ppl[1.0] / ppl[0.0], 4)})
    m.train(was)
    return out


def probes(m: CommerModel, encoder: Encoder, exs: Sequence[Example], mode: str, stage: str, refs: Optional[Dict[str, torch.Tensor]] = None) -> Dict[str, float]:
    """What every validation logs besides perplexity (ComMer task-reading stages only);
    with reference means (the reference contrast), the reference probe too."""
    if mode != "commer" or stage == "ae":
        return {}
    out = {**personalization_probe(m, encoder, exs, mode), **input_probe(m, encoder, exs, mode), **own_vs_other_probe(m, encoder, exs, mode)}
    return {**out, **reference_probe(m, encoder, exs, refs)} if refs else out
