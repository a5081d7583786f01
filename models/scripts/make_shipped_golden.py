"""Golden file for a shipped pack, from the checkpoints it was exported from, so the
runtime's golden test checks the pack users get against PyTorch (same cases as the
test packs: models/scripts/make_test_packs.py).

    .venv/bin/python models/scripts/make_shipped_golden.py --checkpoint models/runs/smollm2/backbone.ckpt \\
        --commer models/runs/smollm2/task/commer.pt --pack models/packs/<id> --out test/fixtures/golden/<id>.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_test_packs as cases  # noqa: E402
import torch  # noqa: E402

from models.commer.checkpoint import build_commer_model, load_checkpoint, load_commer_state  # noqa: E402
from models.commer.export import DEFAULT_LIMITS  # noqa: E402
from models.commer.golden import build_golden  # noqa: E402
from models.commer.inference import Limits  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--commer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pack", help="the exported pack: a quantized one (format 2) gets quantization tolerances")
    # the defaults are for int8 activations (accuracy level 4); a pack computing in float32
    # (level 1, --head float32) holds much tighter ones: pass them
    ap.add_argument("--logits-tol", type=float, default=3.0, help="quantized packs: max |logit diff| allowed")
    ap.add_argument("--hidden-tol", type=float, default=2.0, help="quantized packs: max |hidden/compression diff| allowed")
    ap.add_argument("--greedy-gap", type=float, default=1.0, help="quantized packs: greedy ids must agree up to the first step with a smaller top-1/top-2 gap")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    cfg, state, tok, _ = load_checkpoint(a.checkpoint)
    blob = load_commer_state(a.commer)
    model = build_commer_model(cfg, state, blob).eval()
    gen, concat = cases.generate_cases(20)
    golden = build_golden(
        model, tok, blob["extra"]["templates"], Limits(DEFAULT_LIMITS["max_doc_tokens"], DEFAULT_LIMITS["max_prompt_tokens"]),
        tokenizer_texts=cases.tokenizer_sample(), forward_text="Once upon a time there was a little",
        compress_texts_=cases.compress_sample(), generate_cases=gen, concat_cases=concat,
        continue_text="Once upon a time", continue_tokens=30,
        stop_ids=list(getattr(tok, "stop_ids", None) or [tok.eos_id]),
    )
    if a.pack:
        manifest = json.loads((Path(a.pack) / "manifest.json").read_text("utf-8"))
        q = manifest["backbone"].get("quantization")
        if q:
            golden["quantized"] = {k: q[k] for k in ("weights", "accuracy_level", "head") if k in q}
            golden["tolerance"] = {"logits": a.logits_tol, "hidden": a.hidden_tol, "greedy_gap": a.greedy_gap}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
