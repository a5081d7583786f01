"""ROUGE-L F1 (longest common subsequence), as the evaluation reports it.

Tokenization: lowercase, then maximal runs of Unicode letters/digits; everything
else separates tokens. This is the app's main/core/rouge.ts tokenization, so the
figures in a pack's manifest and the app's quality hints agree.
F1 = 2PR / (P + R) with P = LCS / len(candidate), R = LCS / len(reference); no
common token (including an empty side) scores 0.0.
"""

from __future__ import annotations

import re
from typing import List, Sequence, Tuple

_TOKEN = re.compile(r"[^\W_]+")


def tokenize(text: str) -> List[str]:
    return _TOKEN.findall(text.lower())


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l(candidate: str, reference: str) -> Tuple[float, float, float]:
    """(precision, recall, F1) of `candidate` against `reference`; all 0.0 without a common token."""
    c, r = tokenize(candidate), tokenize(reference)
    lcs = lcs_length(c, r)
    if lcs == 0:
        return 0.0, 0.0, 0.0
    p, rec = lcs / len(c), lcs / len(r)
    return p, rec, 2 * p * rec / (p + rec)


def rouge_l_f1(candidate: str, reference: str) -> float:
    return rouge_l(candidate, reference)[2]
