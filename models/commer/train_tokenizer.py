"""Stage 1: train the SentencePiece BPE tokenizer.

Trained on the training persons' tweets and news text, the Gutenberg books and
TinyStories (never a validation or test person). Choices:
- BPE, vocab 4096 by default: at ~5 M parameters a bigger table would eat the
  budget the transformer layers need (4096 x 256 = 1 M parameters already).
- byte_fallback: any UTF-8 (emoji, CJK) encodes to byte pieces, never to unk.
- identity normalization, no whitespace folding, dummy prefix, split digits: the
  text round-trips exactly, which the Hugging Face tokenizer.json must reproduce.
- ids: pad=0, bos=1, eos=2, unk=3 (the pack format's example uses these).

Usage: /usr/bin/python3 -m models.commer.train_tokenizer --out models/runs/tok/spm.model
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path
from typing import Iterable, List

import sentencepiece as spm

from .data import DEFAULT_DATA_DIR, load_corpus, read_books, read_stories
from .tasks import TEMPLATES, render_prompt

PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3


def training_lines(data_dir: Path, max_chars: int, seed: int = 0) -> List[str]:
    c = load_corpus(data_dir)
    lines: List[str] = []
    for tweets in c.tweets_of("train").values():
        lines.extend(" ".join(t.split()) for t in tweets)
    for a in c.pretrain_news():
        lines.append(a.headline)
        if a.short_description:
            lines.append(a.short_description)
    # the prompts the model will see, so their words become single pieces
    for task in TEMPLATES["tasks"]:
        lines.extend([render_prompt(task, "x").replace("\n", " ")] * 50)
    lines.extend(["Document 1: x", "What does document 1 contain?"] * 50)
    target_domain = sum(len(x) for x in lines)
    if target_domain > max_chars:  # small runs (smoke): a seeded sample of the target-domain lines
        random.Random(seed).shuffle(lines)
        kept, n = [], 0
        for x in lines:
            if n >= max_chars // 2:
                break
            kept.append(x)
            n += len(x)
        lines, target_domain = kept, n
    rng = random.Random(seed)
    book_lines = [ln.strip() for text in read_books(data_dir) + read_stories(data_dir) for ln in text.splitlines() if ln.strip()]
    rng.shuffle(book_lines)
    budget = max(0, max_chars - target_domain)
    used = 0
    for ln in book_lines:
        if used >= budget:
            break
        lines.append(ln)
        used += len(ln)
    return lines


def train(lines: Iterable[str], out_model: Path, vocab_size: int = 4096) -> Path:
    out_model.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(lines)),
        model_writer=buf,
        model_type="bpe",
        vocab_size=vocab_size,
        byte_fallback=True,
        normalization_rule_name="identity",
        remove_extra_whitespaces=False,
        add_dummy_prefix=True,
        split_digits=True,
        character_coverage=0.9995,
        pad_id=PAD_ID,
        bos_id=BOS_ID,
        eos_id=EOS_ID,
        unk_id=UNK_ID,
        pad_piece="<pad>",
        bos_piece="<s>",
        eos_piece="</s>",
        unk_piece="<unk>",
        max_sentence_length=8192,
        num_threads=2,
        minloglevel=2,
    )
    tmp = out_model.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out_model)
    return out_model


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    ap.add_argument("--out", default="models/runs/tok/spm.model")
    ap.add_argument("--vocab-size", type=int, default=4096)
    ap.add_argument("--max-chars", type=int, default=6_000_000)
    args = ap.parse_args(argv)
    lines = training_lines(Path(args.data_dir), args.max_chars)
    path = train(lines, Path(args.out), args.vocab_size)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    print(f"wrote {path} vocab={sp.get_piece_size()} lines={len(lines)}")


if __name__ == "__main__":
    main()
