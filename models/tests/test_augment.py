"""Pseudo-persons for training (augment.py): one style over target and profile alike."""

import random

from models.commer.augment import Style, random_style, style_document, stylize


def test_one_style_covers_the_target_and_every_profile_document():
    rng = random.Random(0)
    for _ in range(50):
        target, docs, st = stylize("paraphrase", "Lunch was great. See you soon.", ["first doc.", "second doc!"], rng)
        assert target == st.apply("Lunch was great. See you soon.")
        assert docs == [st.apply("first doc."), st.apply("second doc!")]
        if st.opening:
            assert target.startswith(st.opening) and all(d.startswith(st.opening) for d in docs)


def test_style_rules():
    assert Style(case="upper").apply("Hi there. ok") == "HI THERE. OK"
    assert Style(case="title").apply("don't stop me now") == "Don't Stop Me Now"
    assert Style(bangs=True).apply("Great game. Really.") == "Great game!! Really!!"
    assert Style(opening="@kat ", closing=" #fb").apply("hello") == "@kat hello #fb"


def test_headline_documents_restyle_only_the_headline():
    st = Style(case="upper", opening="WATCH: ")
    assert style_document("headline", "Cat Rescued — a firefighter climbed up.", st) == "WATCH: CAT RESCUED — a firefighter climbed up."


def test_styles_vary_across_draws():
    rng = random.Random(1)
    seen = {(s.case, bool(s.opening), bool(s.closing)) for s in (random_style("paraphrase", rng) for _ in range(200))}
    assert len(seen) >= 8
