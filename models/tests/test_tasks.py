"""Task builders and the split by person: no test person leaks into training."""

import random

import pytest

from models.commer import data as D
from models.commer.tasks import (
    TEMPLATES,
    eval_examples,
    headline_persons,
    paraphrase_persons,
    render_concat,
    render_prompt,
    sample_training_example,
)

HAVE_DATA = (D.DEFAULT_DATA_DIR / D.TWEETS_FILE).is_file()


def test_split_is_disjoint_deterministic_and_complete():
    persons = [f"p{i}" for i in range(40)]
    a = D.split_persons(persons, 4, 8)
    b = D.split_persons(list(reversed(persons)), 4, 8)
    assert a == b
    assert (len(a["train"]), len(a["val"]), len(a["test"])) == (28, 4, 8)
    s = [set(a[k]) for k in ("train", "val", "test")]
    assert not (s[0] & s[1]) and not (s[0] & s[2]) and not (s[1] & s[2])
    assert set().union(*s) == set(persons)


@pytest.mark.skipif(not HAVE_DATA, reason="shared data not present")
def test_no_test_or_val_person_in_any_training_text():
    from models.commer.pretrain import task_stream  # noqa: F401  (import proves the module loads)

    c = D.load_corpus()
    held_tweets = set(c.split.tweets["test"]) | set(c.split.tweets["val"])
    held_news = set(c.split.news["test"]) | set(c.split.news["val"])
    assert held_tweets and held_news
    assert not held_tweets & set(c.tweets_of("train"))
    pre_authors = {a.author for a in c.pretrain_news()}
    assert not held_news & pre_authors
    # every eligible author is a person in exactly one split; small authors are not persons
    assert not held_news & set(c.split.news_pretrain_only)
    # held-out tweet texts appear nowhere in the training-person tweet pool
    held_texts = {t for p in held_tweets for t in c.tweets[p]}
    train_texts = {t for p in c.split.tweets["train"] for t in c.tweets[p]}
    assert len(held_texts & train_texts) < 5  # spam bots may post the same text; not a person leak


def test_paraphrase_items_are_neutral_inputs_of_own_tweets():
    tps = paraphrase_persons({"u1": ["OMG sooo good!!! http://x.co/1", "@a hi", "plain text."]})
    tp = tps[0]
    assert [it.target for it in tp.items][0] == "OMG sooo good!!! http://x.co/1"
    assert tp.items[0].input == "So good."  # "OMG" is an interjection: dropped
    assert all(tp.docs[it.doc_index] == it.target for it in tp.items)


def test_headline_items_and_profile_docs():
    arts = [D.Article(f"Head {i}", f"desc {i}", "A") for i in range(5)] + [D.Article("No desc", "", "A")]
    tp = headline_persons({"A": arts})[0]
    assert tp.docs[0] == "Head 0 — desc 0"
    assert len(tp.items) == 5  # the article without description is a document but no item
    assert tp.items[2].input == "desc 2" and tp.items[2].target == "Head 2"


def test_training_sample_never_includes_its_own_target():
    tp = paraphrase_persons({"u": [f"tweet number {i}" for i in range(12)]})[0]
    rng = random.Random(0)
    for _ in range(200):
        item, docs = sample_training_example(tp, 8, rng)
        assert item.target not in docs and len(docs) == 8


def test_eval_profiles_exclude_every_held_out_target_and_are_nested():
    tp = paraphrase_persons({"u": [f"tweet number {i}" for i in range(50)]})[0]
    ex = eval_examples([tp], targets_per_person=6, max_docs=32)
    assert len(ex) == 6
    targets = {e.target for e in ex}
    for e in ex:
        assert not targets & set(e.profile)
        assert len(e.profile) == 32
        assert e.profile == ex[0].profile


def test_templates_render_like_the_pack_format():
    assert render_prompt("paraphrase", "hi") == "Paraphrase this tweet in my voice: hi\nTweet:"
    assert render_concat(["a", "b"]) == "Document 1: a\nDocument 2: b\n"
    assert set(TEMPLATES["tasks"]) == {"paraphrase", "headline"}
