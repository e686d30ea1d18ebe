"""The review desk without a browser (issue 30): titles for untitled texts, history rows with
time, outlet and snippet, search by outlet, and an upload never showing another input's URL."""

from __future__ import annotations

import time
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


def test_form_errors_keep_the_input_and_read_like_sentences(client: Any) -> None:
    text = "Line one\r\nLine two of the article."
    for action in ("/analyze", "/jobs"):
        r = client.post(action, data={"text": text, "url": "https://example.com/a", "title": "Mine",
                                      "threshold": "0.4"}, headers=HTML)
        assert r.status_code == 400 and "text/html" in r.headers["content-type"]
        assert ('<p class="error" role="alert" id="form-error">Give only one thing to analyze: you gave an '
                'article text and a URL. Clear all but one of them.</p>') in r.text
        assert "|" not in r.text.split('id="form-error">')[1].split("</p>")[0]
        assert 'placeholder="Paste the article here">Line one\nLine two of the article.</textarea>' in r.text
        assert 'value="https://example.com/a"' in r.text and 'value="Mine"' in r.text
        assert 'value="0.4"' in r.text
    r = client.post("/compare", data={"text_a": "Side A text.", "url_b": ""}, headers=HTML)
    assert r.status_code == 400
    assert "Nothing to analyze for article B: give an article text, a URL or a file." in r.text
    assert ">Side A text.</textarea>" in r.text
    r = client.post("/api/analyze", json={"text": "x", "url": "https://example.com/a"})
    assert r.json()["error"] == (
        "Give only one thing to analyze: you gave an article text and a URL. Send one of "
        "an article text, a URL or an HTML page (the JSON field `text`, `url` or `html`).")


def test_a_refused_address_says_how_to_allow_an_intranet(client: Any) -> None:
    error = client.post("/api/analyze", json={"url": "http://10.1.2.3/story"}).json()["error"]
    assert "private address" in error and "`unspin serve --fetch-allow-network 10.0.0.0/8`" in error
    page = client.post("/analyze", data={"url": "http://10.1.2.3/story"}, headers=HTML).text
    assert "--fetch-allow-network" in page and 'value="http://10.1.2.3/story"' in page


def test_serve_has_the_fetch_allow_network_option() -> None:
    from typer.testing import CliRunner

    from unspin.cli.main import app

    out = CliRunner().invoke(app, ["serve", "--help"], terminal_width=200).output
    assert "--fetch-allow-network" in out and "10.0.0.0/8" in out
    with pytest.raises(Exception, match="not a network"):
        WebSettings(fetch_allow_networks=("intranet",))


def test_a_starting_job_does_not_say_0_of_0_and_numbers_have_separators() -> None:
    from web_fakes import FakeAnalyzer

    slow = FakeAnalyzer(delay=1.5)  # sleeps after the runner's progress(0, 0), before any window
    with TestClient(create_app(slow, settings=WebSettings()), raise_server_exceptions=False) as c:
        text = "The committee met on Tuesday and adjourned. " * 2000
        r = c.post("/jobs", data={"text": text, "title": "Long"}, follow_redirects=False)
        page = c.get(r.headers["location"], headers=HTML).text
        assert "14,000 words." in page
        assert '<p class="job-status" aria-live="polite">Starting…</p>' in page and "0 of 0" not in page
        deadline = time.monotonic() + 20
        while c.get(r.headers["location"] + ".json").json()["job"]["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        result = c.get(r.headers["location"] + ".json").json()["job"]["links"]["result"]
        assert "<dt>Words</dt><dd>14,000</dd>" in c.get(result, headers=HTML).text


def test_compare_and_report_show_review_status(client: Any) -> None:
    text = "The radical left mob staged a shameful, disgusting betrayal of our great nation."
    a = client.post("/api/analyze", json={"text": text, "title": "A"}).json()["id"]
    b = client.post("/api/analyze", json={"text": "Everybody knows the truth.", "title": "B"}).json()["id"]
    spans = {s["text"]: s for s in client.get(f"/api/analyses/{a}/review").json()["spans"]}
    client.post(f"/api/analyses/{a}/review", json={"action": "reject", "span": spans["disgusting"]["key"],
                                                   "reviewer": "Ana"})
    client.post(f"/api/analyses/{a}/reviewed", json={"reviewer": "Ana"})
    page = client.get("/compare", params={"a": a, "b": b}, headers=HTML).text
    assert '<span class="reviewed-badge">Reviewed by Ana, ' in page
    assert "Not reviewed: the model's spans, unchecked" in page
    report = client.get(f"/a/{a}/report.html").text
    assert "Reviewed by Ana" in report and "The spans are the reviewer's version" in report
    assert "<td>rejected" not in report and "disgusting</td>" not in report  # the rejected span is gone
    assert "<td>confirmed (reviewed article)</td>" in report
