"""Build a `Predictor` for a model folder with the best available backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unspin.models.predictor import Predictor


def load_predictor(path: Path, *, backend: str = "auto") -> tuple[Predictor, dict[str, Any]]:
    from unspin.models import artifact
    from unspin.models.torch_backend import TorchBackend

    net, tokenizer, settings, config = artifact.load(path)
    return Predictor(TorchBackend(net), tokenizer, settings), config
