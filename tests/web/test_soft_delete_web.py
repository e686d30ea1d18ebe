"""A delete over real HTTP is soft (issue 31): the analysis vanishes from every page, API
answer, export and count at once, the audit log says who deleted it, and it stays in the
database until `purge`; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.web import WebSettings, create_app


@pytest.fixture
def store(any_url: str) -> Iterator[Any]:
    from unspin.store import Store

    s = Store.open(any_url)
    yield s
    s.close()


def test_a_deleted_analysis_vanishes_everywhere_until_purged(fake: FakeAnalyzer, store: Any) -> None:
    app = create_app(fake, store=store, settings=WebSettings(auth="off", reviewer="desk", queue_size=8))
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        gone = c.post("/api/analyze", json={"text": ARTICLE, "title": "Gone"}).json()["id"]
        kept = c.post("/api/analyze", json={"text": ARTICLE + " Kept.", "title": "Kept"}).json()["id"]
        review = f"/api/analyses/{gone}/review"
        assert c.post(review, json={"action": "accept", "span": "m0"}).status_code == 200
        assert c.delete(f"/api/analyses/{gone}").json() == {"ok": True, "deleted": gone}
        assert c.delete(f"/api/analyses/{gone}").status_code == 404
        for path in (f"/a/{gone}", f"/a/{gone}.json", f"/api/analyses/{gone}", f"/api/analyses/{gone}/review",
                     f"/a/{gone}/labels.txt"):
            assert c.get(path).status_code == 404, path
        assert c.post(review, json={"action": "reject", "span": "m0"}).status_code == 404
        listed = c.get("/api/analyses").json()
        assert listed["total"] == 1 and [i["id"] for i in listed["items"]] == [kept]
        assert c.get("/history.json").json()["total"] == 1
        assert c.get("/history.json", params={"q": "Gone"}).json()["total"] == 0
        exported = c.get("/history/export.jsonl").text.splitlines()
        assert [json.loads(line)["id"] for line in exported] == [kept]
        chosen = c.get("/history/export.jsonl", params={"id": [gone, kept]}).text.splitlines()
        assert [json.loads(line)["id"] for line in chosen] == [kept]
        assert c.get("/api/agreement").json()["articles"] == 0
    log = store.audit_log(action="delete")  # GET /api/audit needs accounts on: see test_auth
    assert [(e["action"], e["target"], e["detail"]["title"]) for e in log] == [("delete", gone, "Gone")]
    assert store.deleted_count() == 1  # still in the database, hidden
    assert store.purge() == {"analyses": 1, "documents": 1} and store.deleted_count() == 0
