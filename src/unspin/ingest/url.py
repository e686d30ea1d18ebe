"""Fetching an article from a URL without letting the URL reach inside the network.

Every hop (the first request and each redirect, at most `MAX_REDIRECTS`) is resolved with
DNS first; if any address is private, loopback, link-local, multicast, reserved or otherwise
not global, the fetch is refused. The connection then goes to the checked address itself, so
a second DNS answer cannot swap it (DNS rebinding). Bodies are capped (`MAX_BYTES`), the whole
fetch (connect, TLS, headers, body and every redirect) has one deadline (`TIMEOUT`) that a
watchdog enforces even against a server dripping one byte at a time (`ingest.watchdog`), a
`cancel` event stops it within a tenth of a second, and only HTML or plain text is accepted.
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from unspin.doc import Document
from unspin.errors import FetchError
from unspin.ingest.watchdog import PinnedHTTP, PinnedHTTPS, Watchdog, resolve_within

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 10.0
MAX_REDIRECTS = 3
USER_AGENT = "unspin/0.1 (+https://github.com/unspin; article fetcher)"
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
_REDIRECTS = {301, 302, 303, 307, 308}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page: the final URL after redirects, its media type and decoded text."""

    url: str
    content_type: str
    text: str
    redirects: tuple[str, ...] = ()
    status: int = 200  # 304: not modified since the ETag / Last-Modified sent (text is empty)
    headers: dict[str, str] = field(default_factory=dict)  # ETag and Last-Modified, when given

    @property
    def is_html(self) -> bool:
        return self.content_type != "text/plain"


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise FetchError(f"Cannot resolve host {host!r}: {err.strerror}.", status=502) from err
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
    (::a.b.c.d), 6to4 (2002::/16), Teredo (2001::/32: server and client) and NAT64
    (64:ff9b::/96, 64:ff9b:1::/48); a packet to it can reach that IPv4 address."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in _COMPATIBLE and int(ip) > 1:  # :: and ::1 are IPv6's own unspecified and loopback
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in net for net in _NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def refusal(ip: IPAddress) -> str | None:
    """Why fetching from `ip` is refused, or None when it is a public address. An IPv6
    address embedding an IPv4 one is refused when that IPv4 address would be."""
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in embedded_ipv4(ip):
            why = refusal(inner)
            if why is not None:
                return f"{why} (IPv4 {inner} inside IPv6)"
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "not globally routable"
    return None


