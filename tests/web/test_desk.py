"""The review desk without a browser (issue 30): titles for untitled texts, history rows with
time, outlet and snippet, search by outlet, and an upload never showing another input's URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unspin.web import WebSettings, create_app
from unspin.web.inputs import derived_title

HTML = {"Accept": "text/html"}
BODY = ("<p>The radical left mob staged a shameful, disgusting betrayal of our great nation, "
        "said the speaker to a crowd of several hundred people on Sunday afternoon.</p>"
        "<p>Officials declined to comment on the speech or on the size of the crowd that came.</p>")
PAGE = ("<html><head><title>Rally speech</title><meta property='og:site_name' content='Daily Bugle'>"
        "{link}</head><body><article><h1>Rally speech</h1>" + BODY + "</article></body></html>")


@pytest.fixture(params=["memory", "sqlite"])
def client(request: pytest.FixtureRequest, fake: Any, tmp_path: Path) -> Any:
    if request.param == "memory":
        app = create_app(fake, settings=WebSettings())
    else:
        pytest.importorskip("sqlalchemy")
        app = create_app(fake, settings=WebSettings(db=str(tmp_path / "desk.db")))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_derived_titles() -> None:
    headline = "Mayor quits after vote"
    assert derived_title(headline + "\n\nThe mayor resigned on Monday.") == headline
    assert derived_title("The mayor resigned on Monday after a long and bitter vote in the council.") == \
        "The mayor resigned on Monday after a long…"
    assert derived_title("The mayor resigned.\nMore follows.") == "The mayor resigned. More follows."
    assert derived_title("Short text") == "Short text"
    assert derived_title("  \n ") is None


def test_untitled_texts_get_titles_and_rows_show_time_and_snippet(client: Any) -> None:
    pasted = client.post("/analyze", data={"text": "Mayor quits after vote\r\n\r\nThe mayor resigned."},
                         follow_redirects=False)
    assert pasted.status_code == 303
    page = client.get(pasted.headers["location"], headers=HTML).text
    assert "<h1>Mayor quits after vote</h1>" in page and "Untitled" not in page
    upload = client.post("/analyze", files={"file": ("note.txt", b"The council met on Tuesday and "
                                                                 b"adjourned without a vote on the budget.")},
                         follow_redirects=False)
    assert upload.status_code == 303
    items = client.get("/api/analyses").json()["items"]
    assert [i["title"] for i in items] == ["The council met on Tuesday and adjourned without…",
                                          "Mayor quits after vote"]
    assert items[1]["snippet"] == "Mayor quits after vote The mayor resigned."
    history = client.get("/history", headers=HTML).text
    assert "Untitled" not in history
    assert items[0]["created"][11:16] + " UTC" in history  # the time, not only the date
    snippet = "The council met on Tuesday and adjourned without a vote on the budget."
    assert f'<p class="snippet small">{snippet}</p>' in history


def test_search_finds_the_outlet(client: Any) -> None:
    r = client.post("/api/analyze", json={"html": PAGE.format(link="")})
    assert r.status_code == 200 and r.json()["meta"]["sitename"] == "Daily Bugle"
    client.post("/api/analyze", json={"text": "A calm report.", "title": "Calm"})
    found = client.get("/api/analyses", params={"q": "bugle"}).json()
    assert found["total"] == 1 and found["items"][0]["outlet"] == "Daily Bugle"
    assert '<span class="outlet">Daily Bugle</span>' in client.get("/history", params={"q": "bugle"},
                                                                    headers=HTML).text


def test_an_upload_does_not_show_the_url_of_an_earlier_input(client: Any) -> None:
    link = "<link rel='canonical' href='https://news.example/rally'>"
    first = client.post("/api/analyze", json={"html": PAGE.format(link=link)}).json()
    assert first["meta"]["url"] == "https://news.example/rally"
    r = client.post("/analyze", files={"file": ("rally.html", PAGE.format(link="").encode())},
                    follow_redirects=False)
    aid = r.headers["location"].rsplit("/", 1)[1]
    record = client.get(f"/a/{aid}.json").json()
    assert record["analysis"]["text"] == first["text"]  # the same stored text
    assert record["source"]["url"] is None and record["source"]["input"] == "rally.html"
    assert "news.example" not in client.get(f"/a/{aid}", headers=HTML).text
    assert [i["url"] for i in client.get("/api/analyses").json()["items"]] == [None, "https://news.example/rally"]
