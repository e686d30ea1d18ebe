"""How the benchmarks hand back figures: JSON on standard output (and in `--out` if given),
with a warning where a model's report-split figures are not independent."""

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


def saw_report(model: str | None, split: str) -> bool | None:
    """Whether `model` (a tier or folder; None: the default tier) learnt from the report
    split's articles (`unspin.runtime.provenance`); on the report split, a warning on
    standard error where that is so or not recorded."""
    from unspin.config import DEFAULT_TIER, TIERS, shipped_model_path
    from unspin.runtime import provenance

    name = model or DEFAULT_TIER
    seen = provenance.saw_report(shipped_model_path(name) if name in TIERS else name)
    if split == "report" and (warning := provenance.describe(name, seen)):
        sys.stderr.write(f"warning: {warning}\n")
    return seen
