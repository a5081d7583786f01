#!/usr/bin/env bash
# The default pack's training after the tokenizer and backbone stages (see models/README.md,
# "Training pipeline"). Every stage is one command; run from the repository root. A stage
# whose output exists is skipped, so rerunning the script resumes after the last finished one.
# Stages that are independent run side by side (one thread each).
set -euo pipefail
PY=/usr/bin/python3
export OMP_NUM_THREADS=1
B0=${BACKBONE:-models/runs/pretrain/backbone.ckpt}
R=${RUNS:-models/runs/commer}
A=${ADAPT:-models/runs/adapt}
ADAPT_CONFIG=${ADAPT_CONFIG:-models/configs/commer-adapt.json}
# Extra arguments per stage, for a larger backbone (its steps take longer, so its time
# budgets must grow), e.g. ADAPT_ARGS="--max-steps 250 --eval-every 50 --time-budget-s 4500".
AE_ARGS=${AE_ARGS:-}
ADAPT_ARGS=${ADAPT_ARGS:-}
TASK_ARGS=${TASK_ARGS:-}
mkdir -p "$R" "$A"

# 1. multi-document auto-encoding pre-training of the compressor (frozen pre-trained backbone)
[ -f "$R/ae/commer.pt" ] || $PY -m models.commer.finetune --backbone "$B0" --config models/configs/commer-ae.json $AE_ARGS --out "$R/ae" > "$R/ae.log" 2>&1

# 2. adaptation: the backbone learns to read merged compressions and concatenated
#    documents, with LoRA and E (2 threads: nothing else runs beside it). Its
#    backbone.ckpt is the frozen LM of every later stage and of the pack.
[ -f "$A/backbone.ckpt" ] || OMP_NUM_THREADS=2 $PY -m models.commer.finetune --backbone "$B0" --config "$ADAPT_CONFIG" $ADAPT_ARGS --init "$R/ae/commer.pt" --out "$A" > "$A.log" 2>&1
B="$A/backbone.ckpt"

# 3. the paper's task fine-tuning (frozen backbone: LoRA + E only), and the soft-prompt
#    baseline with the same steps and batch, side by side
[ -f "$R/task/commer.pt" ] || $PY -m models.commer.finetune --backbone "$B" --config models/configs/commer-task.json $TASK_ARGS --init "$A/commer.pt" --out "$R/task" > "$R/task.log" 2>&1 &
[ -f "$R/concat/commer.pt" ] || $PY -m models.commer.finetune --backbone "$B" --config models/configs/concat-task.json $TASK_ARGS --out "$R/concat" > "$R/concat.log" 2>&1 &
wait

# 4. one adapter file: LoRA + E from the task run, the soft prompt from the baseline
$PY -m models.commer.finetune merge --commer "$R/task/commer.pt" --concat "$R/concat/commer.pt" --out "$R/commer.pt"

# 5. evaluation on the test persons, one process per task, then one report + plot
$PY -m models.commer.evaluate --backbone "$B" --commer "$R/commer.pt" --tasks paraphrase --no-plot --out "$R/eval-paraphrase.json" > "$R/eval-paraphrase.log" 2>&1 &
$PY -m models.commer.evaluate --backbone "$B" --commer "$R/commer.pt" --tasks headline --no-plot --out "$R/eval-headline.json" > "$R/eval-headline.log" 2>&1 &
wait
$PY -m models.commer.evaluate --merge "$R/eval-paraphrase.json" "$R/eval-headline.json" --record --backbone "$B" --commer "$R/commer.pt" --out models/eval/report.json
