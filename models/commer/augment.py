"""Pseudo-persons for training: a real training person's writing with one consistent,
made-up style laid over every text of theirs (target and profile alike).

Why: the training split has 28 tweet users and ~76 news authors. A compressor and
generator trained on so few people learn to recognise *those* people rather than to
read a style off any profile. Drawing a fresh style per example (case, a fixed
opening @handle, a signature hashtag or emoji, exclamation habits; for headlines
the "WATCH:" / "(PHOTOS)" habits of news desks) gives an unbounded number of
consistent persons whose style can only be predicted from their documents. The
styles are the kind real people have; the evaluation uses real test persons only,
untouched. Training data only: nothing here is used by evaluate.py or the app.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import List, Tuple

HANDLES = ["@mike", "@jenny_b", "@TheRealDan", "@kat", "@sportsguy", "@Mom", "@lisa_m", "@bigal", "@team", "@nyc_eats"]
TAGS = ["#blessed", "#tcot", "#FF", "#winning", "#news", "#smh", "#fb", "#music", "#nowplaying", "#lol"]
EMOJI = ["😂", "❤️", "🙏", "🔥", "😍", "👍", "😎", ":)", ":-D", "xoxo"]
HEAD_OPEN = ["WATCH: ", "BREAKING: ", "Opinion: ", "LOOK: ", "Exclusive: "]
HEAD_CLOSE = [" (VIDEO)", " (PHOTOS)", " (UPDATE)", " | Analysis"]

_WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def _title(s: str) -> str:
    return _WORD.sub(lambda m: m.group(0)[0].upper() + m.group(0)[1:], s)


@dataclass
class Style:
    """One pseudo-person's habits; apply() lays them over a text."""

    case: str = "as-is"  # as-is | upper | lower | title
    opening: str = ""
    closing: str = ""
    bangs: bool = False  # "." and "!" at the end of sentences become "!!"

    def apply(self, text: str) -> str:
        t = text
        if self.case == "upper":
            t = t.upper()
        elif self.case == "lower":
            t = t.lower()
        elif self.case == "title":
            t = _title(t)
        if self.bangs:
            t = re.sub(r"[.!]+(\s|$)", r"!!\1", t)
        return f"{self.opening}{t}{self.closing}"


def random_style(task: str, rng: random.Random) -> Style:
    case = rng.choices(["as-is", "upper", "lower", "title"], weights=[0.4, 0.2, 0.2, 0.2])[0]
    if task == "headline":
        return Style(
            case=rng.choices(["as-is", "upper", "lower"], weights=[0.6, 0.2, 0.2])[0],
            opening=rng.choice(HEAD_OPEN) if rng.random() < 0.35 else "",
            closing=rng.choice(HEAD_CLOSE) if rng.random() < 0.35 else "",
        )
    opening = rng.choice(HANDLES) + " " if rng.random() < 0.3 else ""
    r = rng.random()
    closing = " " + rng.choice(TAGS) if r < 0.25 else " " + rng.choice(EMOJI) if r < 0.45 else ""
    return Style(case=case, opening=opening, closing=closing, bangs=rng.random() < 0.2)


def style_document(task: str, doc: str, style: Style) -> str:
    """A profile document in the pseudo-person's style. Headline documents are
    `headline — short_description`: only the headline is theirs."""
    if task == "headline" and " — " in doc:
        head, rest = doc.split(" — ", 1)
        return f"{style.apply(head)} — {rest}"
    return style.apply(doc)


def stylize(task: str, target: str, docs: List[str], rng: random.Random) -> Tuple[str, List[str], Style]:
    """The target and the profile documents of one training example, restyled as one
    freshly drawn pseudo-person."""
    st = random_style(task, rng)
    return st.apply(target), [style_document(task, d, st) for d in docs], st
