"""model.py invariants the pack graph and the runtime rely on."""

from __future__ import annotations

import torch

from models.commer.model import Backbone, CommerModel, LoraConfig, ModelConfig, attention_bias, merge_mean, positions_from_mask

torch.set_num_threads(1)


def make(lora: bool = True, tied: bool = False, seed: int = 0) -> CommerModel:
    cfg = ModelConfig(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=48, vocab_size=97, tied_embeddings=tied)
    torch.manual_seed(seed)
    m = CommerModel(cfg, LoraConfig(rank=4, alpha=8.0, dropout=0.1), k=3, soft_prompt_len=2)
    with torch.no_grad():
        for n, p in m.named_parameters():
            if p.dim() == 2 and "lora_" not in n:
                p.normal_(0, 1.0 / p.shape[1] ** 0.5 if "tok_" not in n else 1.0)
            if n.endswith("lora_B"):
                p.normal_(0, 0.2 if lora else 0.0)
    return m.eval()


def fwd(bb: Backbone, ids: torch.Tensor, scale=0.0):
    m = torch.ones_like(ids)
    return bb(bb.embed(ids), m, positions_from_mask(m), None, lora_scale=scale)


def test_kv_cache_equals_full_recompute():
    m = make()
    bb = m.backbone
    ids = torch.randint(0, 97, (2, 9), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        full, hid, _ = fwd(bb, ids, 1.0)
        past = None
        outs = []
        for a, b in ((0, 4), (4, 5), (5, 9)):  # prefill, one decode step, a multi-token chunk
            mask = torch.ones(2, b, dtype=torch.long)
            pos = torch.arange(a, b)[None].repeat(2, 1)
            lg, _, past = bb(bb.embed(ids[:, a:b]), mask, pos, past, lora_scale=1.0)
            outs.append(lg)
    assert past[0][0].shape == (2, 2, 9, 8)
    assert torch.allclose(torch.cat(outs, 1), full, atol=1e-5)


def test_left_padding_changes_nothing():
    m = make()
    docs = [[1, 5, 6, 7, 8, 9], [1, 4], [1, 40, 41, 42]]
    n = max(map(len, docs))
    ids = torch.tensor([[0] * (n - len(d)) + d for d in docs])
    mask = torch.tensor([[0] * (n - len(d)) + [1] * len(d) for d in docs])
    with torch.no_grad():
        batch = m.compress(ids, mask)
        for i, d in enumerate(docs):
            single = m.compress(torch.tensor([d]), torch.ones(1, len(d), dtype=torch.long))[0]
            assert torch.allclose(batch[i], single, atol=1e-5)
    assert batch.shape == (3, 3, 32)
    # the pad id itself is irrelevant too
    with torch.no_grad():
        other = m.compress(torch.where(mask > 0, ids, torch.full_like(ids, 13)), mask)
    assert torch.allclose(batch, other, atol=1e-6)


def test_lora_scale_zero_is_the_plain_backbone():
    m = make()
    plain = Backbone(m.cfg, None).eval()
    plain.load_state_dict({k: v for k, v in m.backbone.state_dict().items() if "lora_" not in k})
    ids = torch.randint(0, 97, (1, 7), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        a, _, _ = fwd(m.backbone, ids, 0.0)
        t0, _, _ = fwd(m.backbone, ids, torch.tensor(0.0))  # the exported graph's tensor path
        t1, _, _ = fwd(m.backbone, ids, torch.tensor(1.0))
        f1, _, _ = fwd(m.backbone, ids, 1.0)
        b, _, _ = fwd(plain, ids)
    assert torch.equal(a, b)
    assert torch.allclose(t0, b, atol=1e-6)
    assert torch.allclose(t1, f1, atol=1e-6)
    assert (f1 - b).abs().max() > 1e-2  # the adapter is live at scale 1


def test_fully_padded_rows_give_no_nan():
    bias = attention_bias(torch.tensor([[0, 0, 0], [1, 1, 1]]), 3)
    assert torch.isfinite(bias).all()
    m = make()
    x = m.backbone.embed(torch.tensor([[3, 4, 5]]))
    with torch.no_grad():
        lg, _, _ = m.backbone(x, torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, 3, dtype=torch.long), None, 0.0)
    assert torch.isfinite(lg).all()


def test_generator_forward_matches_manual_prefix_and_padding():
    m = make(tied=True)
    prefix = torch.randn(2, 3, 32, generator=torch.Generator().manual_seed(3))
    ids = torch.tensor([[1, 5, 6, 7], [1, 8, 0, 0]])
    ids_mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    pm = torch.tensor([[1, 1, 1], [0, 0, 0]])  # second row: a 0-document example
    with torch.no_grad():
        lg = m.generator_forward(prefix, pm, ids, ids_mask)
        bb = m.backbone
        x = torch.cat([prefix[:1], bb.embed(ids[:1])], 1)
        mask = torch.ones(1, 7, dtype=torch.long)
        ref0, _, _ = bb(x, mask, positions_from_mask(mask), None, 0.0)
        ref1, _, _ = fwd(bb, ids[1:, :2])
    assert torch.allclose(lg[0], ref0[0, 3:], atol=1e-5)
    assert torch.allclose(lg[1, :2], ref1[0], atol=1e-5)


def test_merge_mean_is_order_free_and_counts():
    c = torch.randn(2, 4, 3, 5, generator=torch.Generator().manual_seed(4))
    c[1, 2:] = 0
    counts = torch.tensor([4, 2])
    out = merge_mean(c, counts)
    assert torch.allclose(out[0], c[0].mean(0)) and torch.allclose(out[1], c[1, :2].mean(0))
    assert torch.allclose(merge_mean(c[:, [3, 1, 0, 2]], torch.tensor([4, 4]))[0], out[0], atol=1e-6)
    assert torch.equal(merge_mean(torch.zeros(1, 1, 3, 5), torch.tensor([0])), torch.zeros(1, 3, 5))
