"""Safe URL fetching against a local server on 127.0.0.1 (allowed only through the
explicit test-only `allow_networks`), and every refusal."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from unspin.errors import FetchError, InputError
from unspin.ingest.url import document_from_url, fetch, refusal

LOOPBACK = ["127.0.0.1/32"]
ARTICLE = (
    "<html><head><title>Storm</title></head><body><nav>Home | World | Sports</nav>"
    "<article><h1>Storm hits the coast</h1>"
    + "".join(f"<p>Paragraph {i}: the shameful and disgusting storm ruined the harbour town "
              f"again, officials said on Monday after a long night.</p>" for i in range(6))
    + "</article><footer>More from News: ten other stories</footer></body></html>"
)


class Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}

    def do_GET(self) -> None:
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    html = {"Content-Type": "text/html; charset=utf-8"}
    Handler.routes = {
        "/article": (200, html, ARTICLE.encode()),
        "/plain": (200, {"Content-Type": "text/plain"}, "Plain words, “quoted”.".encode()),
        "/latin": (200, {"Content-Type": "text/plain; charset=latin-1"}, "café".encode("latin-1")),
        "/r1": (302, {"Location": "/r2"}, b""),
        "/r2": (301, {"Location": f"{base}/article"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
        "/to-private": (307, {"Location": "http://10.1.2.3/admin"}, b""),
        "/image": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n\x00\x00"),
        "/empty": (200, {"Content-Type": "text/html"}, b"  \n"),
        "/binary": (200, {"Content-Type": "text/plain"}, b"abc\x00\x01\x02"),
        "/big": (200, {"Content-Type": "text/plain"}, b"a" * 3000),
        "/gone": (410, {}, b"gone"),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_fetch_html_article_through_extractor(server: str) -> None:
    doc = document_from_url(f"{server}/article", allow_networks=LOOPBACK)
    assert "Storm" in doc.text or "storm" in doc.text
    assert "Home | World" not in doc.text
    assert "More from News" not in doc.text
    assert doc.meta["url"] == f"{server}/article"


def test_plain_text_and_charsets(server: str) -> None:
    assert fetch(f"{server}/plain", allow_networks=LOOPBACK).text == "Plain words, “quoted”."
    assert fetch(f"{server}/latin", allow_networks=LOOPBACK).text == "café"


def test_follows_up_to_three_redirects(server: str) -> None:
    page = fetch(f"{server}/r1", allow_networks=LOOPBACK)
    assert page.url == f"{server}/article"
    assert page.redirects == (f"{server}/r1", f"{server}/r2")
    with pytest.raises(FetchError, match="redirected more than 3 times"):
        fetch(f"{server}/loop", allow_networks=LOOPBACK)
    with pytest.raises(FetchError, match="more than 1 times"):
        fetch(f"{server}/r1", allow_networks=LOOPBACK, max_redirects=1)


def test_loopback_refused_by_default(server: str) -> None:
    with pytest.raises(FetchError, match="loopback") as info:
        fetch(f"{server}/article")
    assert info.value.status == 400
    assert isinstance(info.value, InputError)


@pytest.mark.parametrize("path,reason", [("/to-metadata", "link-local"), ("/to-private", "private")])
def test_redirect_to_internal_address_refused(server: str, path: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        fetch(f"{server}{path}", allow_networks=LOOPBACK)


@pytest.mark.parametrize("path,status,message", [
    ("/image", 415, "image/png"), ("/empty", 422, "empty"), ("/binary", 415, "binary"),
    ("/gone", 502, "HTTP 410"),
])
def test_bad_answers(server: str, path: str, status: int, message: str) -> None:
    with pytest.raises(FetchError, match=message) as info:
        fetch(f"{server}{path}", allow_networks=LOOPBACK)
    assert info.value.status == status


def test_size_cap(server: str) -> None:
    with pytest.raises(FetchError, match="limit") as info:
        fetch(f"{server}/big", allow_networks=LOOPBACK, max_bytes=1000)
    assert info.value.status == 413


def test_timeout() -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts, never answers
    try:
        with pytest.raises(FetchError, match="too long") as info:
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", allow_networks=LOOPBACK,
                  timeout=0.5)
        assert info.value.status == 504
    finally:
        listener.close()


@pytest.mark.parametrize("url,message", [
    ("javascript:alert(1)", "Only http"), ("file:///etc/passwd", "Only http"),
    ("ftp://example.com/a", "Only http"), ("example.com/story", "no scheme"),
    ("http://user:pw@example.com/", "user name"), ("http:///path", "no host"),
    ("http://[::1/", "Not a valid URL"),
])
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        fetch(url)


@pytest.mark.parametrize("address,reason", [
    ("127.0.0.1", "loopback"), ("10.0.0.8", "private"), ("192.168.1.1", "private"),
    ("172.16.0.1", "private"), ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::1", "loopback"), ("fe80::1", "link-local"),
    ("fc00::1", "private"), ("::ffff:127.0.0.1", "loopback"), ("100.64.0.1", "not globally"),
    ("240.0.0.1", "reserved"),
])
def test_refused_after_dns_resolution(address: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        fetch("http://news.example.org/story", resolve=lambda host, port: [address])


def test_any_internal_answer_refuses() -> None:
    with pytest.raises(FetchError, match="private"):
        fetch("http://news.example.org/", resolve=lambda host, port: ["93.184.216.34", "10.0.0.1"])


def test_public_addresses_pass() -> None:
    import ipaddress

    assert refusal(ipaddress.ip_address("93.184.216.34")) is None
    assert refusal(ipaddress.ip_address("2606:4700::1111")) is None
