"""What a fine-tuning run trains and validates on: the training persons of both tasks,
the per-step sampling of a stage's global batch, and the fixed validation set."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from ..augment import stylize
from ..data import Corpus
from ..neutralize import neutralize
from ..tasks import (
    AE,
    TRAIN_DOC_COUNTS,
    TaskPerson,
    eval_examples,
    headline_persons,
    paraphrase_persons,
    render_document,
    render_prompt,
    sample_training_example,
)
from .config import FinetuneConfig

AE_CHARS = 150


@dataclass
class Example:
    """One training/eval example before tokenization."""

    prompt: str
    target: str
    docs: List[str]  # profile documents (already rendered for the compressor)
    mode: str = ""  # adapt stage: "commer" or "concat" for this example ("" = the run's mode)
    task: str = ""  # task examples and validation examples: the task (input probe, contrast)
    person: str = ""  # task examples and validation examples: whose target it is (contrast, own-vs-other probe)


def next_of_another_person(exs: Sequence[Example], i: int, min_docs: int = 1) -> Optional[int]:
    """The index of the next example after exs[i] (cyclically) of the same task, another
    person and at least `min_docs` documents, or None (also when exs[i] has no task or
    person): the "another writer of the same kind" of the contrast and of the
    own-versus-other probe."""
    e = exs[i]
    if not (e.task and e.person):
        return None
    for step in range(1, len(exs)):
        j = (i + step) % len(exs)
        o = exs[j]
        if o.task == e.task and o.person and o.person != e.person and len(o.docs) >= min_docs:
            return j
    return None


def copy_pairs(corpus: Corpus) -> List[Tuple[str, str]]:
    """(neutral form, text) for the adapt stage's copy examples: headlines and short
    descriptions of the articles pre-training may use (training and non-person authors;
    never a validation or test person's), whose neutral form differs from them."""
    out: List[Tuple[str, str]] = []
    for a in corpus.pretrain_news():
        for text in (a.headline, a.short_description):
            text = (text or "").strip()
            if 12 <= len(text) <= 280:
                neutral = neutralize(text)
                if neutral not in ("", text):
                    out.append((neutral, text))
    return out


class TrainData:
    """Training persons of both tasks plus a fixed validation set."""

    def __init__(self, corpus: Corpus, cfg: FinetuneConfig):
        self.cfg = cfg
        self.persons: Dict[str, List[TaskPerson]] = {
            "paraphrase": [p for p in paraphrase_persons(corpus.tweets_of("train")) if len(p.items) > 0],
            # headline persons: the train authors, plus authors with 8..19 articles, who
            # are no person of any split (they can't be validation or test persons)
            "headline": [p for p in headline_persons({a: corpus.news[a] for a in list(corpus.split.news["train"]) + corpus.split.news_pretrain_only if a and len(corpus.news[a]) >= 8}) if p.items],
        }
        self.ae_docs: List[str] = [d for tps in self.persons.values() for tp in tps for d in tp.docs]
        self.copy_pairs: List[Tuple[str, str]] = copy_pairs(corpus) if cfg.adapt_mix.get("copy") else []
        self.val: List[Example] = []
        val_persons = {
            "paraphrase": paraphrase_persons(corpus.tweets_of("val")),
            "headline": headline_persons(corpus.news_of("val")),
        }
        rng = random.Random(12345)
        for task, tps in val_persons.items():
            counts = TRAIN_DOC_COUNTS[task]
            for j, ex in enumerate(eval_examples(tps, cfg.val_per_person, max_docs=max(counts))):
                n = counts[j % len(counts)]
                self.val.append(Example(render_prompt(task, ex.input), ex.target, [render_document(d) for d in ex.profile[:n]], task=task, person=ex.person))
        rng.shuffle(self.val)

    def task_example(self, rng: random.Random) -> Example:
        tasks = sorted(self.cfg.task_mix)
        task = rng.choices(tasks, weights=[self.cfg.task_mix[t] for t in tasks])[0]
        tp = rng.choice(self.persons[task])
        n = rng.choice((self.cfg.task_doc_counts or TRAIN_DOC_COUNTS)[task])
        item, docs = sample_training_example(tp, n, rng)
        target = item.target
        if self.cfg.style_aug and rng.random() < self.cfg.style_aug:
            target, docs, _ = stylize(task, target, docs, rng)
        return Example(render_prompt(task, item.input), target, [render_document(d) for d in docs], task=task, person=tp.person)

    def reference_docs(self, task: str) -> List[str]:
        """The documents of `task`'s reference mean (FinetuneConfig.reference_contrast): up to
        `reference_docs` of each of up to `reference_persons` training persons, drawn once
        with the run's seed, rendered for the compressor."""
        rng = random.Random(self.cfg.seed * 7919 + len(task))
        tps = sorted(self.persons[task], key=lambda tp: tp.person)
        chosen = rng.sample(tps, min(len(tps), self.cfg.reference_persons))
        return [render_document(d) for tp in chosen for d in rng.sample(tp.docs, min(len(tp.docs), self.cfg.reference_docs))]

    def ae_example(self, rng: random.Random) -> Example:
        n = rng.choice(self.cfg.ae_doc_counts)
        docs = [d[:AE_CHARS] for d in rng.sample(self.ae_docs, n)]
        j = rng.randrange(n)
        rendered = [AE["document"].format(i=i + 1, text=d) for i, d in enumerate(docs)]
        return Example(AE["query"].format(n=j + 1), docs[j], rendered)

    def adapt_example(self, rng: random.Random) -> Example:
        kinds = sorted(self.cfg.adapt_mix)
        kind = rng.choices(kinds, weights=[self.cfg.adapt_mix[x] for x in kinds])[0]
        if kind == "ae":
            ex = self.ae_example(rng)
            return Example(ex.prompt, ex.target, ex.docs, "commer")
        if kind == "copy":
            neutral, text = rng.choice(self.copy_pairs)
            return Example(render_prompt("paraphrase", neutral), text, [], "commer")
        ex = self.task_example(rng)
        # the same example, its documents either compressed or concatenated in the prompt
        return Example(ex.prompt, ex.target, ex.docs, "concat" if kind == "concat" else "commer")

    def global_batch(self, step: int, batch: int, stage: str) -> List[Example]:
        rng = random.Random(self.cfg.seed * 1_000_003 + step)
        make = {"ae": self.ae_example, "adapt": self.adapt_example}.get(stage, self.task_example)
        return [make(rng) for _ in range(batch)]

    def validation_set(self, stage: str) -> List[Example]:
        """The fixed validation examples of `stage` (FinetuneConfig.stage_name): the task
        set, or 64 auto-encoding examples of fixed seeds for the ae stage."""
        if stage == "ae":
            return [self.ae_example(random.Random(900 + i)) for i in range(64)]
        return self.val
