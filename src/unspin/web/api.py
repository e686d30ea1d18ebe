"""The HTTP API under `/api` (documented in OpenAPI at `/openapi.json`, shown at `/docs`)."""

from __future__ import annotations

import platform
from typing import Any

from fastapi import APIRouter, Request

import unspin
from unspin.web.context import technique_list
from unspin.web.inputs import EXAMPLE_RESPONSE, AnalyzeRequest, for_request, one_of, parse_body
from unspin.web.service import Service

router = APIRouter(prefix="/api", tags=["api"])
ERROR_WHAT = {400: "Bad input (empty, binary, refused URL, refused Host)",
              401: "Accounts are on: log in, or send `Authorization: Bearer TOKEN`",
              403: "Cross-site request refused, or your role lacks the right", 404: "Not found",
              413: "Body too large, or a text too long to analyze at once: use POST /api/jobs",
              415: "The body is not JSON", 422: "Invalid request (bad JSON, wrong type, unknown field)",
              502: "The URL could not be fetched", 503: "Busy: retry after Retry-After s",
              504: "The analysis took longer than the time budget"}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route can answer (one shape for all)."""
    return {code: {"description": ERROR_WHAT[code], "content": {"application/json": {"example": {
        "ok": False, "error": "...", "status": code}}}} for code in codes}


ERRORS = errors(*ERROR_WHAT)  # every status any route answers
READ = errors(400)  # a GET: only a refused Host
READ_ONE = errors(400, 404)  # a GET of something by id
CHANGE_ONE = errors(400, 401, 403, 404, 413, 415, 422)  # a POST/DELETE on something by id
ANALYZE = errors(400, 403, 413, 415, 422, 502, 503, 504)
ANALYZE_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": AnalyzeRequest.model_json_schema(ref_template="#/components/schemas/{model}"),
    "example": AnalyzeRequest.model_config["json_schema_extra"]["examples"][0]}}}}


def service(request: Request) -> Service:
    return request.app.state.service


def permalink(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    if record.get("id"):
        record["links"] = {"page": f"/a/{record['id']}", "api": f"/api/analyses/{record['id']}"}
    return {"ok": True, **record}


@router.post("/analyze", openapi_extra=ANALYZE_BODY, responses={
    200: {"content": {"application/json": {"example": EXAMPLE_RESPONSE}}}, **ANALYZE})
async def analyze(request: Request) -> dict[str, Any]:
    """Analyze one of `text`, `url` or `html`: spans (start, end, text, technique, score, why)
    and document figures; saved (with a permalink) unless `save` is false. CRLF/CR line
    endings become LF first (`meta.normalized` says how many; offsets index `text`)."""
    svc = service(request)
    body = parse_body(await request.body(), request.headers.get("content-type"), AnalyzeRequest)
    svc.model_loader(body.model)  # 422 for an unknown model, before any fetching
    fields = {"text": body.text, "url": body.url, "html": body.html}
    kind = one_of(fields, where="the JSON body")
    doc = for_request(await svc.document(kind, fields[kind]), body)
    svc.require_sync(doc)
    [record] = await svc.analyze([doc], threshold=body.threshold, save=body.save,
                                 disconnected=request.is_disconnected, model=body.model)
    return permalink(request, record)


@router.get("/analyses/{analysis_id}", responses=READ_ONE)
async def get_analysis(analysis_id: str, request: Request) -> dict[str, Any]:
    """A saved analysis by id."""
    return permalink(request, await service(request).get(analysis_id))


@router.get("/techniques")
async def techniques() -> dict[str, Any]:
    """The 14 techniques with their definitions, examples and colors."""
    return {"ok": True, "techniques": technique_list()}


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """Liveness, whether the model is loaded, and the inference queue."""
    return service(request).health()


@router.get("/version")
async def version(request: Request) -> dict[str, Any]:
    """Versions of unspin, the model in use, and Python."""
    svc = service(request)
    return {"ok": True, "unspin": unspin.__version__, "model": svc.runner.model_name, "api": 1,
            "python": platform.python_version()}
