"""Token rows of the pack's sequences (models/PACK_FORMAT.md "Sequences") and the one
padding helper, shared by training (finetune) and evaluation (evaluate).

- a document to compress: [bos] + enc(rendered document)[:max_doc]  (left-padded)
- a generator row:        [bos] + prompt ids + enc(target)[:max_target] + [eos]  (right-padded in training)
- the concat baselines:   enc(render_concat(docs) + prompt), the documents part cut from
                          the left to a cap, or enc(render_concat(docs))[:budget] + enc(prompt)
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch

from .tasks import render_concat, target_text

Row = Union[Sequence[int], torch.Tensor]


def pad_rows(rows: Sequence[Row], fill: Union[int, float, torch.Tensor], side: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """Stack rows of different lengths into [B, n, ...] and a [B, n] long mask (1 on real
    positions). Rows are token-id lists (long tensors result) or tensors [len, ...]
    (e.g. input embeddings [len, d], padded with the embedding `fill` [d]). `side` is
    "left" (compressor and decoding inputs: the last real position is at the end) or
    "right" (training rows)."""
    if side not in ("left", "right"):
        raise ValueError(f"pad side must be 'left' or 'right', not {side!r}")
    if not rows:
        raise ValueError("pad_rows needs at least one row")
    ts = [r if isinstance(r, torch.Tensor) else torch.tensor(list(r), dtype=torch.long) for r in rows]
    n = max(t.shape[0] for t in ts)
    fill_t = torch.as_tensor(fill, dtype=ts[0].dtype)
    x = fill_t.expand(len(ts), n, *ts[0].shape[1:]).clone()
    mask = torch.zeros((len(ts), n), dtype=torch.long)
    for i, t in enumerate(ts):
        span = slice(0, t.shape[0]) if side == "right" else slice(n - t.shape[0], n)
        x[i, span] = t
        mask[i, span] = 1
    return x, mask


class Encoder:
    """Token ids of documents, prompts and targets, with a cache of encoded texts.

    `max_target_tokens` / `max_concat_tokens` of None leave targets / the concatenated
    documents uncut (evaluation); training caps them (FinetuneConfig)."""

    def __init__(self, tok, max_doc_tokens: int = 256, max_target_tokens: Optional[int] = None, max_concat_tokens: Optional[int] = None):
        self.tok = tok
        self.max_doc = max_doc_tokens
        self.max_target = max_target_tokens
        self.max_concat = max_concat_tokens
        self._cache: Dict[str, List[int]] = {}

    def enc(self, text: str) -> List[int]:
        ids = self._cache.get(text)
        if ids is None:
            ids = self.tok.encode(text)
            if len(self._cache) < 200_000:
                self._cache[text] = ids
        return ids

    def doc(self, text: str) -> List[int]:
        """A rendered document as the compressor reads it: [bos] + its first max_doc tokens."""
        return [self.tok.bos_id] + self.enc(text)[: self.max_doc]

    def target(self, target: str) -> List[int]:
        """The target's ids as they follow the prompt, + [eos] (the scored tokens)."""
        return self.enc(target_text(target))[: self.max_target] + [self.tok.eos_id]

    def gen_row(self, prompt_ids: List[int], target: str) -> Tuple[List[int], int]:
        """[bos] + prompt + target + [eos]; returns ids and the index where the target starts."""
        ids = [self.tok.bos_id] + prompt_ids + self.target(target)
        return ids, 1 + len(prompt_ids)

    def prompt(self, text: str) -> List[int]:
        return self.enc(text)

    def concat_prompt(self, docs: Sequence[str], prompt: str, budget: Optional[int] = None, cap: Optional[int] = None) -> List[int]:
        """enc(render_concat(docs) + prompt). With `budget`, the documents part is cut
        to `budget` tokens (the budget-matched baseline); otherwise the documents part
        is cut from the left to `cap` tokens (default max_concat; None: uncut)."""
        if not docs:
            return self.enc(prompt)
        if budget is not None:
            return self.enc(render_concat(docs))[:budget] + self.enc(prompt)
        cap = self.max_concat if cap is None else cap
        ids = self.tok.encode(render_concat(docs) + prompt)
        p = len(self.enc(prompt))
        if cap is not None and len(ids) - p > cap:
            ids = ids[len(ids) - p - cap :]
        return ids
