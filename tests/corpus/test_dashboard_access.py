"""The dashboard for everyone (issue 30 item 9): drilling into "(no source)" lists only the
documents without one, pages say technique names as people read them, stacked bars carry
technique tags (not colour alone), and every chart mark has a link a keyboard can reach."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from store_fixtures import make_analysis, make_doc

from unspin.store import Store
from unspin.web import WebSettings, create_app

NC, FW, FE = "Name_Calling,Labeling", "Flag-Waving", "Appeal_to_fear-prejudice"
HTML = {"Accept": "text/html"}


@pytest.fixture
def client(sqlite_url: str) -> Any:
    store = Store.open(sqlite_url)
    texts = [("The traitors lied again.", "A", "2024-01-05", [("traitors", NC)]),
             ("Our glorious nation, you traitors!", None, "2024-03-01",
              [("glorious nation", FW), ("traitors", NC)]),
             ("Fear the traitors at the gate.", None, "2024-03-02", [("Fear", FE)])]
    store.add_documents([make_doc(t, **({"source": s} if s else {}), published=p) for t, s, p, _ in texts])
    docs = {d.text: d for d in store.pending("m1")}
    store.save_batch([make_analysis(docs[t], found) for t, _, _, found in texts])
    app = create_app(None, store=store, settings=WebSettings())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_no_source_drill_down_lists_only_documents_without_one(client: Any) -> None:
    mix = client.get("/corpus/charts/mix.json").json()
    [row] = [r for r in mix["rows"] if r["source"] == "(no source)" and r["technique"] == NC]
    assert parse_qs(urlsplit(row["drill"]).query)["source"] == ["(no source)"]
    found = client.get(row["drill"].replace("/corpus/documents?", "/corpus/documents.json?")).json()
    assert found["total"] == 1 and found["documents"][0]["source"] is None
    everything = client.get("/corpus/documents.json", params={"focus": NC}).json()
    assert everything["total"] == 2  # without the source filter: A's one too


def test_documents_page_says_names_and_counts_like_people(client: Any) -> None:
    page = client.get("/corpus/documents", params=[("focus", FE), ("with", FE)], headers=HTML).text
    lead = page.split('<p class="lead">')[1].split("<a ")[0]
    assert " ".join(lead.split()) == "1 document with Appeal to fear or prejudice."
    both = client.get("/corpus/documents", params=[("focus", NC), ("with", NC), ("with", FW)],
                      headers=HTML).text
    lead = " ".join(both.split('<p class="lead">')[1].split("<a ")[0].split())
    assert lead == "1 document with Name calling / labeling that also contains Flag-waving."
    shown = re.sub(r"<[^>]+>", " ", page)  # the words on the page, not the links' addresses
    assert "Appeal_to_fear" not in shown and "Name_Calling" not in re.sub(r"<[^>]+>", " ", both)


def test_bars_carry_tags_and_every_row_links_its_documents(client: Any) -> None:
    twin = client.get("/corpus.json").json()
    mix = twin["charts"]["mix"]["spec"]
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in mix["layer"]]
    assert marks == ["bar", "text"]
    assert mix["layer"][1]["encoding"]["text"]["condition"]["field"] == "technique_tag"
    assert {r["technique_tag"] for r in twin["charts"]["mix"]["rows"]} == {"NC", "FW", "FE"}
    assert "shape" in twin["charts"]["trend"]["spec"]["encoding"]
    page = client.get("/corpus", headers=HTML).text
    rows = sum(len(c["rows"]) for c in twin["charts"].values())
    assert page.count(">documents</a></td>") == rows
    first = twin["charts"]["cooccurrence"]["rows"][0]["drill"]
    assert f'<a href="{first.replace("&", "&amp;")}">documents</a>' in page
    assert client.get(first).status_code == 200
