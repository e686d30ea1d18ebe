"""Model folders for the apps (the web app's models list and its "Adapt the model" job): the
one public way in to what a folder says and to `adapt`, so the apps never import the model
packages themselves (tests/test_layering.py). Training is imported only when asked for."""

from __future__ import annotations

from typing import Any

from unspin.runtime.folder import ModelFolder
from unspin.runtime.provenance import saw_report

__all__ = ["ModelFolder", "adapt", "saw_report"]  # and AdaptArguments, imported when asked for


def adapt(args: Any, **kwargs: Any) -> dict[str, Any]:
    """`unspin.training.adapt.adapt` (imports torch)."""
    from unspin.training.adapt import adapt as run

    return run(args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "AdaptArguments":
        from unspin.training.adapt import AdaptArguments

        return AdaptArguments
    raise AttributeError(name)
