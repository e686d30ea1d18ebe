#!/usr/bin/env bash
# A self-trained MiniLM student (recipe C of docs/notebook/2026-11-30-which-data-helps.md; not a
# shipped tier: their recipes are recipes/*.toml, `unspin model rebuild`): the accurate tier
# labels PTC's train split and unlabelled news once (a resumable cache), then MiniLM learns
# the gold spans, then the teacher's soft targets and the teacher's pseudo-labelled news.
# The report split is never trained on (pass --all-data to train for shipping). Resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
RUNS=${RUNS:-runs}
OUT=${OUT:-$RUNS/student}
U=.venv/bin/unspin
T=${TEACHER_CACHE:-$RUNS/teacher-v2}  # one folder per teacher: teach refuses to mix two
$U model teach --model accurate --data "$DATA/ptc" --out "$T-ptc"
$U model teach --model accurate --data "$DATA/news/hyperpartisan-2017.jsonl" \
    --data "$DATA/news/semeval2023-en-test.jsonl" --data "$DATA/news/bbc-2004.jsonl" \
    --out "$T-news" ${NEWS_LIMIT:+--limit $NEWS_LIMIT}
# Gold first (6 epochs), then 3 epochs with the teacher's soft targets and its pseudo-labelled
# news: on the report split 0.380 / 0.675 / 0.233 against 0.372 / 0.637 / 0.203 for gold
# alone (docs/notebook/2026-11-30-which-data-helps.md).
$U model train --data "$DATA/ptc" --base minilm --out "$OUT-gold" --epochs 6 --lr 8e-5 --seed 29 "$@"
$U model train --data "$DATA/ptc" --base minilm --out "$OUT" --init "$OUT-gold" --epochs "${EPOCHS:-3}" \
    --lr 4e-5 --head-lr 2e-4 --teacher "$T-ptc" --pseudo "$T-news" --distil 0.5 --seed 31 "$@"
