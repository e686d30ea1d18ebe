"""Who is asking, and may they: the `AuthGate` middleware (every route but login, health and
static files needs a session cookie or `Authorization: Bearer TOKEN` when accounts are on)
and `require(role)`, the dependency routes use to answer 403 to a role without the right."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import Request
from starlette.exceptions import HTTPException

from unspin.web.errors import payload
from unspin.web.middleware import HEADERS

COOKIE = "unspin_session"
RANK = {"reader": 0, "reviewer": 1, "admin": 2}  # each role has the rights of those below
PUBLIC = frozenset({"/login", "/api/health", "/techniques.css", "/favicon.ico"})
PUBLIC_PREFIXES = ("/static/",)
Scope = dict[str, Any]


def is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def is_api(path: str) -> bool:
    """API and data routes answer 401; pages redirect to the login page."""
    return path.startswith("/api/") or path.endswith((".json", ".jsonl", ".txt"))


def bearer(headers: dict[str, str]) -> str | None:
    """The token of an `Authorization: Bearer TOKEN` header ("" when the header is malformed)."""
    value = headers.get("authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def cookie(headers: dict[str, str], name: str = COOKIE) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


class AuthGate:
    """Pure ASGI middleware: find the user of a request (an API token, else a session cookie)
    and put it in `scope["state"]["user"]`; refuse anonymous requests to anything not public
    (401 JSON with `WWW-Authenticate` for the API, 303 to /login for pages). Off when `store`
    is None (accounts off): every request then passes with no user."""

    def __init__(self, app: Any, *, store: Any, sso: Any = None):
        self.app = app
        self.store = store
        self.sso = sso  # a `unspin.web.sso.TrustedHeader`, or None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.store is None:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        token = bearer(headers)
        user = None
        path = scope.get("path", "/")
        if token is None and path.startswith(PUBLIC_PREFIXES):  # static files: no lookup needed
            await self.app(scope, receive, send)
            return
        if self.sso is not None:  # a name a trusted proxy vouches for comes first
            user = await self.sso.identify(scope, headers, self.store)
        if user is None and token:
            user = await anyio.to_thread.run_sync(self.store.user_for, token, "token")
        elif user is None and token is None and (session := cookie(headers)):
            user = await anyio.to_thread.run_sync(self.store.user_for, session, "session")
        scope["state"] = {**(scope.get("state") or {}), "user": user}
        if user is not None or (is_public(path) and token is None):
            await self.app(scope, receive, send)
            return
        if token is not None or is_api(path):
            message = ("This API token is not valid (revoked, or mistyped)." if token
                       else "Log in first: send `Authorization: Bearer TOKEN` (from `unspin users token "
                            "NAME`) or log in at /login.")
            await _send(send, 401, json.dumps(payload(401, message)).encode(), [
                (b"content-type", b"application/json"), (b"www-authenticate", b'Bearer realm="unspin"')])
            return
        target = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
        await _send(send, 303, b"", [(b"location", ("/login?next=" + quote(target, safe="")).encode())])


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        *headers, (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store"), *HEADERS]})
    await send({"type": "http.response.body", "body": body})


def current_user(request: Request) -> dict[str, Any] | None:
    """The logged-in user (`name`, `role`), or None when accounts are off."""
    return getattr(request.state, "user", None)


def user_name(request: Request) -> str | None:
    """The logged-in user's name (None when accounts are off)."""
    user = current_user(request)
    return None if user is None else str(user["name"])


def actor(request: Request) -> str:
    """How the audit log names whoever sent `request`."""
    user = current_user(request)
    if user is not None:
        return user["name"]
    return f"anonymous@{request.client.host if request.client else '?'}"[:100]


async def audit(request: Request, event: str, target: str | None = None, /, **detail: Any) -> None:
    """Record in the audit log that the request's user did `event` (when the store has one)."""
    store = request.app.state.service.store
    if hasattr(store, "log_action"):
        await anyio.to_thread.run_sync(lambda: store.log_action(actor(request), event, target, detail))


def require(role: str) -> Callable[[Request], None]:
    """A dependency: 403 unless the user's role is `role` or above (nothing when accounts are off)."""
    needed = RANK[role]

    def check(request: Request) -> None:
        if not request.app.state.auth:
            return
        user = current_user(request)
        if user is None:  # AuthGate lets no anonymous request this far; refuse anyway
            raise HTTPException(401, "Log in first.")
        if RANK.get(user["role"], -1) < needed:
            raise HTTPException(403, f"Your role ({user['role']}) may not do this: it needs {role}.")

    return check
