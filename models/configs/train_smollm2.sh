#!/usr/bin/env bash
# ComMer training on the frozen SmolLM2-135M-Instruct backbone (see models/README.md):
# fetch + convert the GGUF, auto-encoding pre-training of the compressor (LoRA + E),
# then both tasks with 0..8 documents. The backbone stays frozen throughout (no adapt
# stage). A stage whose output exists is skipped, so rerunning resumes after the last
# finished one; AE_ARGS / TASK_ARGS add arguments (e.g. "--time-budget-s 600").
set -euo pipefail
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
R=${RUNS:-models/runs/smollm2}
AE_ARGS=${AE_ARGS:-}
TASK_ARGS=${TASK_ARGS:-}
mkdir -p "$R"
[ -f "$R/backbone.ckpt" ] || { $PY -m models.commer.fetch_backbone && \
  $PY -m models.commer.convert_gguf --in models/cache/backbones/SmolLM2-135M-Instruct.Q4_1.gguf --out "$R/backbone.ckpt"; }
[ -f "$R/ae/commer.pt" ] || $PY -m models.commer.finetune --backbone "$R/backbone.ckpt" --config models/configs/smollm2-ae.json $AE_ARGS --out "$R/ae" > "$R/ae.log" 2>&1
[ -f "$R/task/commer.pt" ] || $PY -m models.commer.finetune --backbone "$R/backbone.ckpt" --config models/configs/smollm2-task.json $TASK_ARGS --init "$R/ae/commer.pt" --out "$R/task" > "$R/task.log" 2>&1
echo "trained: $R/task/commer.pt"
