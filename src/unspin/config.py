"""Every `UNSPIN_*` environment variable in one place, with its default, and where a model
name leads: a shipped tier ("accurate", "fast") or a model folder.

Settings flow defaults → environment → explicit arguments: each function takes the explicit
value first and falls back to the variable, then the default. The variables are read when
asked (not cached), so a process that changes its environment sees the change. The web
server's own settings (`UNSPIN_WEB_*`) live in `unspin.web.settings`; docs/cli.md lists them all."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("UNSPIN_MODEL", "accurate", "the model commands and `unspin.load()` use: a tier or a folder"),
    Variable("UNSPIN_BACKEND", "auto", "the inference backend: auto, onnx, onnx-fp32 or torch"),
    Variable("UNSPIN_THREADS", "the CPUs this process may use", "inference threads per model"),
    Variable("UNSPIN_MAX_CHARS", "500000", "the longest text accepted, in characters"),
    Variable("UNSPIN_HOME", "$XDG_CACHE_HOME/unspin or ~/.cache/unspin",
             "the cache: installed base encoders, ONNX exports, and adapted models (`models/`)"),
    Variable("UNSPIN_DB", "sqlite:///$UNSPIN_DATA_DIR/unspin.db",
             "the database (SQLite path or URL, PostgreSQL URL) of the corpus and web history"),
    Variable("UNSPIN_DATA_DIR", "the platform's user data folder", "where the default SQLite database lives"),
    Variable("UNSPIN_ALLOW_PRIVATE_NETWORK", "false", "true lets fetching reach private addresses"),
    Variable("UNSPIN_KEEP_DELETED_DAYS", "30",
             "days a deleted analysis is kept (hidden) before `unspin purge` makes the delete final"),
)
NAMES = frozenset(v.name for v in VARIABLES)

TIERS = {"fast": "model", "accurate": "model-accurate"}
DEFAULT_TIER = "accurate"
BACKENDS = ("auto", "onnx", "onnx-fp32", "torch")
MAX_CHARS = 500_000  # about 80,000 words: longer than any news article
KEEP_DELETED_DAYS = 30.0  # a deleted analysis stays in the database (hidden) this long


def env(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of the `UNSPIN_*` variable `name` in `environ` (default: this process's
    environment), or None where it is unset or blank."""
    if name not in NAMES:
        raise KeyError(f"{name} is not one of unspin's variables ({', '.join(sorted(NAMES))}).")
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


def model_name(explicit: str | os.PathLike[str] | None = None) -> str:
    """The model asked for: `explicit`, else `UNSPIN_MODEL`, else the default tier."""
    return str(explicit or env("UNSPIN_MODEL") or DEFAULT_TIER)


def shipped_model_path(tier: str = DEFAULT_TIER) -> Path:
    """The folder of a shipped model tier: "accurate" (default) or "fast"."""
    return Path(str(resources.files("unspin").joinpath("resources", TIERS[tier])))


def model_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the model asked for (`model_name`): a tier's shipped folder, or the path."""
    name = model_name(explicit)
    return shipped_model_path(name) if name in TIERS else Path(name)


def backend(explicit: str | None = None) -> str:
    """The inference backend: `explicit`, else `UNSPIN_BACKEND`, else "auto"."""
    chosen = explicit or env("UNSPIN_BACKEND") or "auto"
    if chosen not in BACKENDS:
        raise ValueError(f"Unknown backend {chosen!r}: expected one of {', '.join(BACKENDS)}.")
    return chosen


def threads(explicit: int | None = None) -> int | None:
    """Inference threads asked for: `explicit`, else `UNSPIN_THREADS`, else None (use the
    CPUs this process may run on)."""
    if explicit:
        return max(1, int(explicit))
    value = env("UNSPIN_THREADS")
    if value is None:
        return None
    try:
        return max(1, int(value))
    except ValueError as err:
        raise ValueError(f"UNSPIN_THREADS must be a whole number, got {value!r}.") from err


def max_chars(explicit: int | None = None) -> int:
    """The longest text accepted: `explicit`, else `UNSPIN_MAX_CHARS`, else 500,000."""
    if explicit:
        return int(explicit)
    value = env("UNSPIN_MAX_CHARS")
    try:
        return int(value) if value else MAX_CHARS
    except ValueError as err:
        raise ValueError(f"UNSPIN_MAX_CHARS must be a whole number, got {value!r}.") from err


def keep_deleted_days(explicit: float | None = None) -> float:
    """Days a soft-deleted analysis is kept before `unspin purge` removes it: `explicit`, else
    `UNSPIN_KEEP_DELETED_DAYS`, else 30."""
    if explicit is not None:
        return float(explicit)
    value = env("UNSPIN_KEEP_DELETED_DAYS")
    try:
        days = float(value) if value else KEEP_DELETED_DAYS
    except ValueError as err:
        raise ValueError(f"UNSPIN_KEEP_DELETED_DAYS must be a number of days, got {value!r}.") from err
    if days < 0:
        raise ValueError(f"UNSPIN_KEEP_DELETED_DAYS must be 0 or more, got {value!r}.")
    return days


def cache_dir() -> Path:
    """unspin's cache folder: `UNSPIN_HOME`, else $XDG_CACHE_HOME/unspin or ~/.cache/unspin."""
    root = env("UNSPIN_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "unspin"
    )
    return Path(root)


def models_dir() -> Path:
    """Where the web app keeps the models it adapts and lists: `cache_dir()/models`."""
    return cache_dir() / "models"
