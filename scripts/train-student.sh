#!/usr/bin/env bash
# The fast tier's recipe (docs/model.md, "Self-training and distillation"): the accurate tier
# labels PTC's train split and unlabelled news once (a resumable cache), then MiniLM learns
# the gold spans, the teacher's soft targets and the teacher's pseudo-labelled news.
# The report split is never trained on (pass --all-data to train for shipping). Resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-runs}
OUT=${OUT:-$RUNS/student}
U=.venv/bin/unspin
$U teach --model accurate --data "$DATA/ptc" --out "$RUNS/teacher-ptc"
$U teach --model accurate --data "$DATA/news/hyperpartisan-2017.jsonl" \
    --data "$DATA/news/semeval2023-en-test.jsonl" --out "$RUNS/teacher-news" ${NEWS_LIMIT:+--limit $NEWS_LIMIT}
$U train --data "$DATA/ptc" --base minilm --out "$OUT" --epochs "${EPOCHS:-3}" --lr 8e-5 \
    --teacher "$RUNS/teacher-ptc" --pseudo "$RUNS/teacher-news" --distil 0.5 --seed 31 "$@"
