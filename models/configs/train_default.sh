#!/usr/bin/env bash
# The default pack's training after the tokenizer and backbone stages (see models/README.md,
# "Training pipeline"). Every stage is one command; run from the repository root.
# Stages that are independent run side by side (one thread each).
set -euo pipefail
PY=/usr/bin/python3
export OMP_NUM_THREADS=1
B=${BACKBONE:-models/runs/pretrain/backbone.ckpt}
R=${RUNS:-models/runs/commer}
mkdir -p "$R"

# 1. multi-document auto-encoding pre-training of the compressor
[ -f "$R/ae/commer.pt" ] || $PY -m models.commer.finetune --backbone "$B" --config models/configs/commer-ae.json --out "$R/ae" > "$R/ae.log" 2>&1

# 2. both tasks, two LoRA learning rates (chosen on validation perplexity), and the
#    soft-prompt baseline with the same steps and batch
$PY -m models.commer.finetune --backbone "$B" --config models/configs/commer-task.json --init "$R/ae/commer.pt" --out "$R/task-lr1e-3" > "$R/task-lr1e-3.log" 2>&1 &
$PY -m models.commer.finetune --backbone "$B" --config models/configs/commer-task.json --lora-lr 1e-4 --init "$R/ae/commer.pt" --out "$R/task-lr1e-4" > "$R/task-lr1e-4.log" 2>&1 &
$PY -m models.commer.finetune --backbone "$B" --config models/configs/concat-task.json --out "$R/concat" > "$R/concat.log" 2>&1 &
wait

# 3. pick the LoRA LR with the lower validation perplexity, merge with the baseline's soft prompt
BEST=$($PY - "$R" <<'PYEOF'
import sys, torch
r = sys.argv[1]
v = {lr: torch.load(f"{r}/task-{lr}/commer.pt")["extra"]["training"]["commer:task"]["best_val_ppl"] for lr in ("lr1e-3", "lr1e-4")}
print(min(v, key=v.get)); print(v, file=sys.stderr)
PYEOF
)
$PY -m models.commer.finetune merge --commer "$R/task-$BEST/commer.pt" --concat "$R/concat/commer.pt" --out "$R/commer.pt"

# 4. evaluation on the test persons, one process per task, then one report + plot
$PY -m models.commer.evaluate --backbone "$B" --commer "$R/commer.pt" --tasks paraphrase --no-plot --out "$R/eval-paraphrase.json" > "$R/eval-paraphrase.log" 2>&1 &
$PY -m models.commer.evaluate --backbone "$B" --commer "$R/commer.pt" --tasks headline --no-plot --out "$R/eval-headline.json" > "$R/eval-headline.log" 2>&1 &
wait
$PY -m models.commer.evaluate --merge "$R/eval-paraphrase.json" "$R/eval-headline.json" --out models/eval/report.json
echo "best LoRA LR: $BEST"
