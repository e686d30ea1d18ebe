"""Build a `Predictor` for a model folder with the best available backend.

`auto` uses the cached int8 ONNX export when present (fast to load, no torch import),
exports it on first use when torch is available, and falls back to torch otherwise; a
model whose config.json names a `backend` gets that one under `auto`. A config's
`"int8_only"` limits int8 to the weight MatMuls whose names contain one of its strings (the
shipped MPNet model: `["/attention/"]`, because int8 everywhere costs it 12 SI points);
`"int8_outliers"` keeps a few input channels of those MatMuls fp32 (`quantize`). A folder whose config
has `"fuse": [...]` is a fused ensemble of the member folders it names (see `fusion`),
each encoding the number of views its `"views"` entry gives.

A model's config lists the techniques it labels, in its output order; loading checks them
against `unspin.taxonomy` so a model never labels with another model's names.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from unspin import taxonomy
from unspin.errors import ModelNotFoundError
from unspin.models.decoding import Settings
from unspin.models.predictor import Predictor

BACKENDS = ("auto", "onnx", "onnx-fp32", "torch")
log = logging.getLogger(__name__)


def _config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads((path / "config.json").read_text())
    except FileNotFoundError as err:
        raise ModelNotFoundError(
            f"{path} is not an unspin model (config.json and weights.npz expected). "
            "Train one with `unspin train` or use the shipped model."
        ) from err
    names = config.get("techniques")
    if names is not None and list(names) != list(taxonomy.NAMES):
        raise ModelNotFoundError(
            f"{path} labels {len(names)} techniques ({', '.join(names[:3])}, ...) that differ from "
            f"this unspin's {len(taxonomy.NAMES)}: retrain it or use a matching unspin version."
        )
    return config


def settings_of(config: dict[str, Any], base: Settings | None = None) -> Settings:
    """The `Settings` in a config (over `base`'s, for a fused folder's members)."""
    values = {**(base.__dict__ if base else {}), **config.get("settings", {})}
    return Settings(**values)


def _onnx_predictor(path: Path, config: dict[str, Any], *, quantize: bool) -> Predictor:
    from unspin.models import base, onnx_backend
    from unspin.models.windows import load_tokenizer

    only = tuple(config.get("int8_only", ())) if quantize else ()
    outliers = config.get("int8_outliers") if only else None
    if config.get("int8_outliers") and not config.get("int8_only"):
        raise ModelNotFoundError(
            f"{path}/config.json: \"int8_outliers\" splits MatMuls that \"int8_only\" names, "
            "and it names none: add \"int8_only\" or remove \"int8_outliers\"."
        )
    onnx_path, head_path = onnx_backend.cached_paths(path, quantize=quantize, only=only, outliers=outliers)
    if not (onnx_path.exists() and head_path.exists()):
        onnx_backend.export(path, quantize=quantize, only=only, outliers=outliers)
    where = base.locate(config["base"]) if config.get("base") else None
    return Predictor(
        onnx_backend.OnnxBackend(onnx_path, head_path, prepack=quantize),
        load_tokenizer(path, where),
        settings_of(config),
    )


def _views(path: Path, config: dict[str, Any], settings: Settings) -> list[int]:
    """Views per member of a fused folder: its `"views"` list (1 or 2 each: a second,
    shifted view where it pays for its cost), else the whole's `shifted_pass` for all."""
    views = config.get("views")
    if views is None:
        return [2 if settings.shifted_pass else 1] * len(config["fuse"])
    if len(views) != len(config["fuse"]) or any(v not in (1, 2) for v in views):
        raise ModelNotFoundError(f"{path}/config.json: \"views\" needs 1 or 2 for each of its members.")
    return list(views)


def load_predictor(path: Path, *, backend: str = "auto") -> tuple[Predictor, dict[str, Any]]:
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}: expected one of {', '.join(BACKENDS)}.")
    config = _config(path)
    if backend == "auto" and config.get("backend") in BACKENDS:
        backend = config["backend"]  # a model may ask for a backend (MPNet: int8 costs too much)
    if config.get("fuse"):
        from unspin.models.fusion import FusedPredictor

        members = [load_predictor(path / name, backend=backend)[0] for name in config["fuse"]]
        settings = settings_of(config, members[0].settings)
        for member, views in zip(members, _views(path, config, settings), strict=True):
            member.settings.shifted_pass = views == 2  # each member encodes its own views
        return FusedPredictor(
            members, settings, config.get("weights"), config.get("technique_weights")
        ), config  # type: ignore[return-value]
    if backend != "torch":
        try:
            return _onnx_predictor(path, config, quantize=backend != "onnx-fp32"), config
        except ModelNotFoundError:
            raise
        except Exception as err:  # export needs torch's ONNX exporter; fall back to torch
            if backend != "auto":
                raise
            log.warning("ONNX backend unavailable (%s); using torch.", err)
    from unspin.models import artifact
    from unspin.models.torch_backend import TorchBackend

    net, tokenizer, settings, config = artifact.load(path)
    return Predictor(TorchBackend(net), tokenizer, settings), config
