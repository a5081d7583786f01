"""PyTorch reference for the pack's sequences (models/PACK_FORMAT.md "Sequences").

The golden files and the export parity tests are computed with these functions, so
the TypeScript runtime is checked against exactly what this module does:
compression of left-padded document batches, the merge, greedy generation with the
KV cache from a soft prefix, the 0-document path and the prompt-concat baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import torch

from .encoding import pad_rows
from .model import CommerModel, positions_from_mask


@dataclass
class Limits:
    max_doc_tokens: int = 256
    max_prompt_tokens: int = 256


def render(template: str, **kw) -> str:
    out = template
    for k, v in kw.items():
        out = out.replace("{" + k + "}", str(v))
    return out


def doc_ids(tok, text: str, templates: dict, limits: Limits) -> List[int]:
    """[bos] + enc(document(text))[:max_doc_tokens] (truncated from the right)."""
    return [tok.bos_id] + tok.encode(render(templates["document"], text=text))[: limits.max_doc_tokens]


def prompt_ids(tok, prompt_text: str, limits: Limits) -> List[int]:
    """[bos] + enc(prompt), keeping the prompt's last max_prompt_tokens tokens."""
    ids = tok.encode(prompt_text)
    return [tok.bos_id] + ids[-limits.max_prompt_tokens :]


@torch.no_grad()
def compress_texts(model: CommerModel, tok, texts: Sequence[str], templates: dict, limits: Limits) -> torch.Tensor:
    """[n, k, dim] compressions of `texts`, one left-padded batch."""
    ids, mask = pad_rows([doc_ids(tok, t, templates, limits) for t in texts], tok.pad_id, "left")
    return model.compress(ids, mask)


@torch.no_grad()
def greedy(
    model: CommerModel,
    prefix: Optional[torch.Tensor],
    ids: Sequence[int],
    max_new_tokens: int,
    stop_ids: Sequence[int],
    gaps: Optional[List[float]] = None,
) -> Tuple[List[int], float]:
    """Greedy decode with the KV cache after `prefix` [P, dim] (or none) and `ids`.

    Returns the generated ids (the stop token excluded) and the smallest gap between
    the best and second-best logit seen, which tells how robust the argmax is to
    numeric noise between runtimes."""
    bb = model.backbone
    x = bb.embed(torch.tensor([list(ids)]))
    if prefix is not None and prefix.shape[0] > 0:
        x = torch.cat([prefix[None].to(x.dtype), x], dim=1)
    mask = torch.ones(1, x.shape[1], dtype=torch.long)
    pos = positions_from_mask(mask)
    logits, _, past = bb(x, mask, pos, None, lora_scale=0.0)
    out: List[int] = []
    min_gap = float("inf")
    for _ in range(max_new_tokens):
        last = logits[0, -1]
        top = torch.topk(last, 2).values
        min_gap = min(min_gap, float(top[0] - top[1]))
        if gaps is not None:
            gaps.append(float(top[0] - top[1]))  # per step: the gap behind each chosen id
        nxt = int(last.argmax())
        if nxt in stop_ids:
            break
        out.append(nxt)
        mask = torch.cat([mask, torch.ones(1, 1, dtype=torch.long)], dim=1)
        pos = torch.tensor([[mask.shape[1] - 1]])
        logits, _, past = bb(bb.embed(torch.tensor([[nxt]])), mask, pos, past, lora_scale=0.0)
    return out, min_gap


def merged_prefix(model: CommerModel, tok, docs: Sequence[str], templates: dict, limits: Limits) -> Optional[torch.Tensor]:
    """Mean of the documents' compressions [k, dim], or None for 0 documents."""
    if not docs:
        return None
    return compress_texts(model, tok, docs, templates, limits).mean(dim=0)


def concat_prompt_text(templates: dict, docs: Sequence[str], task_prompt: str) -> str:
    return "".join(render(templates["concat_document"], i=i + 1, text=d) for i, d in enumerate(docs)) + task_prompt
