"""SentencePiece -> tokenizer.json: the JavaScript library must give SentencePiece's ids."""

from __future__ import annotations

import io
import json
import random
import subprocess
from pathlib import Path

import pytest
import sentencepiece as spm

from models.commer.convert_llama2c import read_llama2c_tokenizer
from models.commer.tokenizer import Tokenizer, TokenizerError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
STORIES = ROOT.parent / "shared" / "models" / "stories260K"
HF_TOKENIZE = ROOT / "models" / "scripts" / "hf_tokenize.mjs"

EDGE_CASES = [
    "",
    " ",
    "   ",
    "  two  spaces ",
    "\n\tx ",
    "héllo wörld 😀🎉 👩‍👩‍👧",
    "<s> literal </s> <unk>",
    "日本語テキスト",
    "a\u2581b",
    "https://t.co/AbC123 #tag @user RT: lol!!!",
]


def sample_texts(n_tweets: int = 300, n_news: int = 100) -> list:
    rng = random.Random(1234)
    tweets = [json.loads(l)["text"] for l in (DATA / "tweets" / "users40.jsonl").open(encoding="utf-8")]
    with_extras = [t for t in tweets if "http" in t or any(ord(c) > 0x2000 for c in t)]
    news = [json.loads(l) for l in (DATA / "news" / "huffpost.jsonl").open(encoding="utf-8")]
    books = sorted((DATA / "text" / "gutenberg").glob("*.txt"))
    book_lines = [l for l in books[0].read_text(encoding="utf-8").splitlines()[200:400] if l.strip()]
    story = (DATA / "text" / "tiny_stories.txt").read_text(encoding="utf-8")[:3000]
    out = rng.sample(tweets, n_tweets) + with_extras[:60]
    out += [f"{d['headline']} — {d['short_description']}" for d in rng.sample(news, n_news)]
    out += book_lines[:50] + [story] + EDGE_CASES
    return out


def hf_encode(tokenizer_json: dict, texts: list, tmp_path: Path) -> list:
    p = tmp_path / "tokenizer.json"
    p.write_text(json.dumps(tokenizer_json, ensure_ascii=False), encoding="utf-8")
    inp = "".join(json.dumps(t) + "\n" for t in texts)
    r = subprocess.run(["node", str(HF_TOKENIZE), str(p)], input=inp, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(rows) == len(texts)
    return rows


def assert_parity(tok: Tokenizer, texts: list, tmp_path: Path) -> None:
    rows = hf_encode(tok.to_hf_tokenizer_json(), texts, tmp_path)
    ours = [tok.encode(t) for t in texts]
    mismatches = [(t, a, r["ids"]) for t, a, r in zip(texts, ours, rows) if a != r["ids"]]
    assert not mismatches, f"{len(mismatches)} of {len(texts)} differ, first: {mismatches[0]!r}"
    bad_decode = [(t, tok.decode(a), r["decoded"]) for t, a, r in zip(texts, ours, rows) if tok.decode(a) != r["decoded"]]
    assert not bad_decode, f"decode differs: {bad_decode[0]!r}"


def train_small(remove_extra_whitespaces: bool, n_lines: int = 2000, **kw) -> Tokenizer:
    tweets = [json.loads(l)["text"] for l in (DATA / "tweets" / "users40.jsonl").open(encoding="utf-8")][:n_lines]
    w = io.BytesIO()
    args = dict(
        sentence_iterator=iter(tweets),
        model_writer=w,
        vocab_size=400,
        model_type="bpe",
        byte_fallback=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=remove_extra_whitespaces,
        character_coverage=0.9995,
        num_threads=1,
        minloglevel=2,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
    )
    args.update(kw)
    spm.SentencePieceTrainer.train(**args)
    return Tokenizer(w.getvalue())


def test_stories_tokenizer_matches_sentencepiece_in_js(tmp_path):
    tok = read_llama2c_tokenizer(STORIES / "tok512.bin", 512)
    texts = sample_texts()
    assert any("http" in t for t in texts) and any("😀" in t for t in texts)
    assert_parity(tok, texts, tmp_path)
    # byte fallback really is exercised: emoji become <0x..> pieces
    ids = tok.encode("😀")
    assert [tok.id_to_piece(i) for i in ids][-4:] == ["<0xF0>", "<0x9F>", "<0x98>", "<0x80>"]


@pytest.mark.parametrize("rew", [False, True])
def test_trained_bpe_tokenizer_matches_sentencepiece_in_js(tmp_path, rew):
    tok = train_small(rew)
    assert_parity(tok, sample_texts(200, 50), tmp_path)


def test_training_pipeline_layout_matches_in_js(tmp_path):
    """The settings models/commer/train_tokenizer.py uses: pad 0, bos 1, eos 2, unk 3,
    split digits; checked on every tweet of the shared data."""
    tok = train_small(False, split_digits=True, pad_id=0, unk_id=3, pad_piece="<pad>")
    assert (tok.pad_id, tok.bos_id, tok.eos_id, tok.unk_id) == (0, 1, 2, 3)
    tweets = [json.loads(l)["text"] for l in (DATA / "tweets" / "users40.jsonl").open(encoding="utf-8")]
    assert_parity(tok, tweets[::2] + EDGE_CASES + ["1234567 9.99 $100"], tmp_path)


def test_no_special_tokens_and_ids():
    tok = read_llama2c_tokenizer(STORIES / "tok512.bin", 512)
    assert (tok.unk_id, tok.bos_id, tok.eos_id, tok.pad_id, tok.vocab_size) == (0, 1, 2, 0, 512)
    ids = tok.encode("Once upon a time")
    assert tok.bos_id not in ids and tok.eos_id not in ids
    assert tok.decode(ids) == "Once upon a time"
    j = tok.to_hf_tokenizer_json()
    assert j["post_processor"] is None and j["added_tokens"] == []
    assert j["model"]["vocab"]["<s>"] == 1 and j["model"]["byte_fallback"] is True


def test_refuses_what_it_cannot_reproduce():
    with pytest.raises(TokenizerError, match="model_type='bpe'"):
        train_small(False, 400, model_type="unigram", vocab_size=100, byte_fallback=False).to_hf_tokenizer_json()
    with pytest.raises(TokenizerError, match="identity"):
        train_small(False, 400, normalization_rule_name="nmt_nfkc").to_hf_tokenizer_json()
    with pytest.raises(TokenizerError, match="user-defined"):
        train_small(False, 400, user_defined_symbols=["<sep>"]).to_hf_tokenizer_json()
    with pytest.raises(TokenizerError, match="empty"):
        Tokenizer(b"")
    with pytest.raises(TokenizerError, match="not a SentencePiece model"):
        Tokenizer(b"\x00\x01garbage")
