"""Bounded work per client, over real HTTP: API rate limits per user (per address without
accounts) answer 429 with Retry-After; a URL that drips its answer is cut at the fetch
deadline, fetches beyond the cap get 503 at once, and other requests are served meanwhile."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from auth_fixtures import accounts_store
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore
from unspin.web.ratelimit import Buckets

sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))

from drip_server import drip_server, forever


def test_buckets_refill_at_the_rate() -> None:
    now = [100.0]
    buckets = Buckets(3, clock=lambda: now[0])  # 3 a minute: one every 20 s
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(20.0)
    assert buckets.take("b") == 0.0  # another client has its own bucket
    now[0] += 10
    assert buckets.take("a") == pytest.approx(10.0)
    now[0] += 10
    assert buckets.take("a") == 0.0 and buckets.take("a") == pytest.approx(20.0)


def test_the_api_answers_429_with_retry_after_per_address() -> None:
    app = create_app(FakeAnalyzer(), store=MemoryStore(), settings=WebSettings(auth="off", rate_limit=3))
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        codes = [c.get("/api/analyses").status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = c.post("/api/analyze", json={"text": ARTICLE})
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 20
        assert r.json() == {"ok": False, "status": 429, "error": r.json()["error"]}
        assert "at most 3 a minute" in r.json()["error"]
        assert c.get("/api/health").status_code == 200  # exempt
        assert c.get("/history").status_code == 200  # pages are not API calls


def test_each_user_has_a_bucket(sqlite_url: str) -> None:
    store = accounts_store(sqlite_url)
    tokens = {name: store.new_credential(name, "token") for name in ("rev", "rea")}
    app = create_app(FakeAnalyzer(), store=store, settings=WebSettings(auth="on", rate_limit=2))
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        def get(name: str) -> int:
            return c.get("/api/analyses", headers={"Authorization": f"Bearer {tokens[name]}"}).status_code

        assert [get("rev"), get("rev"), get("rev")] == [200, 200, 429]
        assert [get("rea"), get("rea"), get("rea")] == [200, 200, 429]  # same address, own bucket
    store.close()


@pytest.fixture
def dripping() -> Iterator[str]:
    with drip_server(lambda _path: forever(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"), pause=0.2) as base:
        yield base


def test_a_dripping_url_is_cut_at_its_deadline_while_others_are_served(dripping: str) -> None:
    settings = WebSettings(auth="off", fetch_timeout=1.5, fetch_allow_networks=("127.0.0.1/32",),
                           fetch_concurrency=2, queue_size=4)
    app = create_app(FakeAnalyzer(), store=MemoryStore(), settings=settings)
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        def fetch(n: int) -> tuple[int, float, str]:
            began = time.monotonic()
            r = c.post("/api/analyze", json={"url": f"{dripping}/{n}"})
            return r.status_code, time.monotonic() - began, r.text

        with ThreadPoolExecutor(6) as pool:
            fetches = [pool.submit(fetch, n) for n in range(6)]
            time.sleep(0.5)  # the dripping fetches are under way
            began = time.monotonic()
            assert c.post("/api/analyze", json={"text": ARTICLE}).status_code == 200
            assert c.get("/history.json").status_code == 200
            assert c.get("/api/analyses").status_code == 200
            served = time.monotonic() - began
            health = c.get("/api/health").json()
            answers = [f.result() for f in fetches]
    assert served < 1.0, served  # not stuck behind the fetches
    cut = [a for a in answers if a[0] == 504]
    refused = [a for a in answers if a[0] == 503]
    assert len(cut) == 2 and len(refused) == 4, answers  # two fetches at once, the rest refused
    assert all("took too long" in text for _, _, text in cut)
    assert all(1.3 < took < 3.0 for _, took, _ in cut), cut  # cut at the 1.5 s deadline
    assert all(took < 1.0 and "fetching 2 URLs" in text for _, took, text in refused), refused
    assert health["queue"]["pending"] == 2  # the two fetches under way hold queue slots
