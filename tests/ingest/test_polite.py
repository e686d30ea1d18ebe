"""The polite fetcher: robots.txt by RFC 9309, a capped Crawl-delay, and waits and fetches
that end when the run stops (real servers on 127.0.0.1)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from unspin.errors import FetchError, FetchInterrupted
from unspin.ingest.polite import MAX_CRAWL_DELAY, ROBOTS_MAX_BYTES, FetchSettings, PoliteFetcher

sys.path.insert(0, str(Path(__file__).parent))
from drip_server import drip_server, forever


class Site(BaseHTTPRequestHandler):
    robots: ClassVar[tuple[int, bytes]] = (200, b"")
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status, body = self.robots if self.path == "/robots.txt" else (200, b"A page of plain text.")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def polite(**options: object) -> PoliteFetcher:
    settings = FetchSettings(delay=0, timeout=2.0, allow_private_network=True)
    return PoliteFetcher(settings, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("status,allowed", [(404, True), (403, True), (410, True), (429, True),
                                            (500, False), (503, False)])
def test_robots_4xx_allows_and_5xx_disallows(site: str, status: int, allowed: bool) -> None:
    Site.robots = (status, b"User-agent: *\nDisallow: /\n")
    fetcher = polite()
    if allowed:
        assert fetcher.get(f"{site}/page").text == "A page of plain text."
    else:
        with pytest.raises(FetchError, match=r"robots\.txt is unreachable") as info:
            fetcher.get(f"{site}/page")
        assert info.value.status == 403
        assert any("unreachable" in note for note in fetcher.notes)


def test_unreachable_robots_disallows() -> None:
    import socket

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens: connection refused
    with pytest.raises(FetchError, match=r"robots\.txt is unreachable"):
        polite().get(f"http://127.0.0.1:{port}/page")


def test_robots_over_500_kib_is_parsed_up_to_the_limit(site: str) -> None:
    head = b"User-agent: *\nDisallow: /early/\n"
    filler = b"# " + b"x" * 1000 + b"\n"
    body = head + filler * (ROBOTS_MAX_BYTES // len(filler) + 10) + b"Disallow: /late/\n"
    assert len(body) > ROBOTS_MAX_BYTES
    Site.robots = (200, body)
    fetcher = polite()
    with pytest.raises(FetchError, match="does not allow"):
        fetcher.get(f"{site}/early/a")
    assert fetcher.get(f"{site}/late/a").text == "A page of plain text."  # past the limit: not read


def test_dripping_robots_is_cut_at_the_timeout() -> None:
    with drip_server(lambda _path: forever(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a"), pause=0.2) as base:
        began = time.monotonic()
        with pytest.raises(FetchError, match=r"robots\.txt is unreachable"):
            PoliteFetcher(FetchSettings(delay=0, timeout=1.0, allow_private_network=True)).get(f"{base}/x")
    assert time.monotonic() - began < 1.8


def test_crawl_delay_is_capped_and_reported(site: str) -> None:
    Site.robots = (200, b"User-agent: *\nCrawl-delay: 100000\n")
    waits: list[float] = []
    warned: list[str] = []
    fetcher = polite(sleep=waits.append, warn=warned.append)
    fetcher.get(f"{site}/a")
    fetcher.get(f"{site}/b")
    fetcher.get(f"{site}/c")
    assert waits and max(waits) <= MAX_CRAWL_DELAY and max(waits) > MAX_CRAWL_DELAY - 5
    assert len(warned) == 1 and "100000" in warned[0] and "60 s" in warned[0]


def test_stop_ends_a_wait_at_once(site: str) -> None:
    Site.robots = (404, b"")
    stop = threading.Event()
    fetcher = PoliteFetcher(FetchSettings(delay=30, timeout=2.0, allow_private_network=True), stop=stop)
    fetcher.get(f"{site}/one")
    threading.Timer(0.3, stop.set).start()
    began = time.monotonic()
    with pytest.raises(FetchInterrupted):
        fetcher.get(f"{site}/two")  # would wait 30 s for the host
    assert time.monotonic() - began < 1.0
