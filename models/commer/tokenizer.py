"""SentencePiece tokenizer wrapper and its conversion to Hugging Face `tokenizer.json`.

The Python side tokenizes with SentencePiece itself (python3-sentencepiece); the
TypeScript side reads the `tokenizer.json` this module writes with
`@huggingface/tokenizers`. A parity test (models/tests/test_tokenizer_convert.py)
runs both on real data and requires identical ids.

Supported SentencePiece models: BPE, optionally with byte_fallback, identity
normalization (no precompiled charsmap: the JS library only approximates those),
add_dummy_prefix on or off, remove_extra_whitespaces on or off, no user-defined
symbols. Anything else is refused with a message that says which setting to change.

Ids never include special tokens: callers add BOS/EOS themselves.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Dict, Iterable, List, Tuple, Union

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2

SPACE = "\u2581"  # "▁", SentencePiece's visible space

# ModelProto.SentencePiece.Type values
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
BPE_TYPE = 2


class TokenizerError(ValueError):
    """A tokenizer model this project cannot use, with the reason."""


class Tokenizer:
    """A SentencePiece model, held as its serialized ModelProto bytes."""

    def __init__(self, model_proto: bytes):
        if not isinstance(model_proto, (bytes, bytearray)) or len(model_proto) == 0:
            raise TokenizerError("tokenizer model is empty: expected a serialized SentencePiece ModelProto")
        self.model_proto_bytes = bytes(model_proto)
        proto = sp_pb2.ModelProto()
        try:
            with warnings.catch_warnings():
                # the pure-Python protobuf only warns on some malformed input; make it fatal
                warnings.simplefilter("error")
                proto.ParseFromString(self.model_proto_bytes)
        except Exception as e:  # DecodeError, RuntimeWarning
            raise TokenizerError(f"not a SentencePiece model: {e}") from e
        if len(proto.pieces) == 0:
            raise TokenizerError("not a SentencePiece model: it has no pieces")
        self.proto = proto
        self.sp = spm.SentencePieceProcessor()
        self.sp.LoadFromSerializedProto(self.model_proto_bytes)

    @staticmethod
    def from_file(path: Union[str, Path]) -> "Tokenizer":
        p = Path(path)
        if not p.is_file():
            raise TokenizerError(f"tokenizer model not found: {p}")
        return Tokenizer(p.read_bytes())

    # ---- basic API -------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        return self.sp.GetPieceSize()

    @property
    def bos_id(self) -> int:
        return self.sp.bos_id()

    @property
    def eos_id(self) -> int:
        return self.sp.eos_id()

    @property
    def unk_id(self) -> int:
        return self.sp.unk_id()

    @property
    def pad_id(self) -> int:
        """The model's pad id, or unk when it has none: pad rows are masked out, so
        any valid id serves; unk keeps it inside the vocabulary."""
        pid = self.sp.pad_id()
        return pid if pid >= 0 else self.unk_id

    def encode(self, text: str) -> List[int]:
        """Token ids of `text`, without BOS/EOS."""
        return list(self.sp.EncodeAsIds(text))

    def decode(self, ids: Iterable[int]) -> str:
        return self.sp.DecodeIds([int(i) for i in ids])

    def id_to_piece(self, i: int) -> str:
        return self.sp.IdToPiece(int(i))

    def save(self, path: Union[str, Path]) -> None:
        Path(path).write_bytes(self.model_proto_bytes)

    # ---- Hugging Face conversion -------------------------------------------------
    def check_convertible(self) -> None:
        """Raise TokenizerError when the model uses a feature the JSON form can't reproduce."""
        p = self.proto
        if p.trainer_spec.model_type != BPE_TYPE:
            raise TokenizerError(
                f"only SentencePiece BPE models convert to tokenizer.json (this one has model_type "
                f"{sp_pb2.TrainerSpec.ModelType.Name(p.trainer_spec.model_type)}); train with model_type='bpe'"
            )
        ns = p.normalizer_spec
        if len(ns.precompiled_charsmap) > 0:
            raise TokenizerError(
                f"normalization rule '{ns.name}' uses a precompiled charsmap that the JavaScript tokenizer only "
                "approximates; train with normalization_rule_name='identity'"
            )
        if p.trainer_spec.treat_whitespace_as_suffix:
            raise TokenizerError("treat_whitespace_as_suffix is not supported; train without it")
        if not ns.escape_whitespaces:
            raise TokenizerError("escape_whitespaces=false is not supported")
        for i, piece in enumerate(p.pieces):
            if piece.type == USER_DEFINED:
                raise TokenizerError(
                    f"user-defined symbol {piece.piece!r} (id {i}) is not supported; train without user_defined_symbols"
                )

    def _merges(self) -> List[Tuple[str, str]]:
        """BPE merges derived from the vocabulary scores.

        SentencePiece BPE repeatedly merges the adjacent pair whose concatenation is
        the highest-scoring NORMAL piece (leftmost on ties). Ranking every split
        (left, right) of every piece by that piece's score, best first, makes the
        rank-based BPE of tokenizers pick the same pair.
        """
        pieces = self.proto.pieces
        normal: Dict[str, int] = {}
        for i, pc in enumerate(pieces):
            if pc.type == NORMAL:
                normal[pc.piece] = i
        found: List[Tuple[float, int, int, str, str]] = []
        for piece, pid in normal.items():
            chars = list(piece)  # code points, as SentencePiece and tokenizers both split
            for cut in range(1, len(chars)):
                left, right = "".join(chars[:cut]), "".join(chars[cut:])
                if left in normal and right in normal:
                    found.append((-pieces[pid].score, pid, cut, left, right))
        found.sort()
        return [(left, right) for _, _, _, left, right in found]

    def to_hf_tokenizer_json(self) -> dict:
        """The model as a Hugging Face `tokenizer.json` object (Llama style, no
        post-processor: encode() adds no special tokens)."""
        self.check_convertible()
        p = self.proto
        ns = p.normalizer_spec
        vocab = {pc.piece: i for i, pc in enumerate(p.pieces)}
        if len(vocab) != len(p.pieces):
            raise TokenizerError("duplicate pieces in the vocabulary")
        unk = p.pieces[self.unk_id].piece if self.unk_id >= 0 else None

        normalizers: List[dict] = []
        if ns.remove_extra_whitespaces:
            # SentencePiece drops leading/trailing spaces and collapses runs of spaces
            # (U+0020 only; identity normalization leaves other whitespace alone).
            normalizers.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
            normalizers.append({"type": "Replace", "pattern": {"Regex": "\\A +| +\\z"}, "content": ""})
        if ns.add_dummy_prefix:
            normalizers.append({"type": "Prepend", "prepend": SPACE})
            if ns.remove_extra_whitespaces:
                # Text that was only spaces is empty for SentencePiece: no dummy prefix.
                normalizers.append({"type": "Replace", "pattern": {"Regex": "\\A\u2581\\z"}, "content": ""})
        normalizers.append({"type": "Replace", "pattern": {"String": " "}, "content": SPACE})

        decoders: List[dict] = [
            {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
        ]
        if ns.add_dummy_prefix:
            decoders.append({"type": "Strip", "content": " ", "start": 1, "stop": 0})

        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            # Special tokens are deliberately not "added tokens": SentencePiece never
            # matches "<s>" typed in text, so neither may the JSON tokenizer.
            "added_tokens": [],
            "normalizer": {"type": "Sequence", "normalizers": normalizers},
            "pre_tokenizer": None,
            "post_processor": None,
            "decoder": {"type": "Sequence", "decoders": decoders},
            "model": {
                "type": "BPE",
                "dropout": None,
                "unk_token": unk,
                "continuing_subword_prefix": None,
                "end_of_word_suffix": None,
                "fuse_unk": True,
                "byte_fallback": bool(p.trainer_spec.byte_fallback),
                "ignore_merges": False,
                "vocab": vocab,
                "merges": [[a, b] for a, b in self._merges()],
            },
        }


