"""docs/web.md documents every route, every setting and every `unspin serve` option."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from unspin.web.settings import ENV_PREFIX, WebSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_every_route_is_documented(app: Any) -> None:
    text = DOC.read_text(encoding="utf-8")
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/static"):
            continue
        methods = getattr(route, "methods", None) or {"GET"}
        for method in methods - {"HEAD"}:
            shown = re.sub(r"\{[^}]+\}", "{id}", path) if path.startswith("/a/") else path
            assert f"{method} {shown}" in text, f"{method} {path} is not in docs/web.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for field in dataclasses.fields(WebSettings):
        assert f"`{field.name}`" in text, field.name
        assert ENV_PREFIX + field.name.upper() in text, field.name


def test_every_serve_option_is_documented() -> None:
    import typer.main

    from unspin.cli.main import app

    text = DOC.read_text(encoding="utf-8")
    command = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}`" in text, opt
