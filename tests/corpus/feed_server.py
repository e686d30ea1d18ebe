"""A loopback HTTP server serving feeds, a sitemap, an OPML list and article pages for the feed tests."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml; charset=utf-8"}
WORDS = ["harbour", "council", "budget", "election", "railway", "hospital", "festival", "market", "bridge"]


def article(n: int) -> bytes:
    """An article page whose main text trafilatura extracts (navigation and footer dropped)."""
    word = WORDS[n % len(WORDS)]
    paras = "".join(f"<p>Paragraph {i} of story {n}: the shameful {word} scandal ruined everything again, "
                    f"officials said on Monday after a long and bitter night of talks.</p>" for i in range(5))
    return (f"<html><head><title>Story {n}</title></head><body><nav>Home | World | Sports</nav>"
            f"<article><h1>Story {n} about the {word}</h1>{paras}</article>"
            "<footer>More from News: ten other stories</footer></body></html>").encode()


def rss(base: str, items: list[int]) -> bytes:
    entries = "".join(f"<item><title>RSS story {n}</title><link>{base}/a/{n}</link>"
                      f"<author>reporter{n}@example.org (Reporter {n})</author>"
                      f"<pubDate>Wed, 0{1 + n % 9} May 2024 10:00:00 GMT</pubDate></item>" for n in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Daily Example</title>'
            f"<link>{base}/</link><description>news</description>{entries}</channel></rss>").encode()


def atom(base: str, items: list[int]) -> bytes:
    entries = "".join(f'<entry><title>Atom story {n}</title><link href="{base}/a/{n}"/><id>urn:{n}</id>'
                      f"<author><name>Writer {n}</name></author>"
                      f"<updated>2024-06-0{1 + n % 9}T08:00:00Z</updated></entry>" for n in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>Atom Times</title><id>urn:feed</id><updated>2024-06-01T00:00:00Z</updated>"
            f"{entries}</feed>").encode()


def sitemap(base: str, items: list[int]) -> bytes:
    urls = "".join(f"<url><loc>{base}/a/{n}</loc><lastmod>2024-07-0{1 + n % 9}</lastmod></url>"
                   for n in items)
    return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>").encode()


def opml(base: str) -> bytes:
    return (f'<?xml version="1.0"?><opml version="2.0"><head><title>My feeds</title></head><body>'
            f'<outline text="news"><outline type="rss" text="RSS" xmlUrl="{base}/rss.xml"/>'
            f'<outline type="rss" text="Atom" xmlUrl="{base}/atom.xml"/></outline></body></opml>').encode()


class Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}
    etags: ClassVar[dict[str, str]] = {}
    hits: ClassVar[Counter] = Counter()
    conditional: ClassVar[Counter] = Counter()
    agents: ClassVar[set[str]] = set()
    slow: ClassVar[dict[str, float]] = {}

    def do_GET(self) -> None:
        self.hits[self.path] += 1
        self.agents.add(self.headers.get("User-Agent", ""))
        if self.path in self.slow:
            time.sleep(self.slow[self.path])
        etag = self.etags.get(self.path)
        if etag and self.headers.get("If-None-Match") == etag:
            self.conditional[self.path] += 1
            self.send_response(304)
            self.end_headers()
            return
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client gave up (a timed-out fetch)
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def start() -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, base


def reset(base: str) -> None:
    """The default site: RSS (items 1-3, with an ETag), Atom (4-5), a sitemap (6-7 and 1), OPML,
    a broken feed, robots.txt disallowing /private/, and articles 1-20."""
    Handler.hits.clear()
    Handler.conditional.clear()
    Handler.agents.clear()
    Handler.slow = {}
    Handler.etags = {"/rss.xml": '"v1"'}
    Handler.routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        "/rss.xml": (200, {"Content-Type": "application/rss+xml"}, rss(base, [1, 2, 3])),
        "/atom.xml": (200, {"Content-Type": "application/atom+xml"}, atom(base, [4, 5])),
        "/sitemap.xml": (200, XML, sitemap(base, [6, 7, 1])),
        "/feeds.opml": (200, {"Content-Type": "text/x-opml"}, opml(base)),
        "/broken.xml": (200, XML, b'<?xml version="1.0"?><rss version="2.0"><channel><title>Half'),
        "/private/feed.xml": (200, XML, rss(base, [8])),
        **{f"/a/{n}": (200, HTML, article(n)) for n in range(1, 21)},
    }
