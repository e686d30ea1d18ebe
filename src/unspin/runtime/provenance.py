"""Whether a model has learnt from PTC's report split, the articles its honest figures are
measured on: directly, or through the run it started from (`--init`), its teacher or a
pseudo-label cache. Recorded as `saw_report` (true or false) in a model's `config.json` and
in a teacher cache's `teacher.json`; absent where it is not known (made before it was
recorded)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from unspin.errors import ModelNotFoundError
from unspin.runtime.folder import CONFIG, ModelFolder

KEY = "saw_report"


def combine(values: Iterable[bool | None]) -> bool | None:
    """True if any source saw the report split, False if none did, None if some are unknown."""
    seen = list(values)
    if any(v is True for v in seen):
        return True
    return False if all(v is False for v in seen) else None


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def saw_report(where: str | Path) -> bool | None:
    """What is recorded of `where`: a model folder (a fused one: its members), a training
    run's folder, a teacher cache, or a `unspin model pretrain` folder (it reads PTC's train
    split only, so never the report split)."""
    folder = Path(where)
    if folder.is_file():  # a run's checkpoint.pt
        folder = folder.parent
    if (folder / CONFIG).is_file():
        try:
            model = ModelFolder.read(folder, check=False)
        except ModelNotFoundError:
            return None
        if model.is_fused:
            return combine(saw_report(m) for m in model.members)
        value = model.config.get(KEY)
        return value if isinstance(value, bool) else None
    if (folder / "teacher.json").is_file():
        value = _json(folder / "teacher.json").get(KEY)
        return value if isinstance(value, bool) else None
    if (folder / "pretrain.json").is_file():
        return False
    if (folder / "model" / "config.json").is_file():
        return saw_report(folder / "model")
    return None


def describe(name: str, seen: bool | None) -> str | None:
    """A warning for scoring `name` on the report split, or None where its figures there are clean."""
    if seen is True:
        return (f"{name} learnt from report-split articles (directly, or through its start or its "
                "teacher): its figures on the report split are not independent.")
    if seen is None:
        return (f"it is not recorded whether {name} learnt from report-split articles (models made "
                "before unspin recorded it): treat its report-split figures as not independent.")
    return None
