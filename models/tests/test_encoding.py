"""The one padding helper and the token rows shared by training and evaluation
(models/commer/encoding.py): padding sides, masks and fills; the concat baselines'
document cuts in training (max_concat) and in evaluation (max_positions)."""

import pytest
import torch

from models.commer.encoding import Encoder, pad_rows
from models.commer.evaluate import Evaluator, _rows_to_batch
from models.commer.model import CommerModel, LoraConfig, ModelConfig
from models.commer.tasks import EvalExample, render_concat, render_document, render_prompt, target_text

torch.set_num_threads(1)


class _Tok:
    """A fixed toy tokenizer: one id per character (ids 10+)."""

    bos_id, eos_id, pad_id = 1, 2, 0

    def encode(self, text):
        return [10 + (ord(c) % 50) for c in text]


def test_pad_rows_puts_ids_on_the_chosen_side_and_marks_them():
    ids, mask = pad_rows([[5, 6, 7], [8], []], 0, "right")
    assert ids.dtype == torch.long and mask.dtype == torch.long
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0], [0, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0], [0, 0, 0]]
    ids, mask = pad_rows([[5, 6, 7], [8], []], 9, "left")
    assert ids.tolist() == [[5, 6, 7], [9, 9, 8], [9, 9, 9]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1], [0, 0, 0]]


def test_pad_rows_pads_embedding_rows_with_the_fill_vector():
    a, b = torch.arange(6.0).view(3, 2), torch.tensor([[7.0, 8.0]])
    fill = torch.tensor([-1.0, -2.0])
    x, mask = pad_rows([a, b], fill, "left")
    assert x.shape == (2, 3, 2) and x.dtype == torch.float32
    assert torch.equal(x[0], a) and torch.equal(x[1, 2], b[0])
    assert x[1, :2].tolist() == [[-1.0, -2.0], [-1.0, -2.0]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]


def test_pad_rows_refuses_an_unknown_side_and_an_empty_batch():
    with pytest.raises(ValueError, match="'left' or 'right'"):
        pad_rows([[1]], 0, "center")
    with pytest.raises(ValueError, match="at least one row"):
        pad_rows([], 0, "left")


def test_evaluation_batch_is_the_left_padded_embeddings_of_prefix_and_ids():
    torch.manual_seed(0)
    cfg = ModelConfig(dim=8, n_layers=1, n_heads=2, n_kv_heads=1, hidden_dim=16, vocab_size=64)
    m = CommerModel(cfg, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2).eval()
    prefix = torch.randn(2, 8)
    with torch.no_grad():
        x, mask = _rows_to_batch(m, [(prefix, [1, 11]), (None, [1])], pad_id=0)
        emb = m.backbone.embed(torch.tensor([1, 11, 0]))
    assert x.shape == (2, 4, 8) and mask.tolist() == [[1, 1, 1, 1], [0, 0, 0, 1]]
    assert torch.equal(x[0, :2], prefix) and torch.equal(x[0, 2:], emb[:2])
    assert torch.equal(x[1, 3], emb[0]) and torch.equal(x[1, 0], emb[2]) and torch.equal(x[1, 1], emb[2])


def test_training_rows_cap_target_and_concatenated_documents():
    enc = Encoder(_Tok(), max_doc_tokens=4, max_target_tokens=3, max_concat_tokens=10)
    tok = _Tok()
    assert enc.doc("abcdefgh") == [1] + tok.encode("abcd")
    assert enc.target("xyzuvw") == tok.encode(target_text("xyzuvw"))[:3] + [2]
    docs = [render_document("first document"), render_document("second one")]
    prompt = render_prompt("headline", "ab")
    p = tok.encode(prompt)
    ids = enc.concat_prompt(docs, prompt)
    assert ids == tok.encode(render_concat(docs) + prompt)[-(10 + len(p)) :] and ids[-len(p) :] == p
    assert enc.concat_prompt(docs, prompt, budget=3) == tok.encode(render_concat(docs))[:3] + p
    assert enc.concat_prompt([], prompt) == p
    # evaluation's encoder cuts nothing unless told
    full = Encoder(_Tok())
    assert full.concat_prompt(docs, prompt) == tok.encode(render_concat(docs) + prompt)
    assert full.target("x" * 300) == tok.encode(target_text("x" * 300)) + [2]


def test_evaluator_rows_cut_concatenated_documents_only_at_max_positions():
    torch.manual_seed(0)
    cfg = ModelConfig(dim=16, n_layers=1, n_heads=2, n_kv_heads=1, hidden_dim=32, vocab_size=64, max_positions=256)
    m = CommerModel(cfg, LoraConfig(rank=2, alpha=4, dropout=0.0), k=2, soft_prompt_len=2)
    ev = Evaluator(m, _Tok(), max_new_tokens=8)
    tok = _Tok()
    long_profile = [f"document number {i} with some words" for i in range(6)]
    ex = EvalExample("headline", "p", "ab", "target", long_profile)
    p = tok.encode(render_prompt("headline", "ab"))
    room = 256 - 2 - 1 - len(p) - 8 - 64
    assert 0 < room < len(tok.encode(render_concat(long_profile)))
    sp, ids, n_doc = ev.row("prompt_concat", ex, 6)
    assert sp is m.soft_prompt and n_doc == room and ids[0] == 1 and ids[-len(p) :] == p
    assert ids[1:] == tok.encode(render_concat(long_profile) + render_prompt("headline", "ab"))[-(room + len(p)) :]
    # two short documents fit: nothing is cut
    sp, ids, n_doc = ev.row("prompt_concat", ex, 1)
    assert ids[1:] == tok.encode(render_concat(long_profile[:1]) + render_prompt("headline", "ab")) and n_doc == len(ids) - 1 - len(p)
    sp, ids, n_doc = ev.row("prompt_concat_budget", ex, 6)
    assert n_doc == m.k and ids == [1] + tok.encode(render_concat(long_profile))[: m.k] + p
    prefix, ids, n_doc = ev.row("commer", ex, 2)
    assert prefix.shape == (2, 16) and ids == [1] + p and n_doc == m.k
    assert ev.row("commer", ex, 0) == (None, [1] + p, 0)
