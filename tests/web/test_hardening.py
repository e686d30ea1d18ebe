"""Hostile requests: strict JSON bodies, normalised text, Host/Origin checks, size and time
bounds, client disconnects and shutdown (issue 14; issue 13 API polish; issue 12 line endings)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from web_fakes import ARTICLE, FakeAnalyzer

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore
from unspin.web.runner import Busy, ClientGone, InferenceRunner


def error(response: Any, status: int, fragment: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"ok": False, "error": body["error"], "status": status}
    assert fragment.lower() in body["error"].lower(), body["error"]
    return body


# -- strict bodies (issue 13 API polish, issue 14 strict types) ---------------------------------
@pytest.mark.parametrize("payload,fragment", [
    ({"text": ARTICLE, "threshold": True}, "threshold"),
    ({"text": ARTICLE, "threshold": "0.5"}, "threshold"),
    ({"text": ARTICLE, "save": "yes"}, "save"),
    ({"text": 12345}, "text"),
    ({"text": ARTICLE, "colour": "red"}, "colour: unknown field (allowed: text, url, html"),
])
def test_wrong_types_and_unknown_keys_are_422(sync_client: Any, payload: dict[str, Any],
                                             fragment: str) -> None:
    error(sync_client.post("/api/analyze", json=payload), 422, fragment)


def test_integer_threshold_is_a_number(sync_client: Any) -> None:
    r = sync_client.post("/api/analyze", json={"text": ARTICLE, "threshold": 1, "save": False})
    assert r.status_code == 200


@pytest.mark.parametrize("content,ctype,status,fragment", [
    (b'{"text": "x"}', "text/plain", 415, "application/json"),
    (b"text=hello", "application/x-www-form-urlencoded", 415, "application/json"),
    (b'{"text": "x"}', None, 415, "no content type"),
    (b'{"text": ', "application/json", 422, "not valid JSON"),
    (b"[" * 60_000, "application/json", 422, "nested too deeply"),
    (b'["text"]', "application/json", 422, "must be an object"),
    (b"\xff\xfe{}", "application/json", 422, "JSON"),
])
def test_bodies_that_are_not_json_objects(sync_client: Any, content: bytes, ctype: str | None, status: int,
                                          fragment: str) -> None:
    headers = {"Content-Type": ctype} if ctype else {}
    error(sync_client.post("/api/analyze", content=content, headers=headers), status, fragment)


def test_openapi_shows_examples(sync_client: Any) -> None:
    op = sync_client.get("/openapi.json").json()["paths"]["/api/analyze"]["post"]
    body = op["requestBody"]["content"]["application/json"]
    assert body["example"]["text"] and body["schema"]["additionalProperties"] is False
    assert op["responses"]["200"]["content"]["application/json"]["example"]["spans"]
    assert {"413", "415", "422"} <= set(op["responses"])


# -- one normalisation step -----------------------------------------------------------------------
def test_lone_surrogates_are_replaced_not_a_500(sync_client: Any) -> None:
    raw = b'{"text": "The radical left mob \\ud800 won.", "title": "T\\udc00\\u0000", "save": true}'
    r = sync_client.post("/api/analyze", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["text"] == "The radical left mob \ufffd won."
    assert body["meta"]["title"] == "T\ufffd" and body["meta"]["normalized"] == {"replaced_surrogates": 1}
    assert sync_client.get(f"/api/analyses/{body['id']}").status_code == 200


def test_crlf_becomes_lf_and_the_output_says_so(sync_client: Any) -> None:
    text = ("Officials spoke.\r\nThe radical left mob\rstaged a shameful, disgusting betrayal of our "
            "great nation.")
    body = sync_client.post("/api/analyze", json={"text": text}).json()
    assert body["text"] == text.replace("\r\n", "\n").replace("\r", "\n")
    assert body["meta"]["normalized"] == {"line_endings": 2}
    span = next(s for s in body["spans"] if s["text"] == "radical left mob")
    assert (span["start"], span["end"]) == (21, 37)
    page = sync_client.get(f"/a/{body['id']}", headers={"Accept": "text/html"}).text
    assert "converted to LF" in page and 'id="normalized-note"' in page
    assert "converted to LF" in sync_client.get(f"/a/{body['id']}.json").json()["note"]


def test_upload_of_malformed_utf16_is_a_400(sync_client: Any) -> None:
    for data in (b"\xff\xfeA\x00B", b"\xff\xfe\x00\xd8A\x00"):  # odd length; a lone surrogate after the BOM
        r = sync_client.post("/analyze", files={"file": ("a.txt", data, "text/plain")},
                             headers={"Accept": "application/json"})
        error(r, 400, "UTF-16")


def test_the_same_page_many_times_is_extracted_every_time(sync_client: Any) -> None:
    paragraph = ("The radical left mob staged a shameful, disgusting betrayal of our great nation, said the "
                 "spokesman for the third time this week, to nobody's surprise.")
    page = (f"<html><body><article><h1>Rally</h1><p>{paragraph}</p><p>Officials declined.</p></article>"
            "</body></html>")
    for _ in range(12):
        r = sync_client.post("/api/analyze", json={"html": page, "save": False})
        assert r.status_code == 200 and paragraph in r.json()["text"], r.text


# -- bounded work ---------------------------------------------------------------------------------
def test_long_texts_get_413_pointing_at_the_job_api(fake: FakeAnalyzer) -> None:
    from fastapi.testclient import TestClient

    app = create_app(fake, store=MemoryStore(), settings=WebSettings(sync_max_chars=100))
    with TestClient(app) as client:
        error(client.post("/api/analyze", json={"text": "word " * 30}), 413, "POST /api/jobs")
        r = client.post("/analyze", data={"text": "word " * 30}, headers={"Accept": "application/json"})
        error(r, 413, "POST /api/jobs")
        assert client.post("/api/analyze", json={"text": "word " * 10}).status_code == 200
    assert fake.calls == 1


def test_time_budget_answers_504() -> None:
    from fastapi.testclient import TestClient

    slow = FakeAnalyzer(delay=2.0)
    app = create_app(slow, store=MemoryStore(), settings=WebSettings(request_timeout=0.05))
    with TestClient(app) as client:
        error(client.post("/api/analyze", json={"text": ARTICLE}), 504, "time budget")


class Gate(FakeAnalyzer):
    """A fake whose first analysis waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()

    def pipe(self, texts: Any, **kw: Any) -> Any:
        self.entered.set()
        self.gate.wait(10)
        yield from super().pipe(texts, **kw)


