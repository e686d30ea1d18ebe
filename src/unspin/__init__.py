"""unspin: find, name and explain propaganda techniques in text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unspin.offline import telemetry_off

telemetry_off()  # before anything imports onnxruntime, Ray or huggingface_hub

__version__ = "0.1.0"

if TYPE_CHECKING:
    from unspin.doc import Analysis, Document, Span
    from unspin.pipeline import Analyzer


def load(name_or_path: Any = None, **kwargs: Any) -> Analyzer:
    """Load an `Analyzer` (the shipped model unless a model folder is given)."""
    from unspin.pipeline import load as _load

    return _load(name_or_path, **kwargs)


__all__ = ["Analysis", "Analyzer", "Document", "Span", "__version__", "load"]


def __getattr__(name: str) -> Any:
    if name in {"Analysis", "Document", "Span"}:
        from unspin import doc

        return getattr(doc, name)
    if name == "Analyzer":
        from unspin.pipeline import Analyzer

        return Analyzer
    raise AttributeError(name)
