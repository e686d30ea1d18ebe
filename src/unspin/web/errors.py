"""One error shape for the whole app, `{"ok": false, "error": ..., "status": ...}`, decided
in one place; pages get the same message in an HTML page."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from unspin.errors import FetchError, InputError, ModelNotFoundError, UnspinError
from unspin.web.runner import Busy, ClientGone, TimedOut

log = logging.getLogger("unspin.web")
HEAD_FLAG = "unspin.head"  # in the scope of a HEAD request answered as a GET (`contract.HeadAsGet`)


class BodyTooLarge(StarletteHTTPException):
    """The request body is over the configured limit (an HTTPException so body parsers
    pass it through untouched)."""

    def __init__(self, limit: int):
        super().__init__(413, f"The request body is larger than the limit of {limit:,} bytes; "
                              "send a shorter text or raise UNSPIN_WEB_MAX_BODY_BYTES.")


def payload(status: int, message: str) -> dict[str, Any]:
    return {"ok": False, "error": message, "status": status}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path.endswith((".json", ".txt")):
        return True
    return "text/html" not in request.headers.get("accept", "")


def respond(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error as JSON, or as an HTML page for browsers on page routes."""
    if wants_json(request):
        return JSONResponse(payload(status, message), status_code=status, headers=headers)
    templates = request.app.state.templates
    html = templates.get_template("error.html").render(
        error=payload(status, message), page="error", title=f"Error {status}")
    return HTMLResponse(html, status_code=status, headers=headers)


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method some route answers on `path` (HEAD wherever GET), for `Allow`."""
    methods: set[str] = set()

    def walk(routes: Any) -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI nests included routers
                walk(route.original_router.routes)
            elif isinstance(route, Route) and route.methods and route.path_regex.match(path):
                methods.update(route.methods)

    walk(app.router.routes)
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _validation_message(err: RequestValidationError) -> str:
    parts = []
    for item in err.errors()[:5]:
        where = ".".join(str(p) for p in item.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one shape."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> Response:
        message, headers = str(err.detail), dict(err.headers or {})
        if err.status_code == 404 and message == "Not Found":
            message = f"Nothing at {request.url.path}."
        elif err.status_code == 405:
            method = "HEAD" if request.scope.get(HEAD_FLAG) else request.method
            message = f"{method} is not allowed on {request.url.path}."
            headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
        return respond(request, err.status_code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> Response:
        return respond(request, 422, _validation_message(err))

    @app.exception_handler(Busy)
    async def busy(request: Request, err: Busy) -> Response:
        return respond(request, err.status, str(err), {"Retry-After": str(err.retry_after)})

    @app.exception_handler(TimedOut)
    async def timed_out(request: Request, err: TimedOut) -> Response:
        return respond(request, 504, str(err))

    @app.exception_handler(ClientGone)
    async def gone(request: Request, err: ClientGone) -> Response:
        return respond(request, 499, str(err))

    @app.exception_handler(FetchError)
    async def fetch_failed(request: Request, err: FetchError) -> Response:
        return respond(request, err.status, str(err))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, err: InputError) -> Response:
        return respond(request, int(getattr(err, "status", 400)), str(err))

    @app.exception_handler(ModelNotFoundError)
    async def no_model(request: Request, err: ModelNotFoundError) -> Response:
        return respond(request, 503, f"No model is available: {err}", {"Retry-After": "60"})

    @app.exception_handler(UnspinError)
    async def unspin_error(request: Request, err: UnspinError) -> Response:
        return respond(request, int(getattr(err, "status", 400)), str(err))

    @app.exception_handler(Exception)
    async def crashed(request: Request, err: Exception) -> Response:
        log.exception("Unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500, "Internal error; the server log has the details.")
