"""The tokenizer trainer: exact round trips (emoji, URLs, CJK, whitespace), the
special-token ids the pack uses, and the same ids from the app's JS tokenizer."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from models.commer import train_tokenizer as T
from models.commer.data import DEFAULT_DATA_DIR, TWEETS_FILE
from models.commer.tokenizer import Tokenizer

ROOT = Path(__file__).resolve().parents[2]
HF_TOKENIZE = ROOT / "models" / "scripts" / "hf_tokenize.mjs"
pytestmark = pytest.mark.skipif(not (DEFAULT_DATA_DIR / TWEETS_FILE).is_file(), reason="shared data not present")

TEXTS = [
    "Great game tonight 🏀🔥 http://bit.ly/9ZVEsp #win @friend",
    "https://t.co/AbC123?x=1&y=2",
    "日本語 and emoji 👩‍👩‍👧 together",
    "  leading and  double  spaces ",
    "Paraphrase this tweet in my voice: hi there\nTweet: Hiii 2024!!!",
    "Write a headline for this article in my voice: x\nHeadline:",
]


@pytest.fixture(scope="module")
def tok(tmp_path_factory):
    d = tmp_path_factory.mktemp("tok")
    path = T.train(T.training_lines(DEFAULT_DATA_DIR, max_chars=150_000), d / "spm.model", vocab_size=512)
    return Tokenizer.from_file(path)


def test_special_ids(tok):
    assert (tok.pad_id, tok.bos_id, tok.eos_id, tok.unk_id) == (T.PAD_ID, T.BOS_ID, T.EOS_ID, T.UNK_ID)
    assert tok.vocab_size == 512


def test_exact_round_trip_without_unk(tok):
    for t in TEXTS:
        ids = tok.encode(t)
        assert tok.unk_id not in ids, t
        assert tok.decode(ids) == t


def test_digits_are_split(tok):
    pieces = [tok.id_to_piece(i) for i in tok.encode("2024")]
    assert all(len(p.strip("\u2581")) <= 1 for p in pieces)


def test_converts_for_the_app_and_js_gives_the_same_ids(tok, tmp_path):
    tok.check_convertible()
    if shutil.which("node") is None or not HF_TOKENIZE.is_file():
        pytest.skip("node or the tokenizer script is missing")
    p = tmp_path / "tokenizer.json"
    p.write_text(json.dumps(tok.to_hf_tokenizer_json()), encoding="utf-8")
    inp = "".join(json.dumps(t) + "\n" for t in TEXTS)
    r = subprocess.run(["node", str(HF_TOKENIZE), str(p)], input=inp, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert [row["ids"] for row in rows] == [tok.encode(t) for t in TEXTS]
