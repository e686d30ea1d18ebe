"""How every benchmark hands back its figures: JSON on standard output, and in `--out` if given."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def emit(figures: dict[str, Any], out: str | Path | None) -> None:
    """Print `figures` as indented JSON; also write it to `out` (its folder made) when given."""
    text = json.dumps(figures, indent=2) + "\n"
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
