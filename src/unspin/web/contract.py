"""What every route keeps to, set up once for the whole app: HEAD answers wherever GET does,
and every route that takes a JSON body reads it through `inputs.read_json` (415 for a body
that is not JSON, 422 for one that is not a JSON object) before FastAPI validates its fields."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
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


def api_routes(routes: Any) -> Iterator[APIRoute]:
    """Every APIRoute, those of included routers too (FastAPI nests them)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def with_examples(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """`app.openapi` with the answers' examples as the routes give them: FastAPI drops every
    null from the document, and so the keys whose example value is null."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        for route in api_routes(app.router.routes):
            for status, answer in (route.responses or {}).items():
                example = (answer.get("content") or {}).get("application/json", {}).get("example")
                for method in route.methods if example is not None and route.include_in_schema else ():
                    op = spec["paths"][route.path_format][method.lower()]
                    op["responses"][str(status)]["content"]["application/json"]["example"] = example
        return spec

    return openapi


def install(app: FastAPI) -> None:
    """Call before the other middleware is added (so it runs inside them, after the body
    limit and the access checks): JSON bodies through one parser, examples kept whole."""
    app.openapi = with_examples(app)  # type: ignore[method-assign]
    app.add_middleware(JsonBodies, spec=app.openapi)
