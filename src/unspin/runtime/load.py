"""Build a `Predictor` for a model folder with the best available backend.

`auto` uses the cached int8 ONNX export when present (fast to load, no torch import),
exports it on first use when torch is available, and falls back to torch otherwise; a
model whose config.json names a `backend` gets that one under `auto`. A config's
`"int8_only"` limits int8 to the weight MatMuls whose names contain one of its strings (the
shipped MPNet model: `["/attention/"]`, because int8 everywhere costs it 12 SI points);
`"int8_outliers"` keeps a few input channels of those MatMuls fp32 (`quantize`). A folder whose config
has `"fuse": [...]` is a fused ensemble of the member folders it names (see `fusion`),
each encoding the number of views its `"views"` entry gives.

A model's config lists the techniques it labels, in its output order: PTC's 14, or an
adapted model's own list (`technique_info` gives their display names and definitions), which
loading registers with `unspin.taxonomy`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from unspin import taxonomy
from unspin.config import BACKENDS
from unspin.errors import ModelNotFoundError
from unspin.runtime.folder import ModelFolder
from unspin.runtime.predictor import Predictor
from unspin.runtime.settings import Settings

log = logging.getLogger(__name__)


def _folder(path: Path) -> ModelFolder:
    """The folder, its techniques made known to `taxonomy` (an adapted model's own list)."""
    folder = ModelFolder.read(path)
    taxonomy.register(folder.technique_info())
    return folder


def _onnx_predictor(folder: ModelFolder, *, quantize: bool, threads: int | None = None) -> Predictor:
    from unspin.runtime import bases
    from unspin.runtime.backends import onnx as onnx_backend
    from unspin.runtime.export.onnx import export
    from unspin.runtime.windows import load_tokenizer

    config, path = folder.config, folder.path
    only = tuple(config.get("int8_only", ())) if quantize else ()
    outliers = config.get("int8_outliers") if only else None
    onnx_path, head_path = onnx_backend.cached_paths(path, quantize=quantize, only=only, outliers=outliers)
    if not (onnx_path.exists() and head_path.exists()):
        export(path, quantize=quantize, only=only, outliers=outliers)
    where = bases.locate(config["base"]) if config.get("base") else None
    backend = onnx_backend.OnnxBackend(onnx_path, head_path, threads=threads, prepack=quantize)
    if backend.head["w2"].shape[0] != len(folder.techniques):
        raise ModelNotFoundError(
            f"{path}/config.json: \"techniques\" lists {len(folder.techniques)} techniques but the "
            f"model labels {backend.head['w2'].shape[0]}."
        )
    return Predictor(
        backend,
        load_tokenizer(path, where),
        folder.settings(),
        techniques=folder.techniques,
    )


def _views(folder: ModelFolder, settings: Settings) -> list[int]:
    """Views per member of a fused folder: its `"views"` list (1 or 2 each: a second,
    shifted view where it pays for its cost), else the whole's `shifted_pass` for all."""
    views = folder.config.get("views")
    return list(views) if views is not None else [2 if settings.shifted_pass else 1] * len(folder.members)


def load_predictor(
    path: Path, *, backend: str = "auto", threads: int | None = None
) -> tuple[Predictor, dict[str, Any]]:
    """The predictor for the model folder `path` and its config; `threads`: inference threads
    (None: `threads.inference_threads()`)."""
    if backend not in BACKENDS:
        raise ValueError(f"Unknown backend {backend!r}: expected one of {', '.join(BACKENDS)}.")
    folder = _folder(Path(path))
    config = folder.config
    if backend == "auto" and config.get("backend") in BACKENDS:
        backend = config["backend"]  # a model may ask for a backend (MPNet: int8 costs too much)
    if folder.is_fused:
        from unspin.runtime.fusion import FusedPredictor

        members = [load_predictor(m, backend=backend, threads=threads)[0] for m in folder.members]
        if len({m.techniques for m in members}) > 1:
            raise ModelNotFoundError(f"{path}: the members of a fused model must label the same techniques.")
        settings = folder.settings(members[0].settings)
        for member, views in zip(members, _views(folder, settings), strict=True):
            member.settings.shifted_pass = views == 2  # each member encodes its own views
        return FusedPredictor(
            members, settings, config.get("weights"), config.get("technique_weights")
        ), config  # type: ignore[return-value]
    if backend != "torch":
        try:
            return _onnx_predictor(folder, quantize=backend != "onnx-fp32", threads=threads), config
        except ModelNotFoundError:
            raise
        except Exception as err:  # export needs torch's ONNX exporter; fall back to torch
            if backend != "auto":
                raise
            log.warning("ONNX backend unavailable (%s); using torch.", err)
    from unspin.runtime.backends import weights
    from unspin.runtime.backends.torch import TorchBackend

    net, tokenizer, settings, config = weights.load(path)
    backend_ = TorchBackend(net, threads=threads)
    return Predictor(backend_, tokenizer, settings, techniques=folder.techniques), config
