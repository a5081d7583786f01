"""Hugging Face Llama folder converter, on a small random checkpoint this test writes
in that layout, checked against a direct reference computation on the HF tensors."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
import sentencepiece as spm
import torch
from safetensors.torch import save_file as _save_safetensors

from models.commer.checkpoint import HFJsonTokenizer, load_backbone, load_checkpoint
from models.commer.convert_hf import HFConvertError, convert, load_file, read_hf_folder
from models.commer.model import positions_from_mask
from models.commer.tokenizer import Tokenizer

torch.set_num_threads(1)
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

HF_CFG = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 32,
    "intermediate_size": 48,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 400,
    "max_position_embeddings": 512,
    "rope_theta": 500.0,
    "rms_norm_eps": 1e-6,
    "tie_word_embeddings": False,
    "hidden_act": "silu",
    "bos_token_id": 1,
    "eos_token_id": 2,
}


def random_hf_state(c: dict, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    d, h, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    hd = d // c["num_attention_heads"]
    kv = c["num_key_value_heads"] * hd
    r = lambda *s: torch.randn(*s, generator=g) * 0.2
    sd = {"model.embed_tokens.weight": r(V, d), "model.norm.weight": 1 + r(d), "lm_head.weight": r(V, d)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        sd.update({
            p + "input_layernorm.weight": 1 + r(d), p + "post_attention_layernorm.weight": 1 + r(d),
            p + "self_attn.q_proj.weight": r(d, d), p + "self_attn.k_proj.weight": r(kv, d),
            p + "self_attn.v_proj.weight": r(kv, d), p + "self_attn.o_proj.weight": r(d, d),
            p + "mlp.gate_proj.weight": r(h, d), p + "mlp.up_proj.weight": r(h, d), p + "mlp.down_proj.weight": r(d, h),
        })
    return sd


def hf_reference_logits(sd: dict, c: dict, ids: list) -> torch.Tensor:
    """Llama forward as transformers' modeling_llama computes it, in float64."""
    sd = {k: v.double() for k, v in sd.items()}
    d, nh, nkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    hd, T, eps = d // nh, len(ids), c["rms_norm_eps"]
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None]
    cos, sin = torch.cat([ang, ang], -1).cos(), torch.cat([ang, ang], -1).sin()
    rot = lambda x: torch.cat([-x[..., hd // 2 :], x[..., : hd // 2]], -1)
    norm = lambda x, w: w * x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    x = sd["model.embed_tokens.weight"][ids]
    causal = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        hN = norm(x, sd[p + "input_layernorm.weight"])
        q = (hN @ sd[p + "self_attn.q_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
        k = (hN @ sd[p + "self_attn.k_proj.weight"].T).view(T, nkv, hd).transpose(0, 1)
        v = (hN @ sd[p + "self_attn.v_proj.weight"].T).view(T, nkv, hd).transpose(0, 1)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        k, v = k.repeat_interleave(nh // nkv, 0), v.repeat_interleave(nh // nkv, 0)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + causal, -1)
        x = x + (att @ v).transpose(0, 1).reshape(T, d) @ sd[p + "self_attn.o_proj.weight"].T
        hN = norm(x, sd[p + "post_attention_layernorm.weight"])
        g = hN @ sd[p + "mlp.gate_proj.weight"].T
        x = x + (g * torch.sigmoid(g) * (hN @ sd[p + "mlp.up_proj.weight"].T)) @ sd[p + "mlp.down_proj.weight"].T
    return norm(x, sd["model.norm.weight"]) @ sd["lm_head.weight"].T


def small_sp_model(vocab: int) -> bytes:
    tweets = [json.loads(l)["text"] for l in (DATA / "tweets" / "users40.jsonl").open(encoding="utf-8")][:1500]
    w = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(tweets), model_writer=w, vocab_size=vocab, model_type="bpe", byte_fallback=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False, num_threads=1, minloglevel=2,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, character_coverage=0.98,
    )
    return w.getvalue()


_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def save_file(tensors: dict, path: Path, metadata: dict, dtype: str) -> None:
    _save_safetensors({k: v.to(_DTYPES[dtype]).contiguous() for k, v in tensors.items()}, str(path), metadata=metadata)


def write_folder(folder: Path, cfg: dict, sd: dict, dtype: str = "F32", sp: bytes | None = None, shards: int = 1) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(cfg))
    names = sorted(sd)
    for s in range(shards):
        part = {n: sd[n] for n in names[s::shards]}
        save_file(part, folder / f"model-{s + 1:05d}-of-{shards:05d}.safetensors", {"format": "pt"}, dtype)
    if sp is not None:
        (folder / "tokenizer.model").write_bytes(sp)
        (folder / "tokenizer.json").write_text(json.dumps(Tokenizer(sp).to_hf_tokenizer_json()))


@pytest.fixture(scope="module")
def sp_bytes():
    return small_sp_model(HF_CFG["vocab_size"])


def converted_logits(ckpt: Path, ids: list) -> torch.Tensor:
    b, _, _ = load_backbone(ckpt)
    x = torch.tensor([ids])
    m = torch.ones_like(x)
    with torch.no_grad():
        logits, _, _ = b(b.embed(x), m, positions_from_mask(m))
    return logits[0].double()


def test_hf_folder_logits_match_reference(tmp_path, sp_bytes):
    sd = random_hf_state(HF_CFG)
    write_folder(tmp_path / "hf", HF_CFG, sd, "F32", sp_bytes, shards=2)
    out = convert(tmp_path / "hf", tmp_path / "c.pt")
    ids = [1, 17, 42, 99, 350, 3, 7, 120]
    ref = hf_reference_logits(sd, HF_CFG, ids)
    assert (converted_logits(out, ids) - ref).abs().max() < 1e-4
    cfg, _, tok, extra = load_checkpoint(out)
    assert (cfg.n_kv_heads, cfg.tied_embeddings, cfg.rope_theta, cfg.max_positions) == (2, False, 500.0, 2048)
    assert isinstance(tok, Tokenizer) and tok.vocab_size == 400 and extra["converter"] == "hf"


@pytest.mark.parametrize("dtype", ["BF16", "F16"])
def test_half_precision_weights(tmp_path, sp_bytes, dtype):
    sd = random_hf_state(HF_CFG, seed=1)
    write_folder(tmp_path / "hf", HF_CFG, sd, dtype, sp_bytes)
    loaded = load_file(next((tmp_path / "hf").glob("*.safetensors")))
    rounded = {k: (v.to(torch.bfloat16) if dtype == "BF16" else v.half()).float() for k, v in sd.items()}
    assert all(torch.equal(loaded[k], rounded[k]) for k in sd)
    out = convert(tmp_path / "hf", tmp_path / "c.pt")
    ids = [1, 5, 6, 200]
    assert (converted_logits(out, ids) - hf_reference_logits(rounded, HF_CFG, ids)).abs().max() < 1e-4


def test_tied_embeddings_and_json_only_tokenizer(tmp_path, sp_bytes):
    cfg = dict(HF_CFG, tie_word_embeddings=True, num_key_value_heads=4)
    sd = random_hf_state(cfg, seed=2)
    sd["lm_head.weight"] = sd["model.embed_tokens.weight"].clone()
    write_folder(tmp_path / "hf", cfg, sd, "F32", sp_bytes)
    (tmp_path / "hf" / "tokenizer.model").unlink()
    out = convert(tmp_path / "hf", tmp_path / "c.pt")
    c2, state, tok, _ = load_checkpoint(out)
    assert c2.tied_embeddings and "output.weight" not in state
    assert isinstance(tok, HFJsonTokenizer) and (tok.bos_id, tok.eos_id) == (1, 2)
    assert tok.to_hf_tokenizer_json() == json.loads((tmp_path / "hf" / "tokenizer.json").read_text())
    ids = [1, 9, 8, 7]
    assert (converted_logits(out, ids) - hf_reference_logits(sd, cfg, ids)).abs().max() < 1e-4


def test_refusals(tmp_path, sp_bytes):
    sd = random_hf_state(HF_CFG)
    cases = {
        "qwen2": (dict(HF_CFG, model_type="qwen2"), sd, "model_type"),
        "scaling": (dict(HF_CFG, rope_scaling={"type": "llama3", "factor": 8.0}), sd, "rope_scaling"),
        "missing": (HF_CFG, {k: v for k, v in sd.items() if "layers.1.mlp.up_proj" not in k}, "lack model.layers.1.mlp.up_proj"),
        "extra": (HF_CFG, dict(sd, **{"model.layers.0.self_attn.q_proj.bias": torch.zeros(32)}), "unexpected weights"),
        "shape": (HF_CFG, dict(sd, **{"model.norm.weight": torch.ones(31)}), "shape"),
    }
    for name, (cfg, state, msg) in cases.items():
        write_folder(tmp_path / name, cfg, state, "F32", sp_bytes)
        with pytest.raises(ValueError, match=msg):
            convert(tmp_path / name, tmp_path / f"{name}.pt")
        assert not (tmp_path / f"{name}.pt").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(HFConvertError, match="no config.json"):
        read_hf_folder(tmp_path / "empty")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\xff" * 16)
    with pytest.raises(HFConvertError, match="not a readable safetensors file"):
        load_file(bad)
