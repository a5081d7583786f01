"""llama2.c converter: the real stories260K checkpoint, checked against an
independent llama2.c-style forward (interleaved RoPE, run.c's loop) and by its
known greedy continuation."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

from models.commer.checkpoint import CheckpointError, load_backbone, load_checkpoint
from models.commer.convert_llama2c import Llama2cError, convert, read_llama2c_model, read_llama2c_tokenizer
from models.commer.model import positions_from_mask

torch.set_num_threads(1)
STORIES = Path(__file__).resolve().parents[3] / "shared" / "models" / "stories260K"
MODEL, TOK = STORIES / "stories260K.bin", STORIES / "tok512.bin"


def run_c_reference(path: Path, tokens: list) -> np.ndarray:
    """Logits of the last token, computed the way llama2.c's run.c does it: token by
    token, interleaved RoPE pairs, straight from the raw file layout."""
    raw = path.read_bytes()
    dim, hidden, L, nh, nkv, vocab, seq = struct.unpack_from("<7i", raw, 0)
    vocab = abs(vocab)
    hs = dim // nh
    kvd = nkv * hs
    w = np.frombuffer(raw, "<f4", offset=28).astype(np.float64)
    o = 0

    def take(*shape):
        nonlocal o
        n = int(np.prod(shape))
        a = w[o : o + n].reshape(shape)
        o += n
        return a

    emb = take(vocab, dim)
    rms_att = take(L, dim)
    wq = take(L, dim, dim)
    wk = take(L, kvd, dim)
    wv = take(L, kvd, dim)
    wo = take(L, dim, dim)
    rms_ffn = take(L, dim)
    w1 = take(L, hidden, dim)
    w2 = take(L, dim, hidden)
    w3 = take(L, hidden, dim)
    rms_f = take(dim)

    def rms(x, g):
        return x / np.sqrt((x * x).mean() + 1e-5) * g

    kc = np.zeros((L, len(tokens), kvd))
    vc = np.zeros((L, len(tokens), kvd))
    for pos, tok in enumerate(tokens):
        x = emb[tok].copy()
        for l in range(L):
            xb = rms(x, rms_att[l])
            q, k, v = wq[l] @ xb, wk[l] @ xb, wv[l] @ xb
            for i in range(0, dim, 2):
                f = 1.0 / (10000.0 ** ((i % hs) / hs))
                c, s = math.cos(pos * f), math.sin(pos * f)
                for vec in ((q, k) if i < kvd else (q,)):
                    a, b = vec[i], vec[i + 1]
                    vec[i], vec[i + 1] = a * c - b * s, a * s + b * c
            kc[l, pos], vc[l, pos] = k, v
            out = np.zeros(dim)
            for h in range(nh):
                kh = h // (nh // nkv)
                qh = q[h * hs : (h + 1) * hs]
                att = kc[l, : pos + 1, kh * hs : (kh + 1) * hs] @ qh / math.sqrt(hs)
                att = np.exp(att - att.max())
                att /= att.sum()
                out[h * hs : (h + 1) * hs] = att @ vc[l, : pos + 1, kh * hs : (kh + 1) * hs]
            x = x + wo[l] @ out
            xb = rms(x, rms_ffn[l])
            h1, h3 = w1[l] @ xb, w3[l] @ xb
            x = x + w2[l] @ (h1 / (1 + np.exp(-h1)) * h3)
    return emb @ rms(x, rms_f)


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("ckpt") / "stories260k.pt"
    convert(MODEL, TOK, out)
    return out


def test_converted_logits_match_llama2c_reference(converted):
    b, tok, extra = load_backbone(converted)
    b.eval()
    ids = [tok.bos_id] + tok.encode("Once upon a time there was")
    ref = run_c_reference(MODEL, ids)
    x = torch.tensor([ids])
    m = torch.ones_like(x)
    with torch.no_grad():
        logits, _, _ = b(b.embed(x), m, positions_from_mask(m))
    got = logits[0, -1].double().numpy()
    assert np.abs(got - ref).max() < 1e-3, np.abs(got - ref).max()
    assert extra["converter"] == "llama2c" and extra["trained_seq_len"] == 512


def test_greedy_continuation_is_lily(converted):
    b, tok, _ = load_backbone(converted)
    b.eval()
    x = torch.tensor([[tok.bos_id] + tok.encode("Once upon a time")])
    with torch.no_grad():
        for _ in range(12):
            m = torch.ones_like(x)
            logits, _, _ = b(b.embed(x), m, positions_from_mask(m))
            x = torch.cat([x, logits[:, -1].argmax(-1, keepdim=True)], 1)
    assert tok.decode(x[0, 1:].tolist()).startswith("Once upon a time, there was a little girl named Lily")


def test_checkpoint_round_trip(converted):
    cfg, sd, tok, _ = load_checkpoint(converted)
    cfg2, sd2, _ = read_llama2c_model(MODEL)
    assert cfg == cfg2 and cfg.max_positions >= 2048 and cfg.tied_embeddings
    assert all(torch.equal(sd[k], sd2[k]) for k in sd2)
    assert tok.vocab_size == 512 and tok.encode("Lily") == read_llama2c_tokenizer(TOK, 512).encode("Lily")


def test_refuses_bad_inputs(tmp_path):
    trunc = tmp_path / "trunc.bin"
    trunc.write_bytes(MODEL.read_bytes()[:5000])
    with pytest.raises(Llama2cError, match="truncated"):
        read_llama2c_model(trunc)
    with pytest.raises(Llama2cError, match="not found"):
        read_llama2c_model(tmp_path / "missing.bin")
    bad_tok = tmp_path / "tok.bin"
    bad_tok.write_bytes(TOK.read_bytes()[:1000])
    with pytest.raises(Llama2cError, match="ends after"):
        read_llama2c_tokenizer(bad_tok, 512)
    with pytest.raises(Llama2cError, match="size mismatch"):
        read_llama2c_tokenizer(TOK, 500)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        load_checkpoint(garbage)
