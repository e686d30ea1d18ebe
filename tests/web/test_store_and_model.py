"""The app on the real store (SQLite in a temporary folder) and on the tiny model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unspin.web import WebSettings, create_app

ARTICLE = "The radical left mob staged a shameful, disgusting betrayal of our great nation. " * 5


def test_permalinks_survive_a_restart_with_sqlite(tmp_path: Path, fake: Any) -> None:
    pytest.importorskip("sqlalchemy")
    settings = WebSettings(db=str(tmp_path / "web.db"))
    with TestClient(create_app(fake, settings=settings)) as c:
        body = c.post("/api/analyze", json={"text": ARTICLE, "title": "Rally"}).json()
        aid = body["id"]
    with TestClient(create_app(fake, settings=settings)) as c:
        again = c.get(f"/api/analyses/{aid}").json()
        assert again["spans"] == body["spans"] and again["text"] == ARTICLE
        assert again["meta"].get("title") == "Rally"
        assert c.get(f"/a/{aid}", headers={"Accept": "text/html"}).status_code == 200
        assert "sqlite" in c.get("/api/health").json()["store"]


def test_tiny_model_end_to_end(tiny_analyzer: Any) -> None:
    with TestClient(create_app(tiny_analyzer, settings=WebSettings())) as c:
        body = c.post("/api/analyze", json={"text": ARTICLE, "threshold": 0.0}).json()
        assert body["model"] == "tiny-random"
        for s in body["spans"]:
            assert ARTICLE[s["start"]:s["end"]] == s["text"]
        page = c.get(body["links"]["page"], headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.text.count('class="hl on') >= (1 if body["spans"] else 0)


def test_lazy_loading_from_env(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNSPIN_MODEL", str(tiny_model_dir))
    with TestClient(create_app(settings=WebSettings())) as c:
        assert c.get("/api/health").json()["model_loaded"] is False
        assert c.post("/api/analyze", json={"text": "Hello there."}).status_code == 200
        assert c.get("/api/health").json()["model"] == "tiny-random"
