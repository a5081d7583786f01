"""Exporter: the ONNX graph run by onnxruntime-node (models/scripts/ort_check.mjs)
must equal PyTorch; manifests must describe their files; bad inputs are refused;
the committed test packs must agree with their golden files."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from models.commer.checkpoint import CheckpointError, build_commer_model, load_commer_state, save_checkpoint, save_commer_state
from models.commer.convert_llama2c import read_llama2c_tokenizer
from models.commer.export import ExportError, export_pack, fresh_commer_model, input_names, output_names
from models.commer.model import Backbone, CommerModel, ModelConfig, positions_from_mask
from models.commer.tokenizer import Tokenizer

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[2]
PACKS = ROOT / "test" / "fixtures" / "packs"
ORT_CHECK = ROOT / "models" / "scripts" / "ort_check.mjs"
STORIES = ROOT.parent / "shared" / "models" / "stories260K"
TOL = 1e-4


def ort(pack: Path, runs: list) -> list:
    r = subprocess.run(
        ["node", str(ORT_CHECK)], input=json.dumps({"pack": str(pack), "runs": runs}), capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)["runs"]


def arr(rec: dict) -> np.ndarray:
    return np.asarray(rec["data"], dtype=np.float64).reshape(rec["dims"])


def small_model(seed: int = 0, vocab: int = 512, k: int = 3) -> CommerModel:
    cfg = ModelConfig(dim=32, n_layers=2, n_heads=4, n_kv_heads=2, hidden_dim=48, vocab_size=vocab, max_positions=2048, tied_embeddings=False)
    torch.manual_seed(seed)
    b = Backbone(cfg, None)
    with torch.no_grad():
        for n, p in b.named_parameters():
            if p.dim() == 2:
                p.normal_(0, 1.0 / p.shape[1] ** 0.5 if "tok_" not in n else 1.0)
            else:
                p.copy_(1 + 0.1 * torch.randn(p.shape))
    return fresh_commer_model(cfg, b.state_dict(), rank=4, alpha=8.0, k=k, soft_prompt=2, seed=seed, lora_b_std=0.1).eval()


@pytest.fixture(scope="module")
def stories_tok() -> Tokenizer:
    return read_llama2c_tokenizer(STORIES / "tok512.bin", 512)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, stories_tok):
    model = small_model()
    out = export_pack(model, stories_tok, tmp_path_factory.mktemp("p") / "small", "small", created_at="2026-01-01T00:00:00Z")
    return model, out


def test_graph_signature_and_size(exported):
    import onnx

    model, pack = exported
    m = onnx.load(str(pack / "backbone.onnx"))
    assert [i.name for i in m.graph.input] == input_names(2)
    assert [o.name for o in m.graph.output] == output_names(2)
    assert m.opset_import[0].version == 17
    # the graph takes embeddings as input, so an untied table lives only in embeddings.f32
    n_params = sum(p.numel() for n, p in model.backbone.named_parameters() if n != "tok_embeddings.weight")
    init = sum(int(np.prod(t.dims)) for t in m.graph.initializer)
    assert init == n_params  # every weight once, nothing duplicated by constant folding
    assert (pack / "backbone.onnx").stat().st_size < 4 * n_params * 1.5 + 200_000


def test_ort_equals_pytorch_with_kv_cache(exported):
    model, pack = exported
    bb = model.backbone
    ids = [1, 403, 407, 261, 378, 11, 90]
    x = torch.tensor([ids])
    m = torch.ones_like(x)
    with torch.no_grad():
        full0, h0, _ = bb(bb.embed(x), m, positions_from_mask(m), None, lora_scale=0.0)
        full1, _, _ = bb(bb.embed(x), m, positions_from_mask(m), None, lora_scale=1.0)
    runs = ort(pack, [
        {"ids": [ids[:5]], "attention_mask": [[1] * 5], "position_ids": [list(range(5))], "lora_scale": 0,
         "outputs": ["logits", "last_hidden_state", "present.1.value"]},
        {"ids": [ids[5:]], "attention_mask": [[1] * 7], "position_ids": [[5, 6]], "lora_scale": 0, "past_from": 0,
         "outputs": ["logits", "present.0.key"]},
        {"ids": [ids], "attention_mask": [[1] * 7], "position_ids": [list(range(7))], "lora_scale": 1, "outputs": ["logits"]},
    ])
    hi = list(range(2040, 2047))  # far positions: RoPE angles from position_ids, no table
    with torch.no_grad():
        far, _, _ = bb(bb.embed(x), m, torch.tensor([hi]), None, lora_scale=0.0)
    far_ort = ort(pack, [{"ids": [ids], "attention_mask": [[1] * 7], "position_ids": [hi], "lora_scale": 0, "outputs": ["logits"]}])
    assert np.abs(arr(far_ort[0]["logits"])[0] - far[0].numpy()).max() < TOL
    assert runs[0]["present.1.value"]["dims"] == [1, 2, 5, 8]
    assert runs[1]["present.0.key"]["dims"] == [1, 2, 7, 8]
    assert np.abs(arr(runs[0]["logits"])[0] - full0[0, :5].numpy()).max() < TOL
    assert np.abs(arr(runs[0]["last_hidden_state"])[0] - h0[0, :5].numpy()).max() < TOL
    assert np.abs(arr(runs[1]["logits"])[0] - full0[0, 5:].numpy()).max() < TOL  # decode step from the cache
    assert np.abs(arr(runs[2]["logits"])[0] - full1[0].numpy()).max() < TOL
    # lora_scale is live in the graph, not folded to a constant
    assert np.abs(arr(runs[2]["logits"]) - full0.numpy()).max() > 1e-2


def test_num_logits_selects_trailing_positions(exported):
    """num_logits = n gives the logits of the last n positions only (0: none, as
    compression asks); hidden states and the cache are unaffected."""
    model, pack = exported
    bb = model.backbone
    ids = [[1, 403, 407, 261, 378], [1, 11, 90, 12, 13]]
    x = torch.tensor(ids)
    m = torch.ones_like(x)
    with torch.no_grad():
        full, hid, _ = bb(bb.embed(x), m, positions_from_mask(m), None, lora_scale=1.0)
    base = {"ids": ids, "attention_mask": [[1] * 5] * 2, "position_ids": [list(range(5))] * 2, "lora_scale": 1}
    runs = ort(pack, [dict(base, num_logits=n, outputs=["logits", "last_hidden_state"]) for n in (0, 1, 3, 5)])
    for n, r in zip((0, 1, 3, 5), runs):
        assert r["logits"]["dims"] == [2, n, bb.cfg.vocab_size]
        if n:
            assert np.abs(arr(r["logits"]) - full[:, 5 - n :].numpy()).max() < TOL
        assert np.abs(arr(r["last_hidden_state"]) - hid.numpy()).max() < TOL


def test_ort_left_padded_compression(exported):
    model, pack = exported
    docs = [[1, 5, 6, 7, 8, 9, 10], [1, 42], [1, 300, 301, 302]]
    n = max(map(len, docs))
    pad = 0
    ids = [[pad] * (n - len(d)) + d for d in docs]
    mask = [[0] * (n - len(d)) + [1] * len(d) for d in docs]
    k = model.k
    full_mask = torch.tensor([r + [1] * k for r in mask])
    pos = positions_from_mask(full_mask).tolist()
    with torch.no_grad():
        ref = model.compress(torch.tensor(ids), torch.tensor(mask))
        singles = [model.compress(torch.tensor([d]), torch.ones(1, len(d), dtype=torch.long))[0] for d in docs]
    out = ort(pack, [{"ids": ids, "append_compression": True, "attention_mask": full_mask.tolist(), "position_ids": pos,
                      "lora_scale": 1, "outputs": ["last_hidden_state"]}])
    got = arr(out[0]["last_hidden_state"])[:, -k:]
    assert np.abs(got - ref.numpy()).max() < TOL
    for i, s in enumerate(singles):  # padding changes nothing
        assert np.abs(got[i] - s.numpy()).max() < TOL


def test_manifest_describes_every_file(exported):
    model, pack = exported
    man = json.loads((pack / "manifest.json").read_text())
    assert man["format"] == "commer-pack" and man["format_version"] == 1
    assert man["backbone"]["max_positions"] >= 2048 and man["backbone"]["head_dim"] == 8
    assert man["compression"] == {"k": 3} and man["soft_prompt"] == {"length": 2}
    assert man["lora"]["rank"] == 4
    assert set(man["files"]) == {"backbone.onnx", "tokenizer.json", "embeddings.f32", "compression.f32", "soft_prompt.f32"}
    for name, rec in man["files"].items():
        data = (pack / name).read_bytes()
        assert rec["bytes"] == len(data) and rec["sha256"] == hashlib.sha256(data).hexdigest()
        if name.endswith(".f32"):
            assert rec["dtype"] == "float32" and len(data) == 4 * int(np.prod(rec["shape"]))
    emb = np.frombuffer((pack / "embeddings.f32").read_bytes(), "<f4").reshape(512, 32)
    assert np.array_equal(emb, model.backbone.tok_embeddings.weight.detach().numpy())
    for t in man["templates"]["tasks"].values():
        assert "{input}" in t["prompt"]


def test_export_is_deterministic(tmp_path, stories_tok):
    a = export_pack(small_model(3), stories_tok, tmp_path / "a", "det", created_at="2026-01-01T00:00:00Z")
    b = export_pack(small_model(3), stories_tok, tmp_path / "b", "det", created_at="2026-01-01T00:00:00Z")
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for n in names:
        assert (a / n).read_bytes() == (b / n).read_bytes(), n


def test_commer_state_round_trip_and_refusals(tmp_path, stories_tok):
    model = small_model(5)
    save_commer_state(tmp_path / "c.pt", model, extra={"templates": None})
    ckpt_state = {k: v for k, v in model.backbone.state_dict().items() if "lora_" not in k}
    rebuilt = build_commer_model(model.cfg, ckpt_state, load_commer_state(tmp_path / "c.pt"))
    assert torch.equal(rebuilt.compression, model.compression)
    assert all(torch.equal(a, b) for a, b in zip(rebuilt.state_dict().values(), model.state_dict().values()))
    other = small_model(5, k=3)
    other_cfg = ModelConfig(**{**other.cfg.__dict__, "dim": 64, "hidden_dim": 48})
    with pytest.raises(CheckpointError, match="different backbone"):
        build_commer_model(other_cfg, ckpt_state, load_commer_state(tmp_path / "c.pt"))
    with pytest.raises(CheckpointError, match="not found"):
        load_commer_state(tmp_path / "missing.pt")
    save_checkpoint(tmp_path / "backbone.pt", model.cfg, ckpt_state, stories_tok)
    with pytest.raises(CheckpointError, match="commer-adapter"):
        load_commer_state(tmp_path / "backbone.pt")


def test_exporter_refuses_bad_inputs(tmp_path, stories_tok):
    model = small_model()
    out = tmp_path / "p"
    out.mkdir()
    with pytest.raises(ExportError, match="already exists"):
        export_pack(model, stories_tok, out, "p")
    with pytest.raises(ExportError, match="pack id"):
        export_pack(model, stories_tok, tmp_path / "q", "bad id")
    with pytest.raises(ExportError, match=r"\{input\}"):
        bad = {"document": "{text}", "concat_document": "Document {i}: {text}\n", "tasks": {"paraphrase": {"label": "x", "prompt": "no slot"}}}
        export_pack(model, stories_tok, tmp_path / "q", "q", templates=bad)
    with pytest.raises(ExportError, match="k must be at least 1"):
        fresh_commer_model(model.cfg, model.backbone.state_dict(), rank=4, alpha=8.0, k=0, soft_prompt=0, seed=0, lora_b_std=0)
    small_vocab = small_model(vocab=100)
    with pytest.raises(ExportError, match="tokenizer has 512 tokens"):
        export_pack(small_vocab, stories_tok, tmp_path / "q", "q")
    with torch.no_grad():
        model.compression[0, 0] = float("nan")
    with pytest.raises(ExportError, match="NaN"):
        export_pack(model, stories_tok, tmp_path / "q", "q")
    assert not (tmp_path / "q").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["p"]  # no temporary folders left behind
    short = small_model()
    short.cfg.max_positions = 512
    with pytest.raises(ExportError, match="2048"):
        export_pack(short, stories_tok, tmp_path / "q", "q")


def test_cli_exports_a_trained_state(tmp_path, stories_tok):
    from models.commer.export import main as export_main

    model = small_model(9)
    ckpt_state = {k: v for k, v in model.backbone.state_dict().items() if "lora_" not in k}
    save_checkpoint(tmp_path / "b.pt", model.cfg, ckpt_state, stories_tok)
    templates = {"document": "{text}", "concat_document": "Doc {i}: {text}\n",
                 "tasks": {"paraphrase": {"label": "P", "prompt": "P: {input}\n"}, "headline": {"label": "H", "prompt": "H: {input}\n"}}}
    save_commer_state(tmp_path / "c.pt", model, extra={"templates": templates})
    report = {"paraphrase": {"commer_by_docs": []}}
    (tmp_path / "r.json").write_text(json.dumps(report))
    assert export_main(["--checkpoint", str(tmp_path / "b.pt"), "--commer", str(tmp_path / "c.pt"), "--out", str(tmp_path / "pk"),
                        "--id", "trained", "--evaluation", str(tmp_path / "r.json"), "--max-new-tokens", "32"]) == 0
    man = json.loads((tmp_path / "pk" / "manifest.json").read_text())
    assert man["templates"] == templates and man["evaluation"] == report and man["limits"]["max_new_tokens"] == 32
    assert man["compression"]["k"] == model.k and man["lora"]["rank"] == 4
    comp = np.fromfile(tmp_path / "pk" / "compression.f32", "<f4").reshape(model.k, 32)
    assert np.array_equal(comp, model.compression.detach().numpy())
    lora_b = model.backbone.layers[1].feed_forward.w2.lora_B.detach().numpy()
    import onnx
    from onnx import numpy_helper

    inits = [numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "pk" / "backbone.onnx")).graph.initializer]
    assert any((a.shape == lora_b.shape and np.array_equal(a, lora_b)) or (a.shape == lora_b.T.shape and np.array_equal(a, lora_b.T)) for a in inits)


def test_json_only_tokenizer_is_copied_verbatim(tmp_path, stories_tok):
    from models.commer.checkpoint import HFJsonTokenizer

    data = stories_tok.to_hf_tokenizer_json()
    data["model"]["vocab"] = dict(data["model"]["vocab"])
    hf = HFJsonTokenizer(data, {"bos_id": 1, "eos_id": 2, "pad_id": None})
    pack = export_pack(small_model(), hf, tmp_path / "j", "j")
    assert json.loads((pack / "tokenizer.json").read_text()) == data
    man = json.loads((pack / "manifest.json").read_text())
    assert man["tokens"] == {"bos_id": 1, "eos_id": 2, "pad_id": 2, "stop_ids": [2]}  # no pad token: eos pads (masked anyway)


def test_cli_refuses_missing_checkpoint(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "models.commer.export", "--checkpoint", str(tmp_path / "nope.pt"), "--out", str(tmp_path / "x"), "--id", "x"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert r.returncode == 2 and "checkpoint not found" in r.stderr and not (tmp_path / "x").exists()


# ---- committed fixture packs ---------------------------------------------------------
@pytest.mark.parametrize("pack_id", ["stories260k", "tiny-random"])
def test_committed_pack_matches_golden_in_ort(pack_id):
    pack = PACKS / pack_id
    man = json.loads((pack / "manifest.json").read_text())
    g = json.loads((pack / "golden.json").read_text())
    for name, rec in man["files"].items():
        data = (pack / name).read_bytes()
        assert rec["bytes"] == len(data) and rec["sha256"] == hashlib.sha256(data).hexdigest(), name
    k, pad = man["compression"]["k"], man["tokens"]["pad_id"]
    f = g["forward"]
    n = len(f["ids"])
    docs = [c["doc_ids"] for c in g["compress"]]
    L = max(map(len, docs))
    ids = [[pad] * (L - len(d)) + d for d in docs]
    mask = [[0] * (L - len(d)) + [1] * (len(d) + k) for d in docs]
    pos = positions_from_mask(torch.tensor(mask)).tolist()
    runs = [
        {"ids": [f["ids"]], "attention_mask": [[1] * n], "position_ids": [list(range(n))], "lora_scale": 0},
        {"ids": [f["ids"]], "attention_mask": [[1] * n], "position_ids": [list(range(n))], "lora_scale": 1},
        {"ids": ids, "append_compression": True, "attention_mask": mask, "position_ids": pos, "lora_scale": 1, "outputs": ["last_hidden_state"]},
        {"greedy": {"ids": g["continue"]["ids"], "prefix_embeds": None, "max_new_tokens": g["continue"]["max_new_tokens"], "stop_ids": man["tokens"]["stop_ids"]}},
    ]
    out = ort(pack, runs)
    for run, key in ((out[0], "forward"), (out[1], "forward_lora")):
        assert np.abs(arr(run["logits"])[0, -1] - np.array(g[key]["logits_last"])).max() < TOL
        assert np.abs(arr(run["last_hidden_state"])[0, -1] - np.array(g[key]["hidden_last"])).max() < TOL
    comp = arr(out[2]["last_hidden_state"])[:, -k:]
    for i, c in enumerate(g["compress"]):
        assert np.abs(comp[i].reshape(-1) - np.array(c["compression"])).max() < TOL
        assert np.abs(comp[i].reshape(-1) - np.array(g["compress_batch"][i])).max() < TOL
    assert out[3]["greedy_ids"] == g["continue"]["greedy_ids"]
    if pack_id == "stories260k":
        assert g["continue"]["full_text"].startswith("Once upon a time, there was a little girl named Lily")
    # generation from merged documents: compress the docs in ORT, take the mean, decode greedily in ORT
    runs, expect = [], []
    for case in g["generate"]:
        prefix_from = None
        if case["doc_ids"]:
            d = case["doc_ids"]
            L = max(map(len, d))
            c_mask = [[0] * (L - len(x)) + [1] * (len(x) + k) for x in d]
            runs.append({"ids": [[pad] * (L - len(x)) + x for x in d], "append_compression": True, "attention_mask": c_mask,
                         "position_ids": positions_from_mask(torch.tensor(c_mask)).tolist(), "lora_scale": 1, "outputs": []})
            expect.append(None)
            prefix_from = {"run": len(runs) - 1, "k": k}
        runs.append({"greedy": {"ids": case["prompt_ids"], "prefix_from": prefix_from, "max_new_tokens": case["max_new_tokens"],
                                "stop_ids": man["tokens"]["stop_ids"]}})
        expect.append(case["greedy_ids"])
    assert len(g["generate_concat"]) >= 1
    for c in g["generate_concat"]:
        runs.append({"greedy": {"ids": c["prompt_ids"], "max_new_tokens": c["max_new_tokens"], "stop_ids": man["tokens"]["stop_ids"],
                                "prefix_embeds": {"data": np.fromfile(pack / "soft_prompt.f32", "<f4").tolist()} if c["soft_prompt"] else None}})
        expect.append(c["greedy_ids"])
    got = ort(pack, runs)
    for i, (run, want) in enumerate(zip(got, expect)):
        if want is not None:
            assert run["greedy_ids"] == want, f"greedy case {i}"
    assert sum(w is not None for w in expect) == len(g["generate"]) + len(g["generate_concat"])


def test_hf_folder_to_pack_end_to_end(tmp_path):
    """A Llama-family safetensors folder -> internal checkpoint -> pack; onnxruntime-node
    gives the reference (transformers-style) logits."""
    from models.commer.checkpoint import load_checkpoint
    from models.commer.convert_hf import convert as convert_hf
    from models.tests.test_convert_hf import HF_CFG, hf_reference_logits, random_hf_state, small_sp_model, write_folder

    sd = random_hf_state(HF_CFG, seed=4)
    write_folder(tmp_path / "hf", HF_CFG, sd, "BF16", small_sp_model(HF_CFG["vocab_size"]))
    ckpt = convert_hf(tmp_path / "hf", tmp_path / "c.pt")
    cfg, state, tok, _ = load_checkpoint(ckpt)
    model = fresh_commer_model(cfg, state, rank=4, alpha=8.0, k=2, soft_prompt=0, seed=0, lora_b_std=0.0).eval()
    pack = export_pack(model, tok, tmp_path / "pk", "hf-tiny")
    ids = [1] + tok.encode("hello world, this is a test")
    rounded = {k: v.to(torch.bfloat16).float() for k, v in sd.items()}
    ref = hf_reference_logits(rounded, HF_CFG, ids).numpy()
    n = len(ids)
    out = ort(pack, [{"ids": [ids], "attention_mask": [[1] * n], "position_ids": [list(range(n))], "lora_scale": 0, "outputs": ["logits"]}])
    assert np.abs(arr(out[0]["logits"])[0] - ref).max() < TOL
    man = json.loads((pack / "manifest.json").read_text())
    assert man["backbone"]["rope_theta"] == 500.0 and man["backbone"]["tied_embeddings"] is False


def test_ort_batched_decode_with_left_padding(exported):
    """Batched generation (e.g. several candidates or prompts): a left-padded prefill,
    then a decode step through the cache, equals each row run alone in PyTorch."""
    model, pack = exported
    bb = model.backbone
    rows = [[1, 403, 407, 261, 378], [1, 90, 91]]
    nxt = [[11], [12]]
    n = max(map(len, rows))
    ids = [[0] * (n - len(r)) + r for r in rows]
    mask = [[0] * (n - len(r)) + [1] * len(r) for r in rows]
    pos = positions_from_mask(torch.tensor(mask)).tolist()
    mask2 = [m + [1] for m in mask]
    pos2 = [[p[-1] + 1] for p in pos]
    out = ort(pack, [
        {"ids": ids, "attention_mask": mask, "position_ids": pos, "lora_scale": 0, "outputs": ["logits"]},
        {"ids": nxt, "attention_mask": mask2, "position_ids": pos2, "lora_scale": 0, "past_from": 0, "outputs": ["logits"]},
    ])
    for i, r in enumerate(rows):
        full = torch.tensor([r + nxt[i]])
        m = torch.ones_like(full)
        with torch.no_grad():
            ref, _, _ = bb(bb.embed(full), m, positions_from_mask(m), None, lora_scale=0.0)
        assert np.abs(arr(out[0]["logits"])[i, -1] - ref[0, -2].numpy()).max() < TOL
        assert np.abs(arr(out[1]["logits"])[i, 0] - ref[0, -1].numpy()).max() < TOL
