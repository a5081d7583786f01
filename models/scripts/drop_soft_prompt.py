"""Remove the soft prompt from an adapter file (checkpoint.save_commer_state format).

A ComMer-mode run always carries a soft prompt of length k, but only the separate
prompt-tuning baseline (finetune --mode concat) trains it; an untrained one would
only add noise to the prompt-concat baseline. Packs then run that baseline with no
soft prompt (models/PACK_FORMAT.md).

    .venv/bin/python models/scripts/drop_soft_prompt.py IN.pt OUT.pt
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from models.commer.checkpoint import load_commer_state  # noqa: E402
from models.commer.train_utils import atomic_torch_save  # noqa: E402


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    blob = dict(load_commer_state(src))
    blob["state_dict"] = {k: v for k, v in blob["state_dict"].items() if k != "soft_prompt"}
    blob["soft_prompt_len"] = 0
    extra = dict(blob.get("extra") or {})
    extra["soft_prompt"] = "removed: untrained in this run (no prompt-tuning baseline was trained)"
    blob["extra"] = extra
    atomic_torch_save(blob, Path(dst))
    print(dst)


if __name__ == "__main__":
    main()
