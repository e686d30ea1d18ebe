"""The corpus dashboard: page and JSON twins agree, every chart has a spec and rows, drill-down works."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from store_fixtures import make_analysis, make_doc

from unspin.store import Store
from unspin.web import WebSettings, create_app
from unspin.web.routes import dashboard

NC, FW = "Name_Calling,Labeling", "Flag-Waving"


@pytest.fixture
def client(sqlite_url: str) -> Any:
    store = Store.open(sqlite_url)
    texts = [("The traitors lied again.", "A", "2024-01-05", [("traitors", NC)]),
             ("Our glorious nation, you traitors!", "B", "2024-03-01",
              [("glorious nation", FW), ("traitors", NC)]),
             ("Nothing to see.", "B", "2024-03-02", [])]
    store.add_documents([make_doc(t, source=s, published=p) for t, s, p, _ in texts])
    docs = {d.text: d for d in store.pending("m1")}
    store.save_batch([make_analysis(docs[t], found) for t, _, _, found in texts])
    app = create_app(None, store=store, settings=WebSettings())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_page_and_twin(client: Any) -> None:
    twin = client.get("/corpus.json?bucket=month").json()
    assert twin["ok"] and twin["overview"]["documents"] == 3
    assert set(twin["charts"]) == set(dashboard.CHARTS)
    for name, chart in twin["charts"].items():
        assert chart["rows"], name
        assert chart["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert chart["spec"]["data"]["values"] == chart["rows"]
        alone = client.get(chart["json"]).json()
        assert alone["rows"] == chart["rows"] and alone["spec"] == chart["spec"]
    page = client.get("/corpus?bucket=month")
    assert page.status_code == 200
    for name in dashboard.CHARTS:
        assert f'id="spec-{name}"' in page.text
    assert "/static/vendor/vega.min.js" in page.text and "cdn" not in page.text.lower()


def test_filters_and_errors(client: Any) -> None:
    only_b = client.get("/corpus.json", params={"source": "B"}).json()
    assert only_b["overview"]["documents"] == 2
    march = client.get("/corpus.json", params={"start": "2024-03-01", "end": "2024-03-31"}).json()
    assert march["overview"]["documents"] == 2
    bad = client.get("/corpus.json", params={"start": "March"})
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert client.get("/corpus/charts/pie.json").status_code == 404


def test_drill_down(client: Any) -> None:
    found = client.get("/corpus/documents.json", params={"source": "B", "focus": NC}).json()
    assert found["total"] == 1 and found["documents"][0]["source"] == "B"
    both = client.get("/corpus/documents.json", params=[("focus", NC), ("with", NC), ("with", FW)]).json()
    assert both["total"] == 1
    week = client.get("/corpus/documents.json",
                      params={"bucket": "month", "bucket_start": "2024-03-01"}).json()
    assert week["total"] == 2
    page = client.get("/corpus/documents", params={"focus": NC})
    assert page.status_code == 200
    assert f'href="/a/{found["documents"][0]["analysis_id"]}"' in page.text


def test_vendored_js_is_served(client: Any) -> None:
    for name in ("vendor/vega.min.js", "vendor/vega-lite.min.js", "vendor/vega-embed.min.js", "dashboard.js"):
        assert client.get(f"/static/{name}").status_code == 200


def test_without_a_database() -> None:
    from unspin.web.memstore import MemoryStore

    app = create_app(None, store=MemoryStore(), settings=WebSettings())
    with TestClient(app, raise_server_exceptions=False) as c:
        answer = c.get("/corpus.json")
    assert answer.status_code == 404 and "needs a database" in answer.json()["error"]


def test_source_links_are_only_http(sqlite_url: str) -> None:
    import re

    store = Store.open(sqlite_url)
    urls = ["javascript:alert(document.cookie)", " JaVa\tScRiPt:alert(1)",
            "data:text/html,<script>x</script>", "vbscript:msgbox(1)", "https://news.example/story",
            "//evil.example/x"]
    store.add_documents([make_doc(f"The traitors lied again, story {i}.", source="A", url=u,
                                  published="2024-01-05") for i, u in enumerate(urls)])
    store.save_batch([make_analysis(d, [("traitors", NC)]) for d in store.pending("m1")])
    app = create_app(None, store=store, settings=WebSettings())
    with TestClient(app) as c:
        page = c.get("/corpus/documents", params={"focus": NC}).text
        found = c.get("/corpus/documents.json", params={"focus": NC}).json()["documents"]
    links = re.findall(r'href="([^"]*)"[^>]*>source<', page)
    assert links == ["https://news.example/story"]
    assert sorted(str(d["link"]) for d in found) == ["None"] * 5 + ["https://news.example/story"]
