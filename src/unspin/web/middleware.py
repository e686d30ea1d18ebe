"""Pure ASGI middleware: a request body limit, security headers (CSP without inline
script), and the Host / Origin checks that stop DNS rebinding and cross-site posts."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from unspin.web.errors import BodyTooLarge, payload

Scope = dict[str, Any]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # no referrer to other sites; our own forms keep their Origin
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class BodyLimit:
    """Raise `BodyTooLarge` (413) as soon as a body is known to exceed `limit` bytes: from
    Content-Length before reading, or while reading a chunked body."""

    def __init__(self, app: Any, *, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = declared is not None and declared.isdigit() and int(declared) > self.limit
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            if too_big:
                raise BodyTooLarge(self.limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, limited, send)


class SecurityHeaders:
    """Add CSP and friends to every response that does not set its own."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, with_headers)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def split_host(value: str) -> tuple[str, str]:
    """(host lowercase without brackets, port or "") of a Host header value."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, rest.removeprefix(":")
    host, _, port = value.partition(":") if value.count(":") == 1 else (value, "", "")
    return host, port


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class HostOriginCheck:
    """Refuse a request whose Host is not served here (400) and a state-changing request
    (POST, PUT, PATCH, DELETE) sent by a page of another site (403).

    Host: an IP literal, a name without dots (localhost, an intranet short name), the bound
    address or one of `allowed` (``*`` allows any). DNS rebinding needs a public domain name,
    which has dots, so a rebinding page (Host: evil.example) is refused. Origin: when the browser
    names one it must be this site (same host and port as Host) or an `--allowed-host`;
    `Origin: null` (sandboxed pages, or a page under `Referrer-Policy: no-referrer`) passes only
    with `Sec-Fetch-Site: same-origin`; without Origin, `Sec-Fetch-Site: cross-site` is refused.
    Clients that send neither (curl, scripts) pass: they are not a browser acting for another site.
    """

    def __init__(self, app: Any, *, allowed: Iterable[str], origins: Iterable[str] = ()):
        self.app = app
        self.allowed = frozenset(allowed)
        self.origins = frozenset(h.lower() for h in origins)  # other sites trusted to post here
        self.any_host = "*" in self.allowed

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        problem = self.problem(scope.get("method", "GET"), headers)
        if problem is None:
            await self.app(scope, receive, send)
            return
        status, message = problem
        body = json.dumps(payload(status, message)).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            *HEADERS]})
        await send({"type": "http.response.body", "body": body})

    def host_ok(self, host: str) -> bool:
        return self.any_host or is_ip(host) or "." not in host or host in self.allowed

    def problem(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        """(status, message) when the request must be refused, else None."""
        raw_host = headers.get("host", "")
        host, port = split_host(raw_host)
        if not self.host_ok(host):
            return 400, (f"This server does not answer for the host {host[:100]!r}; if that is its "
                         f"name, start it with `unspin serve --allowed-host {host[:100]}`.")
        if method.upper() in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        fetch_site = headers.get("sec-fetch-site")
        if origin == "null":  # e.g. a sandboxed iframe, or a page whose referrer policy is no-referrer
            if fetch_site in ("same-origin", "none"):
                return None
            return 403, ("Cross-site request refused: the page sending it has no origin (Origin: null) and "
                         "the browser does not say it is this site.")
        if origin is not None:
            try:
                parts = urlsplit(origin)
                o_host, o_port = (parts.hostname or "").lower(), parts.port
            except ValueError:
                return 403, "Cross-site request refused: the Origin header cannot be read."
            default = ("", "80", "443")
            same_port = str(o_port or "") == port or (port in default and str(o_port or "") in default)
            if (o_host == host and same_port) or (o_host != "" and o_host in self.origins):
                return None
            return 403, (f"Cross-site request refused: a page on {origin[:100]} cannot post to this "
                         "server. Use the form on this site, or call the API without a browser.")
        if fetch_site == "cross-site":
            return 403, "Cross-site request refused (Sec-Fetch-Site: cross-site)."
        return None
