"""docs/web.md documents every route, every setting and every `unspin serve` option."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from unspin.web.settings import ENV_PREFIX, WebSettings

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def app_routes(app: Any) -> list[Any]:
    """Every route of the app, those of included routers too (FastAPI nests them)."""
    found: list[Any] = []

    def walk(items: Any) -> None:
        for route in items:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "path"):
                found.append(route)

    walk(app.routes)
    return found


def test_every_route_is_documented(app: Any) -> None:
    text = DOC.read_text(encoding="utf-8")
    routes = [r for r in app_routes(app) if not getattr(r, "path", "").startswith("/static")]
    assert len(routes) > 30 and {"/api/analyze", "/api/jobs", "/history"} <= {r.path for r in routes}
    for route in routes:
        path = route.path
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