@pytest.mark.anyio
async def test_a_queued_job_of_a_client_that_left_never_runs() -> None:
    from unspin.doc import Document

    gate = Gate()
    runner = InferenceRunner(gate, loader=lambda: gate, workers=1, capacity=4)
    first = asyncio.ensure_future(runner.analyze([Document(ARTICLE)], threshold=None))
    await asyncio.to_thread(gate.entered.wait, 10)

    async def gone() -> bool:
        return True

    with pytest.raises(ClientGone):
        await runner.analyze([Document("second")], threshold=None, disconnected=gone)
    gate.gate.set()
    assert len(await first) == 1
    await asyncio.sleep(0.1)
    assert gate.calls == 1 and runner.stats()["cancelled"] == 1
    runner.close()


@pytest.mark.anyio
async def test_shutdown_refuses_queued_and_new_jobs_with_503() -> None:
    from unspin.doc import Document

    gate = Gate()
    runner = InferenceRunner(gate, loader=lambda: gate, workers=1, capacity=4)
    first = asyncio.ensure_future(runner.analyze([Document(ARTICLE)], threshold=None))
    await asyncio.to_thread(gate.entered.wait, 10)
    queued = asyncio.ensure_future(runner.analyze([Document("queued")], threshold=None))
    await asyncio.sleep(0.05)
    runner.close()  # what the app's lifespan does on SIGTERM
    with pytest.raises(Busy, match="shutting down"):
        await queued
    with pytest.raises(Busy, match="shutting down"):
        await runner.analyze([Document("new")], threshold=None)
    gate.gate.set()
    assert len(await first) == 1  # the job in flight finishes


# -- Host and Origin ------------------------------------------------------------------------------
def test_foreign_host_names_are_refused(app: Any, sync_client: Any) -> None:
    error(sync_client.get("/api/health", headers={"Host": "evil.example:8000"}), 400,
          "--allowed-host evil.example")
    for host in ("localhost:8000", "127.0.0.1:8000", "[::1]:8000", "10.1.2.3", "intranet-box"):
        assert sync_client.get("/api/health", headers={"Host": host}).status_code == 200, host


