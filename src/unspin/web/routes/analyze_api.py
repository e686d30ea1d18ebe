"""The analyze API under `/api`: analyze, a saved analysis, the techniques, health and version
(the whole API is documented in OpenAPI at `/openapi.json`, shown at `/docs`)."""

from __future__ import annotations

import platform
from typing import Any

from fastapi import APIRouter, Request

import unspin
from unspin.web.context import technique_list
from unspin.web.inputs import EXAMPLE_RESPONSE, AnalyzeRequest, for_request, one_of, parse_body
from unspin.web.schemas import (
    MEANING,
    Analysis,
    Error,
    Health,
    Techniques,
    Version,
    spec,
)
from unspin.web.views import FETCHED, AnalysisId, permalink, service

router = APIRouter(prefix="/api", tags=["api"])
ERROR_WHAT = MEANING
REVIEW_LINKS = {
    "GetAnalysis": {"operationId": "get_analysis", "parameters": {"analysis_id": "$response.body#/id"},
                    "description": "The saved analysis (its `id` is null when not saved)."},
    "GetReview": {"operationId": "get_review", "parameters": {"analysis_id": "$response.body#/id"},
                  "description": "Its reviewed spans and corrections."},
    "PostReview": {"operationId": "post_review", "parameters": {"analysis_id": "$response.body#/id"},
                   "description": "Correct one of its spans."},
    "PostReviewed": {"operationId": "post_reviewed", "parameters": {"analysis_id": "$response.body#/id"},
                     "description": "Mark it reviewed."},
    "SendToCorpus": {"operationId": "send_to_corpus", "parameters": {"analysis_id": "$response.body#/id"},
                     "description": "Add its text to the corpus."},
    "DeleteAnalysis": {"operationId": "delete_analysis", "parameters": {"analysis_id": "$response.body#/id"},
                       "description": "Delete it."},
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route can answer (all shaped `Error`)."""
    return {code: {"model": Error, "description": ERROR_WHAT[code]} for code in codes}


ERRORS = errors(*ERROR_WHAT)  # every status any route answers
READ = errors(400)  # a GET: only a refused Host
READ_ONE = errors(400, 404)  # a GET of something by id
CHANGE_ONE = errors(400, 401, 403, 404, 413, 415, 422)  # a POST/DELETE on something by id
ANALYZE = errors(400, 403, 413, 415, 422, 502, 503, 504)
ANALYZE_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": AnalyzeRequest.model_json_schema(ref_template="#/components/schemas/{model}"),
    "example": AnalyzeRequest.model_config["json_schema_extra"]["examples"][0]}}}}


@router.post("/analyze", openapi_extra=ANALYZE_BODY, **spec(
    Analysis, 403, 413, 415, 422, 502, 503, 504, what="The analysis", meaning=FETCHED,
    example=EXAMPLE_RESPONSE, links=REVIEW_LINKS))
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


@router.get("/analyses/{analysis_id}", **spec(
    Analysis, 404, 422, what="The saved analysis",
    links={k: v for k, v in REVIEW_LINKS.items() if k != "GetAnalysis"}))
async def get_analysis(request: Request, analysis_id: str = AnalysisId) -> dict[str, Any]:
    """A saved analysis by id."""
    return permalink(request, await service(request).get(analysis_id))


@router.get("/techniques", **spec(Techniques))
async def techniques() -> dict[str, Any]:
    """The 14 techniques with their definitions, examples and colors."""
    return {"ok": True, "techniques": technique_list()}


@router.get("/health", **spec(Health, limited=False, meaning={
    401: "A token or session was sent and is not valid (this route needs none)"}))
async def health(request: Request) -> dict[str, Any]:
    """Liveness, whether the model is loaded, and the inference queue."""
    return service(request).health()


@router.get("/version", **spec(Version))
async def version(request: Request) -> dict[str, Any]:
    """Versions of unspin, the model in use, and Python."""
    svc = service(request)
    return {"ok": True, "unspin": unspin.__version__, "model": svc.runner.model_name, "api": 1,
            "python": platform.python_version()}
