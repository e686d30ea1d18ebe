"""HTML pages, their JSON twins, the form flow and exports."""

from __future__ import annotations

import json
from typing import Any

from unspin.web.middleware import CSP

ARTICLE = (
    "The radical left mob staged a shameful, disgusting betrayal of our great nation. "
    "Everybody knows the truth about them. Officials declined to comment."
)
HTML = {"Accept": "text/html"}


def saved(client: Any, text: str = ARTICLE, **extra: Any) -> str:
    r = client.post("/api/analyze", json={"text": text, **extra})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def test_index_and_twin(sync_client: Any) -> None:
    page = sync_client.get("/", headers=HTML)
    assert page.status_code == 200 and 'action="/analyze"' in page.text
    assert page.headers["content-security-policy"] == CSP
    twin = sync_client.get("/index.json").json()
    assert twin["ok"] and len(twin["techniques"]) == 14 and twin["limits"]["max_body_bytes"] == 64 * 1024


def test_form_paste_redirects_to_permalink(sync_client: Any) -> None:
    r = sync_client.post("/analyze", data={"text": ARTICLE, "threshold": "0.3"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/a/")
    page = sync_client.get(r.headers["location"], headers=HTML)
    assert page.status_code == 200
    assert page.text.count('class="hl on') >= 4
    assert "Everybody knows" in page.text  # below the form threshold? 0.25 < 0.3: not highlighted
    assert "Bandwagon" not in page.text.split('id="data-main"')[1].split("</script>")[0]


def test_form_upload_txt_and_html(sync_client: Any) -> None:
    r = sync_client.post("/analyze", files={"file": ("story.txt", ARTICLE.encode(), "text/plain")},
                         follow_redirects=False)
    assert r.status_code == 303
    record = sync_client.get(r.headers["location"] + ".json").json()["analysis"]
    assert record["text"] == ARTICLE and record["meta"]["source"] == "story.txt"
    page = ("<html><body><article>" + "".join(f"<p>{ARTICLE} Part {i} went on for a long while that day.</p>"
                                              for i in range(3)) + "</article></body></html>")
    r = sync_client.post("/analyze", files={"file": ("story.html", page.encode(), "text/html")},
                         follow_redirects=False)
    assert r.status_code == 303
    assert "<p>" not in sync_client.get(r.headers["location"] + ".json").json()["analysis"]["text"]


def test_form_errors_render_html_pages(sync_client: Any) -> None:
    r = sync_client.post("/analyze", data={"text": "  "}, headers=HTML)
    assert r.status_code == 400 and "text/html" in r.headers["content-type"]
    assert "Nothing to analyze" in r.text and 'role="alert"' in r.text
    r = sync_client.post("/analyze", files={"file": ("x.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")},
                         headers=HTML)
    assert r.status_code == 400 and "give a .txt, .html, .pdf or .docx file" in r.text
    r = sync_client.post("/analyze", files={"file": ("x.txt", b"abc\x00\x00\x01", "text/plain")})
    assert r.status_code == 400 and "binary" in r.json()["error"]
    r = sync_client.post("/analyze", files={"file": ("x.txt", b"caf\xe9 \xff", "text/plain")})
    assert r.status_code == 400 and "UTF-8" in r.json()["error"]
    r = sync_client.post("/analyze", data={"text": ARTICLE, "threshold": "high"})
    assert r.status_code == 400 and "threshold" in r.json()["error"]
    r = sync_client.get("/a/nope", headers=HTML)
    assert r.status_code == 404 and "No saved analysis" in r.text


def test_analysis_twin_matches_page(sync_client: Any) -> None:
    aid = saved(sync_client)
    twin = sync_client.get(f"/a/{aid}.json").json()
    assert twin["analysis"]["id"] == aid
    assert [row["count"] for row in twin["legend"]] == sorted((row["count"] for row in twin["legend"]),
                                                              reverse=True)
    assert twin["links"]["report"] == f"/a/{aid}/report.html"
    page = sync_client.get(f"/a/{aid}", headers=HTML).text
    for row in twin["legend"]:
        assert f'data-technique="{row["name"]}"' in page
    assert f'{twin["analysis"]["figures"]["density"] * 100:.1f}%' in page


def test_exports(sync_client: Any) -> None:
    aid = saved(sync_client)
    exported = sync_client.get(f"/a/{aid}/export.json")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.json()["spans"] == sync_client.get(f"/api/analyses/{aid}").json()["spans"]
    labels = sync_client.get(f"/a/{aid}/labels.txt").text.splitlines()
    rows = [line.split("\t") for line in labels]
    assert len(rows) == len(exported.json()["spans"])
    article = sync_client.get(f"/a/{aid}/article.txt").text
    assert article == ARTICLE
    for article_id, technique, start, end in rows:
        assert article_id == aid
        assert any(s["technique"] == technique and s["start"] == int(start) and s["end"] == int(end)
                   for s in exported.json()["spans"])


def test_report_is_standalone(sync_client: Any) -> None:
    aid = saved(sync_client)
    r = sync_client.get(f"/a/{aid}/report.html")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert "script-src" not in r.headers["content-security-policy"]
    assert "default-src 'none'" in r.headers["content-security-policy"]
    html = r.text
    assert "<script" not in html and 'href="/' not in html and 'src="/' not in html
    assert "<style>" in html and ".t8{" in html  # technique colors inlined
    assert 'title="Loaded language, 91%: shameful, disgusting betrayal' in html


def test_compare(sync_client: Any) -> None:
    a = saved(sync_client)
    b = saved(sync_client, "Everybody knows it. Quiet day otherwise, with nothing loaded in it at all.")
    twin = sync_client.get(f"/compare.json?a={a}&b={b}").json()
    assert twin["a"]["analysis"]["id"] == a and twin["b"]["analysis"]["id"] == b
    assert twin["scale"]["max"] == max(max(r["a"], r["b"]) for r in twin["profile"])
    assert all(0 <= r["a_pct"] <= 100 and 0 <= r["b_pct"] <= 100 for r in twin["profile"])
    page = sync_client.get(f"/compare?a={a}&b={b}", headers=HTML).text
    assert page.count('class="analysis"') == 2 and 'id="data-a"' in page and 'id="data-b"' in page
    assert sync_client.get("/compare", headers=HTML).status_code == 200
    assert sync_client.get(f"/compare.json?a={a}").status_code == 400
    assert sync_client.get(f"/compare.json?a={a}&b=missing").status_code == 404


def test_compare_form(sync_client: Any, fake: Any) -> None:
    r = sync_client.post("/compare", data={"text_a": ARTICLE, "text_b": "Nothing loaded here at all."},
                         follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/compare?a=")
    assert sync_client.get(r.headers["location"], headers=HTML).status_code == 200
    r = sync_client.post("/compare", data={"text_a": ARTICLE})
    assert r.status_code == 400 and "article B" in r.json()["error"]


def test_techniques_page_and_css(sync_client: Any) -> None:
    page = sync_client.get("/techniques", headers=HTML)
    assert page.status_code == 200 and "Loaded language" in page.text
    assert len(sync_client.get("/techniques.json").json()["techniques"]) == 14
    css = sync_client.get("/techniques.css")
    assert css.headers["content-type"].startswith("text/css") and ".t13{" in css.text
    assert sync_client.get("/static/app.js").status_code == 200
    assert sync_client.get("/static/app.css").status_code == 200


def test_data_block_is_valid_json(sync_client: Any) -> None:
    aid = saved(sync_client)
    page = sync_client.get(f"/a/{aid}", headers=HTML).text
    block = page.split('id="data-main">')[1].split("</script>")[0]
    data = json.loads(block)
    assert len(data["spans"]) == len(sync_client.get(f"/api/analyses/{aid}").json()["spans"])