def check_address(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...],
                  host: str) -> IPAddress:
    """The parsed address if it may be fetched, else `FetchError` naming the reason."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if any(ip in net for net in networks):
        return ip
    why = refusal(ip)
    if why is not None:
        shown = host if host == address else f"{host} ({address})"
        raise FetchError(
            f"Refused to fetch {shown}: it is a {why} address. Only public web addresses can be "
            "fetched; paste the article text instead."
        )
    return ip


def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path-with-query) of an http(s) URL, or `FetchError`."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as err:
        raise FetchError(f"Not a valid URL: {url!r} ({err}).") from err
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(
            f"Only http:// and https:// URLs can be fetched, got {scheme + ':' if scheme else 'no scheme'} "
            f"in {url[:200]!r}."
        )
    if parts.username or parts.password:
        raise FetchError("URLs with a user name or password are not fetched.")
    host = parts.hostname
    if not host:
        raise FetchError(f"The URL {url[:200]!r} has no host name.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def check_url(url: str) -> None:
    """`FetchError` unless `url` is a well-formed http(s) URL without credentials (no network:
    whether its address may be fetched is checked when it is fetched)."""
    _split(url)


def _decode(body: bytes, charset: str | None) -> str:
    if not charset:
        if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            charset = "utf-16" if body[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
        else:
            try:
                return body.decode("utf-8")
            except UnicodeDecodeError:
                found = _META_CHARSET.search(body[:4096])
                charset = found.group(1).decode("ascii") if found else "cp1252"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _read(response: http.client.HTTPResponse, url: str, max_bytes: int, dog: Watchdog,
          truncate: bool = False) -> bytes:
    length = response.getheader("Content-Length")
    if not truncate and length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"{url} is {int(length):,} bytes; the limit is {max_bytes:,}.", status=413)
    chunks: list[bytes] = []
    size = 0
    while True:
        dog.check()
        chunk = response.read1(65536)
        dog.check()  # a socket the watchdog shut down reads as the end of the body
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            if truncate:
                chunks.append(chunk)
                return b"".join(chunks)[:max_bytes]
            raise FetchError(f"{url} is larger than the limit of {max_bytes:,} bytes.", status=413)
        chunks.append(chunk)


KEPT_HEADERS = ("ETag", "Last-Modified")


def _hop(url: str, *, resolve: Resolver, networks: tuple, dog: Watchdog, max_bytes: int,
         headers: dict[str, str] | None = None, accept: tuple[str, ...] = ACCEPTED_TYPES,
         truncate: bool = False) -> tuple[int, str | None, str, str | None, bytes, dict[str, str]]:
    """One request: (status, location, media type, charset, body, kept response headers)."""
    scheme, host, port, path = _split(url)
    dog.what = url
    addresses = resolve_within(resolve, host, port, dog)
    if not addresses:
        raise FetchError(f"Host {host!r} has no address.", status=502)
    for address in addresses:  # every answer must be public, not just the first
        check_address(address, networks, host)
    dog.check()
    kind = PinnedHTTPS if scheme == "https" else PinnedHTTP
    conn = kind(host, port, addresses[0], dog)
    try:
        conn.request("GET", path, headers={
            "User-Agent": USER_AGENT, "Accept": ",".join(accept), "Accept-Encoding": "identity",
            **(headers or {}),
        })
        response = conn.getresponse()
        dog.check()  # headers cut short by the watchdog read as a complete (empty) header block
        status = response.status
        kept = {k: v for k in KEPT_HEADERS if (v := response.getheader(k))}
        if status in _REDIRECTS:
            return status, response.getheader("Location"), "", None, b"", kept
        if status == 304:
            return status, None, "", None, b"", kept
        if status >= 400:
            raise FetchError(f"{url} answered HTTP {status} {response.reason}.", status=502, upstream=status)
        media, charset = _content_type(response.getheader("Content-Type", ""))
        if media not in accept:
            raise FetchError(
                f"{url} is {media or 'of unknown type'}, not an HTML page or plain text; "
                "only web pages and text can be analyzed.", status=415,
            )
        return status, None, media, charset, _read(response, url, max_bytes, dog, truncate), kept
    except FetchError:
        raise
    except TimeoutError as err:
        dog.check()
        raise FetchError(f"Fetching {url} took too long.", status=504) from err
    except ssl.SSLError as err:
        dog.check()
        raise FetchError(f"TLS error talking to {host}: {err.reason or err}.", status=502) from err
    except (OSError, http.client.HTTPException) as err:
        dog.check()  # the watchdog's shutdown surfaces as a closed connection: say why
        raise FetchError(f"Could not fetch {url}: {err}.", status=502) from err
    finally:
        conn.close()


def _content_type(header: str) -> tuple[str, str | None]:
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"' ")
    return media.strip().lower(), charset


def fetch(url: str, *, timeout: float = TIMEOUT, max_bytes: int = MAX_BYTES,
          max_redirects: int = MAX_REDIRECTS, resolve: Resolver | None = None,
          allow_networks: Iterable[str] = (), headers: dict[str, str] | None = None,
          accept: tuple[str, ...] = ACCEPTED_TYPES, cancel: threading.Event | None = None,
          truncate: bool = False) -> Fetched:
    """Fetch `url` safely (see the module docstring); raise `FetchError` saying why not.

    `allow_networks` (e.g. ``["127.0.0.1/32"]``) lets addresses in those networks through;
    it exists for tests and for trusted intranets, never set it from user input.
    `headers` are sent too (e.g. ``If-None-Match`` for a conditional GET: a 304 answer comes
    back as `Fetched.status` 304 with no text); `accept` lists the media types taken.
    `cancel` (an Event) ends the fetch with `FetchInterrupted` within a tenth of a second;
    `truncate` keeps the first `max_bytes` of a larger body instead of refusing it.
    """
    networks = tuple(ipaddress.ip_network(n, strict=False) for n in allow_networks)
    resolve = resolve or system_resolver
    with Watchdog(time.monotonic() + timeout, cancel, what=url[:200]) as dog:
        return _follow(url, dog, resolve=resolve, networks=networks, max_bytes=max_bytes,
                       max_redirects=max_redirects, headers=headers, accept=accept, truncate=truncate)


def _follow(url: str, dog: Watchdog, *, resolve: Resolver, networks: tuple, max_bytes: int,
            max_redirects: int, headers: dict[str, str] | None, accept: tuple[str, ...],
            truncate: bool) -> Fetched:
    """The request and each redirect, under one watchdog."""
    hops: list[str] = []
    current = url.strip()
    for _ in range(max_redirects + 1):
        status, location, media, charset, body, kept = _hop(
            current, resolve=resolve, networks=networks, dog=dog, max_bytes=max_bytes,
            headers=headers, accept=accept, truncate=truncate)
        if status == 304:
            return Fetched(current, "", "", tuple(hops), status=304, headers=kept)
        if location is None and status in _REDIRECTS:
            raise FetchError(f"{current} redirects (HTTP {status}) without a Location.", status=502)
        if location is not None:
            hops.append(current)
            current = urljoin(current, location)
            continue
        if not body.strip():
            raise FetchError(f"{current} returned an empty page.", status=422)
        if b"\x00" in body[:8192] and not body.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FetchError(f"{current} returned binary data, not text.", status=415)
        return Fetched(current, media, _decode(body, charset), tuple(hops), headers=kept)
    raise FetchError(f"{url} redirected more than {max_redirects} times; not following further.",
                     status=502)


def document_from_url(url: str, **options: Any) -> Document:
    """Fetch `url` and return its article text (HTML through the article extractor)."""
    from unspin.ingest.html import extract_article
    from unspin.ingest.text import from_text

    page = fetch(url, **options)
    if page.is_html:
        doc = extract_article(page.text, source=page.url, url=page.url)
    else:
        doc = from_text(page.text, source=page.url)
    meta = dict(doc.meta, url=page.url)
    return Document(doc.text, doc.id, meta)
