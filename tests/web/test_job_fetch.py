"""A job submitted with a URL is accepted first and fetches inside the job (real HTTP on
127.0.0.1, SQLite and PostgreSQL): the fetch counts against the store-wide job capacity, so
while URL jobs fetch, every server on the store answers 503 to more jobs; a dripping URL fails
its job at the fetch deadline; a malformed URL is refused at once; a job cancelled while it
waits for a fetch slot never fetches."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.store import Store
from unspin.web import WebSettings, create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))

from drip_server import drip_server, forever

PAGE = (f"<html><head><title>Page title</title></head><body><article><h1>Page title</h1><p>{ARTICLE}"
        "</p><p>The council will meet again next week to discuss the budget.</p></article></body></html>"
        ).encode()


class Site:
    """Pages on a loopback server: `/good...` answers `PAGE`, anything else drips forever."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, path: str) -> Iterable[bytes]:
        with self.lock:
            self.paths.append(path)
        if path.startswith("/good"):
            return [b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                    + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE]
        return forever(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a")


@pytest.fixture
def site() -> Iterator[tuple[Site, str]]:
    pages = Site()
    with drip_server(pages, pause=0.2) as base:
        yield pages, base


def settings(**values: Any) -> WebSettings:
    return WebSettings(**{"auth": "off", "fetch_timeout": 1.5, "fetch_allow_networks": ("127.0.0.1/32",),
                          "queue_size": 2, **values})


def poll(c: httpx.Client, job_id: str, until: tuple[str, ...] = ("done", "failed", "cancelled"),
         ) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        body = c.get(f"/api/jobs/{job_id}").json()
        if body["status"] in until or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_url_jobs_count_against_the_store_wide_capacity(site: tuple[Site, str], any_url: str) -> None:
    _, web = site
    with Store.open(any_url) as one, Store.open(any_url) as two:
        first = create_app(FakeAnalyzer(), store=one, settings=settings())
        second = create_app(FakeAnalyzer(), store=two, settings=settings())  # another server, one store
        with (serve_in_thread(first) as base, serve_in_thread(second) as other,
              httpx.Client(base_url=base, timeout=30) as c, httpx.Client(base_url=other, timeout=30) as d):
            began = time.monotonic()
            drips = [c.post("/api/jobs", json={"url": f"{web}/slow{n}"}) for n in range(2)]
            assert [r.status_code for r in drips] == [202, 202] and time.monotonic() - began < 1.0
            assert drips[0].json()["title"] == f"{web}/slow0"
            assert c.get(f"/api/jobs/{drips[0].json()['id']}").json()["status"] in ("queued", "running")
            for client in (c, d):  # both fetches hold the store's two places: no room anywhere
                full = client.post("/api/jobs", json={"text": ARTICLE})
                assert full.status_code == 503 and "2 jobs queued or running" in full.json()["error"]
                assert full.headers["retry-after"]
            failed = [poll(c, r.json()["id"]) for r in drips]
            assert time.monotonic() - began < 6.0
            assert [(j["status"], j["error"]["status"]) for j in failed] == [("failed", 504), ("failed", 504)]
            assert all("took too long" in j["error"]["message"] for j in failed)
            good = d.post("/api/jobs", json={"url": f"{web}/good", "title": "Given title"})
            assert good.status_code == 202
            done = poll(d, good.json()["id"])
            assert done["status"] == "done", done
            meta = done["result"]["meta"]
            assert "radical left mob" in done["result"]["text"] and meta["title"] == "Given title"
            assert meta["url"] == f"{web}/good" and done["links"]["result"].startswith("/a/")
            form = c.post("/jobs", data={"url": f"{web}/good-form"})  # the form: a job that fetches
            assert form.status_code == 303
            shown = poll(c, form.headers["location"].removeprefix("/jobs/"))
            assert shown["status"] == "done" and shown["result"]["meta"]["title"] == "Page title"
            for bad, says in (("ftp://example.com/a", "Only http:// and https://"),
                              ("http://user:pw@example.com/", "user name or password"),
                              ("   ", "URL is empty")):
                r = c.post("/api/jobs", json={"url": bad})
                assert r.status_code == 400 and says in r.json()["error"], (bad, r.text)


def test_a_job_cancelled_while_waiting_to_fetch_never_fetches(site: tuple[Site, str],
                                                               sqlite_url: str) -> None:
    pages, web = site
    with Store.open(sqlite_url) as store:
        app = create_app(FakeAnalyzer(), store=store, settings=settings(fetch_concurrency=1, workers=2))
        with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as c:
            slow = c.post("/api/jobs", json={"url": f"{web}/slow"}).json()["id"]
            deadline = time.monotonic() + 5
            while "/slow" not in pages.paths and time.monotonic() < deadline:
                time.sleep(0.02)
            waiting = c.post("/api/jobs", json={"url": f"{web}/good-waiting"}).json()["id"]
            time.sleep(0.3)  # claimed by the second worker, waiting for the one fetch slot
            assert c.get(f"/api/jobs/{waiting}").json()["status"] == "running"
            assert c.delete(f"/api/jobs/{waiting}").json()["status"] == "cancelled"
            assert poll(c, slow)["status"] == "failed"
            time.sleep(0.5)  # the slot is free again: a waiting job would fetch now
            assert poll(c, waiting)["status"] == "cancelled"
    assert pages.paths == ["/slow"]
