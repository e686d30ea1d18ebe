"""Per-client rate limits on the API: the `RateLimit` middleware gives each client (the
logged-in user, else the address) a bucket of `rate_limit` requests that refills at that
many per minute; a request finding it empty gets 429 with `Retry-After`. Buckets live in
each server process (so N processes allow up to N times the rate)."""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from unspin.web.errors import payload

EXEMPT = frozenset({"/api/health"})
MAX_CLIENTS = 10_000  # buckets kept; full (idle) ones are dropped first beyond this


class Buckets:
    """Token buckets by client key: `take(key)` is 0 when a request may go, else the seconds
    until one may."""

    def __init__(self, per_minute: int, *, clock: Any = time.monotonic):
        self.size = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, when = self._buckets.get(key, (self.size, now))
            tokens = min(self.size, tokens + (now - when) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._prune(now)
            return 0.0

    def _prune(self, now: float) -> None:
        full = [k for k, (t, w) in self._buckets.items() if t + (now - w) * self.rate >= self.size]
        for key in full:
            del self._buckets[key]
        while len(self._buckets) > MAX_CLIENTS:  # all busy: forget the oldest
            del self._buckets[next(iter(self._buckets))]


def client_key(scope: dict[str, Any]) -> str:
    """The logged-in user (set by `AuthGate`), else the peer address."""
    user = (scope.get("state") or {}).get("user")
    if user:
        return "user:" + str(user["name"])
    client = scope.get("client")
    return "addr:" + (str(client[0]) if client else "?")


class RateLimit:
    """Pure ASGI middleware: `per_minute` requests per client to `/api/` (health exempt);
    off when `per_minute` is 0."""

    def __init__(self, app: Any, *, per_minute: int):
        self.app = app
        self.buckets = Buckets(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "/")
        if (self.buckets is None or scope["type"] != "http" or not path.startswith("/api/")
                or path in EXEMPT):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_key(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        body = json.dumps(payload(429, f"Too many requests: at most {int(self.buckets.size)} a minute; "
                                       f"try again in {seconds} s.")).encode()
        await send({"type": "http.response.start", "status": 429, "headers": [
            (b"content-type", b"application/json"), (b"retry-after", str(seconds).encode()),
            (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
