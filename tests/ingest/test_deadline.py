"""One deadline per fetch, kept against servers that drip their answer, and a cancel event
that ends a fetch at once (real servers on 127.0.0.1)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from unspin.errors import FetchError, FetchInterrupted
from unspin.ingest.url import fetch

sys.path.insert(0, str(Path(__file__).parent))
from drip_server import drip_server, forever

LOOPBACK = ["127.0.0.0/8"]
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


def dripping_headers(_path: str) -> Iterator[bytes]:
    return forever(OK_HEAD + b"X-Slow: ", b"a")  # one header byte every 0.2 s, never a blank line


def dripping_chunk_size(_path: str) -> Iterator[bytes]:
    return forever(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5;ext=", b"x")  # the size line never ends


def dripping_body(_path: str) -> Iterator[bytes]:
    return forever(OK_HEAD + b"Content-Length: 1000000\r\n\r\nSome text", b" more")


def slow_redirects(path: str) -> Iterator[bytes]:
    step = int(path.strip("/") or 0)
    yield b"HTTP/1.1 302 Found\r\n"
    time.sleep(0.35)
    yield f"Location: /{step + 1}\r\nContent-Length: 0\r\n\r\n".encode()


def timed_fetch(url: str, **options: object) -> tuple[float, FetchError]:
    began = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch(url, allow_networks=LOOPBACK, **options)  # type: ignore[arg-type]
    return time.monotonic() - began, info.value


@pytest.mark.parametrize("script", [dripping_headers, dripping_chunk_size, dripping_body],
                         ids=["headers", "chunk-size", "body"])
def test_a_dripping_server_is_cut_at_the_deadline(script) -> None:
    with drip_server(script, pause=0.2) as base:
        took, err = timed_fetch(f"{base}/", timeout=1.0)
    assert "took too long" in str(err) and err.status == 504
    assert 0.9 <= took < 1.6, took


def test_the_deadline_covers_every_redirect() -> None:
    with drip_server(slow_redirects, pause=0.0) as base:
        took, err = timed_fetch(f"{base}/0", timeout=1.0, max_redirects=20)
    assert "took too long" in str(err) and err.status == 504
    assert took < 1.6, took  # three hops of 0.35 s, not 20


def test_cancel_ends_a_fetch_within_a_fraction_of_a_second() -> None:
    cancel = threading.Event()
    with drip_server(dripping_headers, pause=0.2) as base:
        threading.Timer(0.4, cancel.set).start()
        took, err = timed_fetch(f"{base}/", timeout=60.0, cancel=cancel)
    assert isinstance(err, FetchInterrupted) and err.status == 499
    assert 0.35 <= took < 1.0, took


def test_a_fast_answer_is_read_whole() -> None:
    def whole(_path: str) -> Iterator[bytes]:
        yield OK_HEAD + b"Content-Length: 11\r\n\r\n"
        yield b"hello world"

    with drip_server(whole, pause=0.05) as base:
        page = fetch(f"{base}/", allow_networks=LOOPBACK, timeout=5.0)
    assert page.text == "hello world"


def test_a_slow_dns_answer_is_cut_at_the_deadline() -> None:
    def slow_resolver(host: str, port: int) -> list[str]:
        time.sleep(5)
        return ["93.184.216.34"]

    took, err = timed_fetch("http://slow-dns.example/", timeout=0.5, resolve=slow_resolver)
    assert "took too long" in str(err) and took < 1.0, took


def test_a_tls_handshake_dripped_byte_by_byte_is_cut() -> None:
    def tls_drip(_path: str) -> Iterator[bytes]:
        return forever(b"\x16\x03\x03\x40\x00", b"\x02")  # a 16 KB handshake record, one byte at a time

    with drip_server(tls_drip, pause=0.2, http=False) as base:
        took, err = timed_fetch(f"{base}/", timeout=1.0)
    assert "took too long" in str(err) and err.status == 504, err
    assert took < 1.6, took


def test_cancel_during_a_tls_handshake() -> None:
    cancel = threading.Event()
    with drip_server(lambda _path: forever(b"\x16\x03\x03\x40\x00", b"\x02"), pause=0.2, http=False) as base:
        threading.Timer(0.4, cancel.set).start()
        took, err = timed_fetch(f"{base}/", timeout=60.0, cancel=cancel)
    assert isinstance(err, FetchInterrupted) and took < 1.0, (err, took)
