"""ROUGE-L F1 against hand-computed values."""

import pytest

from models.commer.rouge import lcs_length, rouge_l_f1, tokenize


def test_tokenize_lowercases_and_splits_on_punctuation():
    assert tokenize("Hello, World! It's 2024.") == ["hello", "world", "it", "s", "2024"]


def test_lcs_length_known():
    assert lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert lcs_length([], ["a"]) == 0


def test_identical_is_one():
    assert rouge_l_f1("the cat sat", "The cat sat.") == pytest.approx(1.0)


def test_known_value():
    # cand: police killed the gunman (4); ref: police kill the gunman (4); LCS = police the gunman = 3
    assert rouge_l_f1("police killed the gunman", "police kill the gunman") == pytest.approx(0.75)
    # cand 2 tokens, ref 4 tokens, LCS 2: P=1, R=0.5, F=2/3
    assert rouge_l_f1("the gunman", "police kill the gunman") == pytest.approx(2 / 3)


def test_order_matters_subsequence_not_bag():
    # LCS of [a b c] and [c b a] is 1
    assert rouge_l_f1("a b c", "c b a") == pytest.approx(1 / 3)


def test_empty_sides_score_zero():
    assert rouge_l_f1("", "something") == 0.0
    assert rouge_l_f1("something", "") == 0.0
    assert rouge_l_f1("", "") == 0.0
