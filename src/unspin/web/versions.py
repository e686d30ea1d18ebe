"""Optimistic versioning of review corrections: a reviewer sends the `version` of the span
they saw (from `GET .../review` or the page's data) in an `If-Match` header; when someone
else corrected that span meanwhile the change is refused with 409 and the current state."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from unspin import review
from unspin.errors import InputError, StaleError
from unspin.web.errors import respond
from unspin.web.views import service

STALE = "Someone else corrected this span meanwhile; here is its current state."


def if_match(request: Request) -> int | None:
    """The span version in `If-Match` (`3`, `"3"` or `W/"3"`); None when absent or `*`."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() in ("", "*"):
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise InputError("If-Match must be the span's `version` (a whole number) as GET .../review "
                         f"gave it, not {raw[:20]!r}.")
    return int(value)


IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
            "description": "The span's `version` as last seen; a span corrected since answers 409.",
            "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,9}"?$|^\*$'}}


def documented(route: dict[str, Any]) -> dict[str, Any]:
    """`route` (keyword arguments from `schemas.spec`) with the `If-Match` header and its 409."""
    from unspin.web.schemas_review import Stale

    responses = {**route["responses"], 409: {"model": Stale, "description": STALE}}
    extra = {**route.get("openapi_extra", {}), "parameters": [IF_MATCH]}
    return {**route, "responses": responses, "openapi_extra": extra}


def install(app: FastAPI) -> None:
    """Answer `StaleError` on a route with an `analysis_id` with 409 and the current state."""

    @app.exception_handler(StaleError)
    async def stale_error(request: Request, err: StaleError) -> Response:
        analysis_id = request.path_params.get("analysis_id")
        if not analysis_id:
            return respond(request, 409, str(err))
        return await stale(request, analysis_id, err.key, str(err))


async def stale(request: Request, analysis_id: str, key: str | None, message: str = STALE) -> Response:
    """409 with the analysis's current review state: the error, the `span` as it is now (null
    when it is gone), every reviewed span, the corrections and the reviewed mark (404 when
    the analysis itself is gone)."""
    svc = service(request)
    record = await run_in_threadpool(svc.store.get_analysis, analysis_id)
    if record is None:  # deleted meanwhile
        return respond(request, 404, f"No saved analysis with id {analysis_id[:128]!r} (deleted meanwhile?).")
    log = await run_in_threadpool(svc.store.corrections, analysis_id)
    mark = await run_in_threadpool(svc.store.review_mark, analysis_id)
    spans = review.reviewed(record["text"], record["spans"], log)
    current = next((s for s in spans if s["key"] == key), None)
    return JSONResponse({"ok": False, "status": 409, "error": message, "id": analysis_id, "span": current,
                         "spans": spans, "corrections": log, "reviewed": mark}, status_code=409)
