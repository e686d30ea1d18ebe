"""History: list, search, delete, bulk export, compare from history, send to the corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_api import ARTICLE, assert_error

from unspin.web import WebSettings, create_app

HTML = {"Accept": "text/html"}
CALM = "The council met on Tuesday. Officials declined to comment on the budget."


def save(client: Any, text: str, title: str | None = None) -> str:
    r = client.post("/api/analyze", json={"text": text, **({"title": title} if title else {})})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def check_history(c: Any) -> None:
    rally = save(c, ARTICLE, "Rally speech")
    calm = save(c, CALM, "Council minutes")
    listed = c.get("/api/analyses").json()
    assert listed["total"] == 2 and [i["id"] for i in listed["items"]] == [calm, rally]
    top = listed["items"][1]
    assert top["title"] == "Rally speech" and top["words"] == 23 and top["spans"] == 5
    assert top["techniques"][0]["count"] == 1 and len(top["techniques"]) == 3
    assert 0 < top["density"] < 1 and listed["items"][0]["spans"] == 0
    assert [i["id"] for i in c.get("/api/analyses", params={"q": "rally"}).json()["items"]] == [rally]
    assert [i["id"] for i in c.get("/api/analyses", params={"q": "BUDGET"}).json()["items"]] == [calm]
    assert c.get("/api/analyses", params={"q": "100%_"}).json()["total"] == 0

    page = c.get("/history", headers=HTML)
    assert page.status_code == 200 and "Rally speech" in page.text and "Council minutes" in page.text
    assert c.get("/history.json", params={"q": "council"}).json()["total"] == 1

    lines = c.get("/history/export.jsonl", params=[("id", rally), ("id", calm)]).text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [rally, calm]
    everything = c.get("/history/export.jsonl").text.splitlines()
    assert len(everything) == 2 and json.loads(everything[0])["text"] == CALM

    r = c.get("/compare", params=[("id", rally), ("id", calm)], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/compare?a={rally}&b={calm}"
    assert_error(c.get("/compare.json", params=[("id", rally)]), 400)
    compare = c.get(r.headers["location"], headers=HTML)
    assert "<title>Compare: Rally speech / Council minutes · unspin</title>" in compare.text
    analysis = c.get(f"/a/{rally}", headers=HTML).text
    assert "<title>Rally speech · unspin</title>" in analysis
    assert f'<option value="{calm}">Council minutes' in analysis  # compare with… from history

    assert c.delete(f"/api/analyses/{calm}").json() == {"ok": True, "deleted": calm}
    assert_error(c.get(f"/api/analyses/{calm}"), 404)
    assert_error(c.delete(f"/api/analyses/{calm}"), 404)
    assert c.get("/api/analyses").json()["total"] == 1
    r = c.post("/history/delete", data={"id": [rally]}, follow_redirects=False)
    assert r.status_code == 303 and c.get("/api/analyses").json()["total"] == 0


def test_history_in_memory(sync_client: Any) -> None:
    check_history(sync_client)


def test_history_on_sqlite(tmp_path: Path, fake: Any) -> None:
    pytest.importorskip("sqlalchemy")
    with TestClient(create_app(fake, settings=WebSettings(db=str(tmp_path / "h.db")))) as c:
        check_history(c)


def test_send_to_corpus(tmp_path: Path, fake: Any, sync_client: Any) -> None:
    aid = save(sync_client, ARTICLE)
    assert_error(sync_client.post(f"/api/analyses/{aid}/corpus"), 400, "database")
    pytest.importorskip("sqlalchemy")
    from unspin.store import Store

    db = str(tmp_path / "c.db")
    with TestClient(create_app(fake, settings=WebSettings(db=db))) as c:
        aid = save(c, ARTICLE, "Rally")
        body = c.post(f"/api/analyses/{aid}/corpus").json()
        assert body["ok"] and body["added"] is True and body["model"] == "fake-rules"
        assert c.post(f"/api/analyses/{aid}/corpus").json()["added"] is False  # once only
        assert c.get("/api/analyses").json()["items"][0]["in_corpus"] is True
        assert_error(c.post("/api/analyses/nope/corpus"), 404)
    with Store.open(db) as store:
        assert store.document_count() == 1 and store.pending_count("fake-rules") == 0
        assert store.models()[0]["documents"] == 1


def test_hostile_titles_are_escaped(sync_client: Any) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    aid = save(sync_client, ARTICLE, hostile)
    for url in ("/history", f"/a/{aid}", f"/compare?a={aid}&b={aid}"):
        page = sync_client.get(url, headers=HTML).text
        assert "<script>alert(1)" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_try_an_example(sync_client: Any) -> None:
    page = sync_client.get("/", headers=HTML).text
    assert 'class="try-example"' in page and '<template id="example-text">Corrupt Elites' in page
    filled = sync_client.get("/?example=1", headers=HTML).text
    assert 'placeholder="Paste the article here">Corrupt Elites Betray Our Nation Again' in filled
    assert 'value="Corrupt Elites Betray Our Nation Again"' in filled
