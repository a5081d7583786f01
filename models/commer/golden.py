"""golden.json for a test pack: fixed inputs and PyTorch's outputs (PACK_FORMAT.md
"Golden files"), computed with models/commer/inference.py.

Keys beyond the format's example (all additive): `forward` also carries
`hidden_last`; `forward_lora` is the same ids at lora_scale 1; `compress_batch`
holds the left-padded batch's compressions in `compress_batch_texts` order;
`generate` entries carry `doc_ids` (each document's [bos] + enc(text)), `prompt_ids`
(the exact [bos] + enc(prompt) fed after the prefix) and `min_logit_gap`; `generate_concat` lists prompt-concat baseline cases
(soft prompt included when the pack has one); `continue` also has `full_text`.
`greedy_ids` never include the stop token.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import torch

from .inference import Limits, compress_texts, concat_prompt_text, doc_ids, greedy, merged_prefix, prompt_ids, render
from .model import CommerModel, positions_from_mask


def _floats(t: torch.Tensor) -> List[float]:
    return [float(x) for x in t.detach().to(torch.float32).reshape(-1).tolist()]


@torch.no_grad()
def build_golden(
    model: CommerModel,
    tok,
    templates: dict,
    limits: Limits,
    *,
    tokenizer_texts: Sequence[str],
    forward_text: str,
    compress_texts_: Sequence[str],
    generate_cases: Sequence[dict],
    concat_cases: Sequence[dict],
    continue_text: str = "Once upon a time",
    continue_tokens: int = 30,
    stop_ids: Optional[Sequence[int]] = None,
) -> dict:
    model.eval()
    stop = list(stop_ids) if stop_ids is not None else [tok.eos_id]
    bb = model.backbone

    fwd_ids = [tok.bos_id] + tok.encode(forward_text)
    x = torch.tensor([fwd_ids])
    m = torch.ones_like(x)
    fwd = {}
    for scale in (0.0, 1.0):
        logits, hidden, _ = bb(bb.embed(x), m, positions_from_mask(m), None, lora_scale=scale)
        fwd[scale] = {"ids": fwd_ids, "lora_scale": int(scale), "logits_last": _floats(logits[0, -1]), "hidden_last": _floats(hidden[0, -1])}

    singles = [compress_texts(model, tok, [t], templates, limits)[0] for t in compress_texts_]
    batch = compress_texts(model, tok, compress_texts_, templates, limits)

    gens = []
    for case in generate_cases:
        prefix = merged_prefix(model, tok, case["docs"], templates, limits)
        task_prompt = render(templates["tasks"][case["task"]]["prompt"], input=case["input"])
        pids = prompt_ids(tok, task_prompt, limits)
        step_gaps: List[float] = []
        ids, gap = greedy(model, prefix, pids, case["max_new_tokens"], stop, step_gaps)
        gens.append({
            "docs": list(case["docs"]),
            "doc_ids": [doc_ids(tok, d, templates, limits) for d in case["docs"]],
            "task": case["task"],
            "input": case["input"],
            "prompt_ids": pids,
            "greedy_ids": ids,
            "greedy_text": tok.decode(ids),
            "max_new_tokens": case["max_new_tokens"],
            "min_logit_gap": gap,
            "logit_gaps": step_gaps,
        })

    concat = []
    for c in concat_cases:
        task_prompt = render(templates["tasks"][c["task"]]["prompt"], input=c["input"])
        cids = prompt_ids(tok, concat_prompt_text(templates, c["docs"], task_prompt), limits)
        cgaps: List[float] = []
        cids_out, cgap = greedy(model, model.soft_prompt, cids, c["max_new_tokens"], stop, cgaps)
        concat.append({
            "docs": list(c["docs"]),
            "task": c["task"],
            "input": c["input"],
            "soft_prompt": model.soft_prompt is not None,
            "prompt_ids": cids,
            "greedy_ids": cids_out,
            "greedy_text": tok.decode(cids_out),
            "max_new_tokens": c["max_new_tokens"],
            "min_logit_gap": cgap,
            "logit_gaps": cgaps,
        })

    cont_in = [tok.bos_id] + tok.encode(continue_text)
    cont_gaps: List[float] = []
    cont_ids, cont_gap = greedy(model, None, cont_in, continue_tokens, stop, cont_gaps)
    return {
        "tolerance": {"logits": 1e-4, "hidden": 1e-4},
        "limits": {"max_doc_tokens": limits.max_doc_tokens, "max_prompt_tokens": limits.max_prompt_tokens},
        "tokenizer": [{"text": t, "ids": tok.encode(t)} for t in tokenizer_texts],
        "forward": fwd[0.0],
        "forward_lora": fwd[1.0],
        "compress": [
            {"text": t, "doc_ids": doc_ids(tok, t, templates, limits), "compression": _floats(s)} for t, s in zip(compress_texts_, singles)
        ],
        "compress_batch_texts": list(compress_texts_),
        "compress_batch": [_floats(b) for b in batch],
        "generate": gens,
        "generate_concat": concat,
        "continue": {
            "text": continue_text,
            "ids": cont_in,
            "greedy_ids": cont_ids,
            "greedy_text": tok.decode(cont_ids),
            "full_text": tok.decode(cont_in[1:] + cont_ids),
            "max_new_tokens": continue_tokens,
            "min_logit_gap": cont_gap,
            "logit_gaps": cont_gaps,
        },
    }