def build_bpe_model_proto(
    pieces: List[Tuple[str, float, int]],
    *,
    unk_id: int = 0,
    bos_id: int = 1,
    eos_id: int = 2,
    pad_id: int = -1,
    byte_fallback: bool = True,
    add_dummy_prefix: bool = True,
    remove_extra_whitespaces: bool = False,
) -> bytes:
    """A serialized SentencePiece BPE ModelProto from (piece, score, type) triples,
    with identity normalization. Used by the llama2.c converter."""
    m = sp_pb2.ModelProto()
    for piece, score, typ in pieces:
        sp = m.pieces.add()
        sp.piece = piece
        sp.score = float(score)
        sp.type = typ
    ts = m.trainer_spec
    ts.model_type = BPE_TYPE
    ts.vocab_size = len(pieces)
    ts.byte_fallback = byte_fallback
    ts.unk_id, ts.bos_id, ts.eos_id, ts.pad_id = unk_id, bos_id, eos_id, pad_id
    ts.unk_piece = pieces[unk_id][0]
    ts.bos_piece = pieces[bos_id][0]
    ts.eos_piece = pieces[eos_id][0]
    ns = m.normalizer_spec
    ns.name = "identity"
    ns.add_dummy_prefix = add_dummy_prefix
    ns.remove_extra_whitespaces = remove_extra_whitespaces
    ns.escape_whitespaces = True
    return m.SerializeToString()
