#!/usr/bin/env bash
# A real Label Studio for tests/label_studio/test_real_label_studio.py, in its own virtualenv
# (.venv-label-studio, never mixed with unspin's), pinned, the install bounded in time. Safe to
# run twice; if the install fails (no network) the test says so and is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.23.2
VENV=.venv-label-studio
if [ -x "$VENV/bin/label-studio" ] && "$VENV/bin/python" -c "import label_studio, sys; sys.exit(label_studio.__version__ != '$VERSION')" 2>/dev/null; then
    echo "label-studio $VERSION: $VENV"
    exit 0
fi
PY="$(.venv/bin/python -c 'import sys; print(sys.base_prefix)')/bin/python3"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
if ! timeout 1200 "$VENV/bin/pip" install --quiet "label-studio==$VERSION"; then
    echo "warning: could not install label-studio $VERSION; its test will be skipped" >&2
    rm -rf "$VENV"
fi
