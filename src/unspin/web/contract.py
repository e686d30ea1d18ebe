"""What every route keeps to, set up once for the whole app: HEAD answers wherever GET does,
and every route that takes a JSON body reads it through `inputs.read_json` (415 for a body
that is not JSON, 422 for one that is not a JSON object) before FastAPI validates its fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unspin.web.errors import HEAD_FLAG, respond
from unspin.web.inputs import BadBody, read_json


class HeadAsGet:
    """HEAD is answered as GET without the body (same status and headers)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_FLAG: True}, receive, no_body)


def json_operations(spec: dict[str, Any]) -> list[tuple[str, re.Pattern[str]]]:
    """(method, path pattern) of every operation whose document says it takes a JSON body."""
    found = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if "application/json" in ((op or {}).get("requestBody") or {}).get("content", {}):
                found.append((method.upper(), compile_path(path)[0]))
    return found


class JsonBodies:
    """Every operation documented with a JSON body reads it through `read_json` first: a
    body that is not a JSON object is answered 415 or 422 before the route sees it."""

    def __init__(self, app: ASGIApp, spec: Callable[[], dict[str, Any]]):
        self.app = app
        self.spec = spec
        self.operations: list[tuple[str, re.Pattern[str]]] | None = None

    def takes_json(self, method: str, path: str) -> bool:
        if self.operations is None:
            self.operations = json_operations(self.spec())
        return any(m == method and pattern.match(path) for m, pattern in self.operations)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.takes_json(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            data = await request.body()
            read_json(data, request.headers.get("content-type"))
        except BadBody as err:
            await respond(request, err.status, str(err))(scope, receive, send)
            return
        except HTTPException as err:  # the body limit, raised while reading
            await respond(request, err.status_code, str(err.detail), err.headers)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": data, "more_body": False}

        await self.app(scope, replay, send)


def install(app: FastAPI) -> None:
    """Call before the other middleware is added (so it runs inside them, after the body
    limit and the access checks): JSON bodies through one parser."""
    app.add_middleware(JsonBodies, spec=app.openapi)