def test_allowed_hosts_setting(fake: FakeAnalyzer) -> None:
    from fastapi.testclient import TestClient

    app = create_app(fake, store=MemoryStore(), settings=WebSettings(allowed_hosts=("news.example.org",)))
    with TestClient(app) as client:
        assert client.get("/api/health", headers={"Host": "news.example.org"}).status_code == 200
        error(client.get("/api/health", headers={"Host": "evil.example"}), 400)
    app = create_app(fake, store=MemoryStore(), settings=WebSettings(allowed_hosts=("*",)))
    with TestClient(app) as client:
        assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 200


@pytest.mark.parametrize("headers,status", [
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "http://localhost:9999"}, 403),  # another port is another site
    ({"Origin": "null"}, 403),
    ({"Origin": "null", "Sec-Fetch-Site": "cross-site"}, 403),
    ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, 303),  # e.g. under no-referrer
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Origin": "http://localhost:8000"}, 303),
    ({"Sec-Fetch-Site": "same-origin"}, 303),
    ({}, 303),  # curl and scripts send neither
])
def test_cross_site_form_posts_are_refused(sync_client: Any, fake: FakeAnalyzer, headers: dict[str, str],
                                           status: int) -> None:
    r = sync_client.post("/analyze", data={"text": ARTICLE}, follow_redirects=False,
                         headers={"Host": "localhost:8000", "Accept": "application/json", **headers})
    assert r.status_code == status, r.text
    if status == 403:
        error(r, 403, "Cross-site request refused")
        assert fake.calls == 0


def test_cross_site_api_posts_are_refused_but_reads_are_not(sync_client: Any) -> None:
    foreign = {"Origin": "https://evil.example"}
    error(sync_client.post("/api/analyze", json={"text": ARTICLE}, headers=foreign), 403)
    assert sync_client.get("/api/techniques", headers=foreign).status_code == 200


# -- settings -------------------------------------------------------------------------------------
def test_process_count_and_worker_environment() -> None:
    from unspin.web.server import settings_env

    assert WebSettings().process_count(cpus=1) == 1
    assert WebSettings().process_count(cpus=8) == 4
    assert WebSettings().process_count(cpus=64) == 4
    assert WebSettings().process_count(cpus=8, memory=True) == 1
    assert WebSettings(processes=3).process_count(cpus=1) == 3
    s = WebSettings(port=9001, allowed_hosts=("a.example", "b.example"), threshold=0.3, sync_max_chars=10)
    env = settings_env(s, model="fast")
    assert WebSettings.from_env(env) == s and env["UNSPIN_MODEL"] == "fast"


def test_httpx_client_with_its_own_host(app: Any) -> None:
    async def go() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://unspin.evil.example") as c:
            return (await c.get("/api/health")).status_code

    assert asyncio.run(go()) == 400


def test_serving_waits_for_requests_in_flight_and_can_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import uvicorn

    from unspin.web import server

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append((target, kw)))
    for key in [k for k in os.environ if k.startswith("UNSPIN_WEB_") or k == "UNSPIN_DB"]:
        monkeypatch.delenv(key)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # run() exports settings for the workers
    settings = WebSettings(request_timeout=42, allowed_hosts=("news.example.org",))
    server.run("app", settings)
    server.run(None, settings, processes=3, model="fast")
    (one, kw1), (many, kw3) = calls
    assert one == "app" and kw1["timeout_graceful_shutdown"] == 42 and "workers" not in kw1
    assert many == "unspin.web.server:worker_app" and kw3["factory"] and kw3["workers"] == 3
    assert WebSettings.from_env(os.environ) == settings and os.environ["UNSPIN_MODEL"] == "fast"


def test_docs_page_shows_fields_and_examples(sync_client: Any) -> None:
    page = sync_client.get("/docs", headers={"Accept": "text/html"}).text
    assert "<code>threshold</code>" in page and "<code>save</code>" in page
    assert 'id="example-request"' in page and 'id="example-response"' in page and "radical left mob" in page
