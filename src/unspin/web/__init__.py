"""The web app and HTTP API: `create_app()` builds a FastAPI app around an `Analyzer`.

FastAPI, Jinja2 and friends come with the `web` extra (`pip install unspin[web]`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from unspin.web.app import create_app

        return create_app
    if name == "WebSettings":
        from unspin.web.settings import WebSettings

        return WebSettings
    raise AttributeError(name)
