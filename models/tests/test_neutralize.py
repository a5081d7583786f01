"""The neutralizing rules that build paraphrase inputs, one rule per test."""

from models.commer.neutralize import neutralize


def test_links_mentions_and_rt_are_removed():
    assert neutralize("RT @bob: Apple releases update http://bit.ly/abc") == "Apple releases update."


def test_trailing_hashtags_dropped_inline_kept_as_words():
    assert neutralize("Loving the #Olympics today #sports #win") == "Loving the olympics today."


def test_emoji_and_emoticons_stripped():
    assert neutralize("Great day \U0001F600\U0001F389 :) <3") == "Great day."


def test_repeated_letters_collapse():
    assert neutralize("sooooo goooood") == "So good."
    assert neutralize("alllll day") == "All day."


def test_abbreviations_and_slang_expand():
    assert neutralize("u r gr8 btw") == "You are great by the way."
    assert neutralize("idk, gonna sleep 2nite") == "I do not know, going to sleep tonight."


def test_contractions_expand():
    assert neutralize("I'm sure they can't and won't") == "I am sure they cannot and will not."


def test_laughter_removed():
    assert neutralize("hahaha that was fun lol") == "That was fun."


def test_case_and_punctuation_normalized():
    assert neutralize("WHAT A GAME!!! who saw it???") == "What a game. Who saw it?"
    assert neutralize("ok.. i was late") == "Okay. I was late."


def test_html_entities_unescaped():
    assert neutralize("Mac &amp; cheese") == "Mac and cheese."


def test_only_noise_gives_empty():
    assert neutralize("@someone http://t.co/x #tag") == ""


def test_neutral_text_can_stay_identical():
    # already neutral: the rules leave it unchanged (counted in the report)
    assert neutralize("The meeting starts at noon.") == "The meeting starts at noon."
