"""The two tasks, their prompt templates, and the sequences the model sees.

The templates live here and only here: training renders them, the exporter writes
`TEMPLATES` into the pack manifest, and the app renders them again at run time.
Token layouts follow models/PACK_FORMAT.md "Sequences" exactly:

- compress:  [bos] + enc(document(text))[:max_doc_tokens]          (then E, k slots)
- generate:  merged(k) ++ [bos] + enc(prompt) + enc(target) + [eos]
- 0 docs:    [bos] + enc(prompt) + enc(target) + [eos]
- concat:    soft_prompt ++ [bos] + enc(concat_document(1,d1) + ... + prompt) + enc(target) + [eos]

A *person* of a task holds documents (their profile pool) and items
(input, target, index of the document the target came from, so a target never
appears among its own profile documents).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from .data import Article
from .neutralize import neutralize

PLAIN_TEMPLATES: dict = {
    "document": "{text}",
    "concat_document": "Document {i}: {text}\n",
    "tasks": {
        "paraphrase": {
            "label": "Tweet paraphrase",
            "prompt": "Paraphrase this tweet in my voice: {input}\nTweet:",
        },
        "headline": {
            "label": "Headline",
            "prompt": "Write a headline for this article in my voice: {input}\nHeadline:",
        },
    },
}

# ChatML, the format of SmolLM2-Instruct (and Qwen-style instruct models). The runtime
# puts the pack's bos_id (<|im_start|>) before every sequence, so a prompt starts with
# a role name; documents concatenated for the baseline become earlier user turns.
CHATML_TEMPLATES: dict = {
    "document": "{text}",
    "concat_document": "user\nSomething I wrote (document {i}): {text}<|im_end|>\n<|im_start|>",
    "tasks": {
        "paraphrase": {
            "label": "Tweet paraphrase",
            "prompt": "user\nRewrite this draft as a tweet in my voice. Reply with the tweet only.\n\n{input}<|im_end|>\n<|im_start|>assistant\n",
        },
        "headline": {
            "label": "Headline",
            "prompt": "user\nWrite a headline for this article in my voice. Reply with the headline only.\n\n{input}<|im_end|>\n<|im_start|>assistant\n",
        },
    },
}

# The auto-encoding stage's query and document rendering (training only, never in a pack).
AE_TEMPLATES: Dict[str, Dict[str, str]] = {
    "plain": {"query": "What does document {n} contain?", "document": "Document {i}: {text}"},
    "chatml": {
        "query": "user\nRepeat document {n} word for word.<|im_end|>\n<|im_start|>assistant\n",
        "document": "Document {i}: {text}",
    },
}

TEMPLATE_SETS: Dict[str, dict] = {"plain": PLAIN_TEMPLATES, "chatml": CHATML_TEMPLATES}

# The active set. Replaced in place by use_templates(), so modules that imported
# TEMPLATES see the change.
TEMPLATES: dict = {}
AE: Dict[str, str] = {}


def use_templates(name: str) -> dict:
    """Make template set `name` ("plain" or "chatml") the active one."""
    if name not in TEMPLATE_SETS:
        raise ValueError(f"unknown template set {name!r} (known: {', '.join(sorted(TEMPLATE_SETS))})")
    import copy

    TEMPLATES.clear()
    TEMPLATES.update(copy.deepcopy(TEMPLATE_SETS[name]))
    AE.clear()
    AE.update(AE_TEMPLATES[name])
    return TEMPLATES


def set_templates(templates: dict) -> dict:
    """Make a pack's or adapter's own templates (e.g. commer.pt extra.templates) the
    active ones, so evaluation renders exactly what training rendered."""
    import copy

    TEMPLATES.clear()
    TEMPLATES.update(copy.deepcopy(templates))
    return TEMPLATES


use_templates("plain")

TASKS = ("paraphrase", "headline")
# Document counts trained per task (the paper's choice).
TRAIN_DOC_COUNTS = {"paraphrase": (0, 1, 2, 4, 8), "headline": (0, 1, 2, 4)}
EVAL_DOC_COUNTS = (0, 1, 2, 4, 8, 16, 32)


def render_prompt(task: str, input_text: str) -> str:
    return TEMPLATES["tasks"][task]["prompt"].replace("{input}", input_text)


def render_document(text: str) -> str:
    return TEMPLATES["document"].replace("{text}", text)


def render_concat(docs: Sequence[str]) -> str:
    return "".join(
        TEMPLATES["concat_document"].replace("{i}", str(i + 1)).replace("{text}", d) for i, d in enumerate(docs)
    )


def target_text(target: str) -> str:
    """The target as it follows the prompt: SentencePiece's dummy prefix supplies the
    space after "Tweet:"; newlines inside a target are flattened to spaces."""
    return " ".join(target.split())


@dataclass
class Item:
    input: str
    target: str
    doc_index: int  # index in TaskPerson.docs of the document this item came from


@dataclass
class TaskPerson:
    task: str
    person: str
    docs: List[str]
    items: List[Item] = field(default_factory=list)

    def profile_pool(self, exclude: Sequence[int]) -> List[int]:
        ex = set(exclude)
        return [i for i in range(len(self.docs)) if i not in ex]


@dataclass
class NeutralizeStats:
    total: int = 0
    identical: int = 0
    empty: int = 0

    def to_dict(self) -> dict:
        return {"total": self.total, "identical_to_target": self.identical, "empty_dropped": self.empty}


def paraphrase_persons(tweets: Dict[str, List[str]], stats: Optional[NeutralizeStats] = None) -> List[TaskPerson]:
    """Every tweet is a profile document; every tweet whose neutral version is
    non-empty is also an item (neutral -> original)."""
    out = []
    for person in sorted(tweets):
        docs = [" ".join(t.split()) for t in tweets[person]]
        tp = TaskPerson("paraphrase", person, docs)
        for i, t in enumerate(docs):
            n = neutralize(t)
            if stats is not None:
                stats.total += 1
                stats.identical += int(n == t)
                stats.empty += int(not n)
            if n:
                tp.items.append(Item(n, t, i))
        out.append(tp)
    return out


def headline_persons(news: Dict[str, List[Article]]) -> List[TaskPerson]:
    """Documents are `headline — short_description`; items are articles with a
    short description (short_description -> headline)."""
    out = []
    for author in sorted(news):
        arts = news[author]
        tp = TaskPerson("headline", author, [a.as_document() for a in arts])
        for i, a in enumerate(arts):
            if a.short_description and a.headline:
                tp.items.append(Item(" ".join(a.short_description.split()), a.headline, i))
        out.append(tp)
    return out


def _hash_order(n: int, key: str) -> List[int]:
    return sorted(range(n), key=lambda i: hashlib.sha256(f"{key}\0{i}".encode()).hexdigest())


@dataclass
class EvalExample:
    task: str
    person: str
    input: str
    target: str
    profile: List[str]  # ordered pool; the first n are the n-document profile (nested)


def eval_examples(persons: Sequence[TaskPerson], targets_per_person: int, max_docs: int = 32) -> List[EvalExample]:
    """Deterministic evaluation set. For each person: `targets_per_person` items
    (hash-ordered) are held out as targets; the profile pool is the person's other
    documents minus every held-out target, hash-ordered, capped at max_docs. The
    n-document profile is the first n of the pool, so profiles are nested across n."""
    out = []
    for tp in persons:
        order = _hash_order(len(tp.items), f"eval-items:{tp.task}:{tp.person}")
        chosen = [tp.items[i] for i in order[:targets_per_person]]
        held = {it.doc_index for it in chosen}
        pool_idx = [i for i in _hash_order(len(tp.docs), f"eval-docs:{tp.task}:{tp.person}") if i not in held]
        profile = [tp.docs[i] for i in pool_idx[:max_docs]]
        for it in chosen:
            out.append(EvalExample(tp.task, tp.person, it.input, it.target, profile))
    return out


def sample_training_example(tp: TaskPerson, n_docs: int, rng: random.Random) -> Tuple[Item, List[str]]:
    """One random item of a training person plus n random other documents of theirs."""
    item = rng.choice(tp.items)
    pool = tp.profile_pool([item.doc_index])
    n = min(n_docs, len(pool))
    docs = [tp.docs[i] for i in rng.sample(pool, n)]
    return item, docs
