"""The training loss of a batch of Examples: target-token cross-entropy (target + EOS)
after the ComMer prefix (mean-merged compressions), the soft prompt (concat baseline)
or nothing. Sequences follow models/PACK_FORMAT.md "Sequences" (encoding.py)."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..encoding import Encoder, pad_rows
from ..model import CommerModel, merge_mean
from .examples import Example, next_of_another_person


def commer_prefix(m: CommerModel, encoder: Encoder, docs_per_row: Sequence[Sequence[str]]) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
    """Merged compressions [B, k, d] and prefix mask [B, k] (zeros for 0-document rows)."""
    flat = [d for docs in docs_per_row for d in docs]
    b = len(docs_per_row)
    if not flat:
        return None, None
    ids, mask = pad_rows([encoder.doc(d) for d in flat], encoder.tok.pad_id, "left")
    comp = m.compress(ids, mask)  # [N, k, d]
    n_max = max(len(d) for d in docs_per_row)
    full = comp.new_zeros(b, n_max, m.k, m.cfg.dim)
    counts = torch.zeros(b, dtype=torch.long)
    j = 0
    for i, docs in enumerate(docs_per_row):
        n = len(docs)
        if n:
            full[i, :n] = comp[j : j + n]
            j += n
        counts[i] = n
    merged = merge_mean(full, counts)
    pmask = (counts > 0).long()[:, None].expand(b, m.k).contiguous()
    return merged, pmask


def _target_mask(ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> torch.Tensor:
    """[B, T-1] True where position t predicts a target token (target + eos) of its row."""
    sel = torch.zeros(ids.shape[0], ids.shape[1] - 1, dtype=torch.bool)
    for i, (s, n) in enumerate(zip(starts, lengths)):
        sel[i, s - 1 : n - 1] = True
    return sel


def target_loss_sum(logits: torch.Tensor, ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> Tuple[torch.Tensor, int]:
    """Sum of CE over target tokens (target + eos) and their count."""
    lp = F.log_softmax(logits[:, :-1].float(), dim=-1)
    tgt = ids[:, 1:]
    sel = _target_mask(ids, starts, lengths)
    nll = -lp.gather(-1, tgt[..., None])[..., 0]
    return nll[sel].sum(), int(sel.sum())


def target_loss_from_hidden(m: CommerModel, hidden: torch.Tensor, ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> Tuple[torch.Tensor, int]:
    """target_loss_sum with the vocabulary projection applied to the scored positions
    only (with a 49k vocabulary the projection of every prompt position was a fifth of
    a step's work)."""
    sel = _target_mask(ids, starts, lengths)
    logits = m.backbone.lm_head(hidden[:, :-1][sel])
    nll = F.cross_entropy(logits.float(), ids[:, 1:][sel], reduction="sum")
    return nll, int(sel.sum())


def row_nll(m: CommerModel, hidden: torch.Tensor, ids: torch.Tensor, starts: Sequence[int], lengths: Sequence[int]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Per row: the target-token NLL sum [B] and the number of target tokens [B]."""
    sel = _target_mask(ids, starts, lengths)
    logits = m.backbone.lm_head(hidden[:, :-1][sel])
    nll = F.cross_entropy(logits.float(), ids[:, 1:][sel], reduction="none")
    rows = sel.nonzero()[:, 0]
    return nll.new_zeros(ids.shape[0]).index_add(0, rows, nll), sel.sum(1)


def contrast_partners(exs: Sequence[Example]) -> List[Optional[int]]:
    """For each example with documents, the next example (cyclically) of the same task,
    with documents, of another person: whose merged documents stand for "another writer
    of the same kind" in the contrast. None where the batch has no such example."""
    return [next_of_another_person(exs, i) if e.docs else None for i, e in enumerate(exs)]


def commer_rows(m: CommerModel, encoder: Encoder, exs: Sequence[Example]):
    """The ComMer generator batch of `exs`: merged prefix and its mask, right-padded
    prompt + target ids and mask, and each row's target start and length."""
    prefix, pmask = commer_prefix(m, encoder, [e.docs for e in exs])
    rows = [encoder.gen_row(encoder.prompt(e.prompt), e.target) for e in exs]
    ids, mask = pad_rows([r[0] for r in rows], encoder.tok.pad_id, "right")
    return prefix, pmask, ids, mask, [r[1] for r in rows], [len(r[0]) for r in rows]


@torch.no_grad()
def reference_means(m: CommerModel, encoder: Encoder, docs_by_task: Dict[str, Sequence[str]], batch: int = 16) -> Dict[str, torch.Tensor]:
    """Per task, the mean compression [k, d] of its reference documents, in eval mode and
    without gradient (FinetuneConfig.reference_contrast; the training-side twin of the
    pack's reference.f32). The model's train/eval mode is restored afterwards."""
    was = m.training
    m.eval()
    out: Dict[str, torch.Tensor] = {}
    for task, docs in docs_by_task.items():
        if not docs:
            continue
        total = None
        for i in range(0, len(docs), batch):
            ids, mask = pad_rows([encoder.doc(d) for d in docs[i : i + batch]], encoder.tok.pad_id, "left")
            part = m.compress(ids, mask).sum(0)
            total = part if total is None else total + part
        assert total is not None
        out[task] = total / len(docs)
    m.train(was)
    return out


def contrast_loss(
    m: CommerModel,
    encoder: Encoder,
    exs: Sequence[Example],
    weight: float,
    margin: float,
    refs: Optional[Dict[str, torch.Tensor]] = None,
    ref_weight: float = 0.0,
    ref_margin: float = 0.0,
) -> Tuple[torch.Tensor, int, Optional[float], Optional[float]]:
    """The ComMer batch loss plus the hinges of the two contrasts: own documents versus
    another person's of the task in the batch (FinetuneConfig.contrast, `weight`/`margin`)
    and versus the task's reference mean `refs[task]` (FinetuneConfig.reference_contrast,
    `ref_weight`/`ref_margin`). Returns (loss sum, target tokens of the own rows, mean
    own-vs-other gap, mean own-vs-reference gap; nats/token, None where not computed).
    The extra rows share the forward with the own rows and are not counted as target
    tokens, so the loss normalization is the plain loss's."""
    prefix, pmask, ids, mask, starts, lengths = commer_rows(m, encoder, exs)
    b = len(exs)
    partners = contrast_partners(exs) if prefix is not None and weight > 0 else [None] * b
    own = [i for i, j in enumerate(partners) if j is not None]
    ref_own = [i for i, e in enumerate(exs) if prefix is not None and ref_weight > 0 and refs and e.docs and e.task in refs]
    extra = own + ref_own
    if extra:
        assert prefix is not None and pmask is not None
        parts = [prefix]
        if own:
            parts.append(prefix[[partners[i] for i in own]])
        if ref_own:
            assert refs is not None
            parts.append(torch.stack([refs[exs[i].task] for i in ref_own]).to(prefix.dtype))
        prefix = torch.cat(parts)
        pmask = torch.cat([pmask, pmask.new_ones(len(extra), m.k)])
        ids, mask = torch.cat([ids, ids[extra]]), torch.cat([mask, mask[extra]])
        starts = starts + [starts[i] for i in extra]
        lengths = lengths + [lengths[i] for i in extra]
    hidden = m.generator_forward(prefix, pmask, ids, mask, return_hidden=True)
    sums, counts = row_nll(m, hidden, ids, starts, lengths)
    total = sums[:b].sum()

    def hinge(rows: List[int], their: torch.Tensor, mg: float) -> Tuple[torch.Tensor, float]:
        n_tok = counts[rows].float()
        gap = their / n_tok - sums[rows] / n_tok
        return (torch.relu(mg - gap) * n_tok).sum(), float(gap.detach().mean())

    gap = ref_gap = None
    if own:
        h, gap = hinge(own, sums[b : b + len(own)], margin)
        total = total + weight * h
    if ref_own:
        h, ref_gap = hinge(ref_own, sums[b + len(own) :], ref_margin)
        total = total + ref_weight * h
    return total, int(counts[:b].sum()), gap, ref_gap


def batch_loss(m: CommerModel, encoder: Encoder, exs: Sequence[Example], mode: str) -> Tuple[torch.Tensor, int]:
    """Sum of target-token CE over the batch and the number of target tokens. Each
    example runs in its own mode (Example.mode) or the run's `mode`; a mixed batch (the
    adapt stage) is the sum of each kind through its own path."""
    modes = {e.mode or mode for e in exs}
    if len(modes) > 1:
        total, count = None, 0
        for md in sorted(modes):
            s, n = batch_loss(m, encoder, [e for e in exs if (e.mode or mode) == md], md)
            total = s if total is None else total + s
            count += n
        assert total is not None
        return total, count
    mode = modes.pop() if modes else mode
    if mode == "commer":
        prefix, pmask, ids, mask, starts, lengths = commer_rows(m, encoder, exs)
    else:
        rows = [encoder.gen_row(encoder.concat_prompt(e.docs, e.prompt), e.target) for e in exs]
        if m.soft_prompt is not None:
            prefix = m.soft_prompt[None].expand(len(exs), -1, -1)
            pmask = torch.ones(len(exs), m.soft_prompt.shape[0], dtype=torch.long)
        else:
            prefix, pmask = None, None
        ids, mask = pad_rows([r[0] for r in rows], encoder.tok.pad_id, "right")
        starts, lengths = [r[1] for r in rows], [len(r[0]) for r in rows]
    hidden = m.generator_forward(prefix, pmask, ids, mask, return_hidden=True)
    return target_loss_from_hidden(m, hidden, ids, starts, lengths)


class BatchLoss(torch.nn.Module):
    """batch_loss as one module, so that a distributed run wraps exactly one forward in
    DistributedDataParallel (find_unused_parameters: a rank whose slice has no documents
    leaves the compressor unused) and every trained tensor is averaged by DDP itself,
    whichever path (compressor, generator, soft prompt, adapted backbone) used it."""

    def __init__(
        self,
        model: CommerModel,
        encoder: Encoder,
        contrast: float = 0.0,
        contrast_margin: float = 0.0,
        reference_contrast: float = 0.0,
        reference_margin: float = 0.0,
    ):
        super().__init__()
        self.model = model
        self.encoder = encoder
        self.contrast = contrast
        self.contrast_margin = contrast_margin
        self.reference_contrast = reference_contrast
        self.reference_margin = reference_margin
        self.refs: Optional[Dict[str, torch.Tensor]] = None  # per task reference mean [k, d] (set by the loop)
        self.last_gap: Optional[float] = None  # the contrast's mean own-vs-other gap of the last batch
        self.last_ref_gap: Optional[float] = None  # the reference contrast's mean own-vs-reference gap

    def forward(self, exs: Sequence[Example], mode: str) -> Tuple[torch.Tensor, int]:
        contrasts = self.contrast > 0 or (self.reference_contrast > 0 and self.refs)
        if contrasts and mode == "commer" and not any(e.mode and e.mode != mode for e in exs):
            s, n, self.last_gap, self.last_ref_gap = contrast_loss(
                self.model, self.encoder, exs, self.contrast, self.contrast_margin, self.refs, self.reference_contrast, self.reference_margin
            )
            return s, n
        return batch_loss(self.model, self.encoder, exs, mode)
