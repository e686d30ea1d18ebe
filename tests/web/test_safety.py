"""Escaping of hostile text, CSP, body limits, empty/binary input, and 503 when busy."""

from __future__ import annotations

import html
import re
from typing import Any

import anyio
import httpx
import pytest

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

HOSTILE = (
    'He said "<script>alert(1)</script>" and left. '
    "Click <a href=\"javascript:alert(2)\" onclick='alert(3)'>here</a>. "
    '"><img src=x onerror=alert(4)> The radical left mob </div></span><b>bold</b> '
    "a shameful, disgusting betrayal of our great nation {{ 7*7 }} &amp; &lt;"
)
HTML = {"Accept": "text/html"}


def page_for(client: Any, text: str, **meta: Any) -> tuple[str, dict[str, Any]]:
    r = client.post("/api/analyze", json={"text": text, **meta})
    assert r.status_code == 200, r.text
    return client.get(f"/a/{r.json()['id']}", headers=HTML).text, r.json()


def article_html(page: str) -> str:
    return page.split('<div class="article"')[1].split("</div>\n")[0]


def test_hostile_text_is_escaped_everywhere(sync_client: Any) -> None:
    page, record = page_for(sync_client, HOSTILE, title='</title><script>alert("t")</script>')
    assert "<script>alert" not in page
    assert "<img" not in page and "onerror=alert" not in page.replace("onerror=alert(4)&gt;", "")
    assert 'href="javascript' not in page and "onclick='alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and ">49<" not in page
    # the article text, unescaped, is exactly the original: nothing lost, nothing added
    body = article_html(page).split(">", 1)[1]
    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == HOSTILE
    # the data block cannot close its <script> element early
    block = page.split('id="data-main">')[1].split("</script>")[0]
    assert "<" not in block
    # the Doubt rule matches the literal <script>…</script> text: it is a span, escaped
    assert any(s["technique"] == "Doubt" for s in record["spans"])


def test_hostile_text_in_report_compare_and_error(sync_client: Any) -> None:
    _, record = page_for(sync_client, HOSTILE)
    report = sync_client.get(f"/a/{record['id']}/report.html").text
    assert "<script" not in report and "<img" not in report
    compare = sync_client.get(f"/compare?a={record['id']}&b={record['id']}", headers=HTML).text
    assert "<script>alert" not in compare and "<img" not in compare
    error = sync_client.get("/a/<script>alert(1)</script>", headers=HTML).text
    assert "<script>alert" not in error


def test_only_http_source_links(sync_client: Any) -> None:
    from unspin.web.context import safe_link

    assert safe_link("javascript:alert(1)") is None
    assert safe_link(" JAVASCRIPT:alert(1)") is None
    assert safe_link("data:text/html,<script>") is None
    assert safe_link("https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert safe_link(None) is None


def test_csp_forbids_inline_script(sync_client: Any) -> None:
    for path in ("/", "/techniques", "/docs", "/api/health", "/missing"):
        headers = sync_client.get(path, headers=HTML).headers
        csp = headers["content-security-policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
        assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
    page = sync_client.get("/", headers=HTML).text
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all('src="/static/' in attrs for attrs in scripts)
    assert not re.search(r"\son[a-z]+=", page), "inline event handlers"
    assert 'style="' not in page


def test_body_over_limit_is_413(sync_client: Any) -> None:
    big = "word " * 20_000  # 100 kB > the 64 kB test limit
    r = sync_client.post("/api/analyze", json={"text": big})
    assert r.status_code == 413 and r.json() == {"ok": False, "status": 413, "error": r.json()["error"]}
    assert "65,536" in r.json()["error"]
    r = sync_client.post("/analyze", data={"text": big}, headers=HTML)
    assert r.status_code == 413 and "text/html" in r.headers["content-type"]
    r = sync_client.post("/analyze", files={"file": ("a.txt", big.encode(), "text/plain")})
    assert r.status_code == 413


def test_chunked_body_over_limit_is_413(sync_client: Any) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 1024

    r = sync_client.post("/api/analyze", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_limit_is_configurable(fake: Any) -> None:
    from fastapi.testclient import TestClient

    app = create_app(fake, store=MemoryStore(), settings=WebSettings(max_body_bytes=100))
    with TestClient(app) as c:
        assert c.post("/api/analyze", json={"text": "x" * 200}).status_code == 413
        assert c.post("/api/analyze", json={"text": "short text"}).status_code == 200


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_busy_queue_answers_503_with_retry_after() -> None:
    from web_fakes import FakeAnalyzer

    fake = FakeAnalyzer(delay=0.3)
    app = create_app(fake, store=MemoryStore(), settings=WebSettings(queue_size=2, workers=1))
    transport = httpx.ASGITransport(app=app)
    results: list[httpx.Response] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

        async def one() -> None:
            results.append(await client.post("/api/analyze", json={"text": "The radical left mob."}))

        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(one)
        statuses = sorted(r.status_code for r in results)
        assert statuses.count(200) == 2 and statuses.count(503) == 4
        busy = next(r for r in results if r.status_code == 503)
        assert int(busy.headers["retry-after"]) >= 1
        assert busy.json()["ok"] is False and "try again" in busy.json()["error"]
        health = (await client.get("/api/health")).json()
        assert health["queue"]["refused"] == 4 and health["queue"]["pending"] == 0
        # the queue drains: the next request goes through
        assert (await client.post("/api/analyze", json={"text": "Again."})).status_code == 200
