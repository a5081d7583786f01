"""Build the committed test packs and their golden files (deterministic).

    /usr/bin/python3 models/scripts/make_test_packs.py [--out test/fixtures/packs] [--only stories260k]

- stories260k/: the real stories260K checkpoint (llama2.c converter), a fresh seeded
  adapter: LoRA rank 4 with small random B (so lora_scale matters), k = 4, soft prompt 4.
- tiny-random/: a random tiny Llama (GQA 4/2 heads, untied embeddings) with a
  400-piece SentencePiece BPE tokenizer (byte fallback) trained here on a slice of
  the shared tweets and news; k = 2, soft prompt 2.

Each pack folder also gets golden.json (models/commer/golden.py). Running the script
twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import sentencepiece as spm  # noqa: E402
import torch  # noqa: E402

from models.commer.convert_llama2c import read_llama2c_model, read_llama2c_tokenizer  # noqa: E402
from models.commer.export import DEFAULT_LIMITS, DEFAULT_TEMPLATES, export_pack, fresh_commer_model  # noqa: E402
from models.commer.golden import build_golden  # noqa: E402
from models.commer.inference import Limits  # noqa: E402
from models.commer.model import Backbone, ModelConfig  # noqa: E402
from models.commer.tokenizer import Tokenizer  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
STORIES = ROOT.parent / "shared" / "models" / "stories260K"
CREATED_AT = "2026-11-25T00:00:00Z"


def read_tweets():
    return [json.loads(l) for l in (DATA / "tweets" / "users40.jsonl").open(encoding="utf-8")]


def read_news():
    return [json.loads(l) for l in (DATA / "news" / "huffpost.jsonl").open(encoding="utf-8")]


def tokenizer_sample() -> list:
    """Real texts with emoji, URLs, mentions, hashtags, accents, plus edge cases."""
    tweets = [t["text"] for t in read_tweets()]
    pick = []
    pick += [t for t in tweets if "http" in t][:6]
    pick += [t for t in tweets if any(ord(c) > 0x1F000 for c in t)][:6]
    pick += [t for t in tweets if "@" in t and "#" in t][:4]
    pick += [t for t in tweets if any(0xC0 <= ord(c) < 0x250 for c in t)][:3]
    pick += tweets[::997][:8]
    news = read_news()
    pick += [f"{d['headline']} — {d['short_description']}" for d in news[::1201][:6]]
    book = sorted((DATA / "text" / "gutenberg").glob("*.txt"))[0].read_text(encoding="utf-8")
    pick += [p.strip() for p in book.split("\n\n")[40:200] if len(p.strip()) > 200][:3]
    pick += (DATA / "text" / "tiny_stories.txt").read_text(encoding="utf-8")[:600].split("\n")[:3]
    pick += ["", " ", "  two  spaces ", "tab\there\nnewline", "héllo wörld 😀🎉 👩‍👩‍👧", "<s> literal </s>", "日本語テキスト", "Once upon a time"]
    seen, out = set(), []
    for t in pick:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def compress_sample() -> list:
    tweets = read_tweets()
    by_user = {}
    for t in tweets:
        by_user.setdefault(t["user"], []).append(t["text"])
    user = sorted(by_user)[3]
    news = read_news()
    long_doc = " ".join(f"{d['headline']} — {d['short_description']}" for d in news[100:115])  # > 256 tokens: truncated
    return [by_user[user][0], by_user[user][5], "Hi", long_doc]


def generate_cases(max_new: int) -> tuple:
    tweets = read_tweets()
    by_user = {}
    for t in tweets:
        by_user.setdefault(t["user"], []).append(t["text"])
    u = by_user[sorted(by_user)[7]]
    news = read_news()
    cases = [
        {"docs": [u[1]], "task": "paraphrase", "input": "going to the beach today with friends", "max_new_tokens": max_new},
        {"docs": [u[2], u[3]], "task": "paraphrase", "input": "the game last night was really good", "max_new_tokens": max_new},
        {"docs": [], "task": "paraphrase", "input": "i am so tired of this weather", "max_new_tokens": max_new},
        {"docs": [f"{news[10]['headline']} — {news[10]['short_description']}"], "task": "headline", "input": news[11]["short_description"], "max_new_tokens": max_new},
    ]
    concat = [
        {"docs": [u[4], u[5]], "task": "paraphrase", "input": "coffee first, then work", "max_new_tokens": max_new},
        {"docs": [u[6]], "task": "headline", "input": news[12]["short_description"], "max_new_tokens": max_new},
    ]
    return cases, concat


def write_golden(pack_dir: Path, golden: dict) -> None:
    (pack_dir / "golden.json").write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def standard_golden(model, tok, max_new: int) -> dict:
    """The golden cases every test pack shares (PACK_FORMAT.md "Golden files")."""
    cases, concat = generate_cases(max_new)
    limits = Limits(DEFAULT_LIMITS["max_doc_tokens"], DEFAULT_LIMITS["max_prompt_tokens"])
    return build_golden(
        model, tok, DEFAULT_TEMPLATES, limits,
        tokenizer_texts=tokenizer_sample(), forward_text="Once upon a time there was a little",
        compress_texts_=compress_sample(), generate_cases=cases, concat_cases=concat,
        continue_text="Once upon a time", continue_tokens=30,
    )


def make_stories(out: Path) -> Path:
    torch.manual_seed(0)
    cfg, state, _ = read_llama2c_model(STORIES / "stories260K.bin")
    tok = read_llama2c_tokenizer(STORIES / "tok512.bin", cfg.vocab_size)
    model = fresh_commer_model(cfg, state, rank=4, alpha=8.0, k=4, soft_prompt=4, seed=0, lora_b_std=0.05).eval()
    pack = export_pack(
        model, tok, out / "stories260k", "stories260k",
        name="stories260K test pack",
        description="Test fixture: the real stories260K checkpoint (llama2.c, TinyStories) with an untrained, seeded "
        "adapter (LoRA rank 4, k = 4, soft prompt 4). Proves the pipeline on real weights; not for users.",
        created_at=CREATED_AT, force=True,
    )
    write_golden(pack, standard_golden(model, tok, max_new=20))
    return pack


def train_tiny_tokenizer() -> Tokenizer:
    tweets = [t["text"] for t in read_tweets()][:3000]
    news = [d["short_description"] for d in read_news()[:1500] if d["short_description"]]
    lines = [" ".join(t.split()) for t in tweets + news]
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=buf, model_type="bpe", vocab_size=400, byte_fallback=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
        character_coverage=0.98, num_threads=1, minloglevel=2, seed_sentencepiece_size=100000,
        pad_id=0, bos_id=1, eos_id=2, unk_id=3, pad_piece="<pad>", bos_piece="<s>", eos_piece="</s>", unk_piece="<unk>",
    )
    return Tokenizer(buf.getvalue())


def randomize(b: Backbone, g: torch.Generator, tok: Tokenizer, output_rows: torch.Tensor) -> None:
    """Random weights with clear argmax gaps: norms near 1, unit-variance embeddings and
    layer outputs. Byte, unknown and control pieces (eos aside) get near-zero rows in
    `output_rows` (the output projection's weight) so the golden greedy_text is
    unambiguous: SentencePiece and tokenizers.js render invalid UTF-8 byte runs and
    <unk> differently (ids always agree)."""
    with torch.no_grad():
        for n, p in sorted(b.named_parameters()):
            if n.endswith("norm.weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
            elif "tok_embeddings" in n:
                p.copy_(torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5)
        odd = [i for i in range(tok.vocab_size) if tok.proto.pieces[i].type != 1 and i != tok.eos_id]
        output_rows[odd] *= 0.02


def make_tiny_random(out: Path) -> Path:
    tok = train_tiny_tokenizer()
    cfg = ModelConfig(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=64, vocab_size=tok.vocab_size,
                      max_positions=2048, rope_theta=10000.0, norm_eps=1e-5, tied_embeddings=False)
    torch.manual_seed(1234)
    b = Backbone(cfg, None)
    g = torch.Generator().manual_seed(1234)
    randomize(b, g, tok, b.output.weight)
    state = {k: v.clone() for k, v in b.state_dict().items()}
    model = fresh_commer_model(cfg, state, rank=4, alpha=8.0, k=2, soft_prompt=2, seed=7, lora_b_std=0.1).eval()
    pack = export_pack(
        model, tok, out / "tiny-random", "tiny-random",
        name="tiny random test pack",
        description="Test fixture: a random tiny Llama (GQA, untied embeddings) with a 400-piece byte-fallback BPE "
        "tokenizer; k = 2, soft prompt 2. Output is noise by design.",
        created_at=CREATED_AT, force=True,
    )
    write_golden(pack, standard_golden(model, tok, max_new=16))
    return pack


def snap_to_grids(b: Backbone) -> None:
    """Put every linear weight on a 4-bit block grid (Q4_1-like) and the embedding
    table on llama.cpp's Q8_0 grid, as a model converted from a quantized GGUF is, so
    the quantized graph reproduces PyTorch exactly (at accuracy level 0)."""
    from models.commer.quantize import quantize_blocks_offset, quantize_symmetric8

    with torch.no_grad():
        for n, p in b.named_parameters():
            if n.endswith(".weight") and p.dim() == 2 and "tok_embeddings" not in n:
                q, scale, off = quantize_blocks_offset(p.numpy())
                p.copy_(torch.from_numpy((q.astype("float32") * scale[..., None] + off[..., None]).reshape(p.shape)))
        e = b.tok_embeddings.weight
        q8, s8 = quantize_symmetric8(e.numpy())
        deq = (q8.astype("float32") - 128.0).reshape(e.shape[0], -1, 32) * s8[..., None]
        e.copy_(torch.from_numpy(deq.reshape(e.shape)))


def make_tiny_q4(out: Path) -> Path:
    """tiny-q4/: a random tiny Llama with tied embeddings exported quantized (format 2:
    MatMulNBits int4 in backbone.weights, the table once as embeddings.q8), accuracy
    level 0 so the golden file's PyTorch outputs hold to float tolerance."""
    tok = train_tiny_tokenizer()
    cfg = ModelConfig(dim=64, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=128, vocab_size=tok.vocab_size,
                      max_positions=2048, rope_theta=10000.0, norm_eps=1e-5, tied_embeddings=True)
    b = Backbone(cfg, None)
    g = torch.Generator().manual_seed(4321)
    randomize(b, g, tok, b.tok_embeddings.weight)
    snap_to_grids(b)
    state = {k: v.clone() for k, v in b.state_dict().items()}
    model = fresh_commer_model(cfg, state, rank=4, alpha=8.0, k=2, soft_prompt=2, seed=11, lora_b_std=0.1).eval()
    pack = export_pack(
        model, tok, out / "tiny-q4", "tiny-q4",
        name="tiny int4 test pack",
        description="Test fixture: a random tiny Llama (GQA, tied embeddings) exported as a quantized pack (format 2: "
        "int4 MatMulNBits weights in backbone.weights, the embedding table once as embeddings.q8). Output is noise by design.",
        created_at=CREATED_AT, force=True, quantize_bits=4, accuracy_level=0,
    )
    write_golden(pack, standard_golden(model, tok, max_new=16))
    return pack


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "test" / "fixtures" / "packs"))
    ap.add_argument("--only", choices=["stories260k", "tiny-random", "tiny-q4"])
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    out = Path(a.out)
    if a.only in (None, "stories260k"):
        print(f"wrote {make_stories(out)}")
    if a.only in (None, "tiny-random"):
        print(f"wrote {make_tiny_random(out)}")
    if a.only in (None, "tiny-q4"):
        print(f"wrote {make_tiny_q4(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
