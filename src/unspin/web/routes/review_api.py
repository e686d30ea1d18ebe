"""Reviewers correct the model: `GET`/`POST /api/analyses/{id}/review` read and append
corrections (accept, reject, relabel, resize, add, reset), stored with who and when, and
`POST /api/analyses/{id}/reviewed` marks the whole article reviewed (or not)."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from unspin import review
from unspin.errors import InputError, StaleError
from unspin.web import offered, versions
from unspin.web.auth import audit, current_user, require
from unspin.web.schemas import spec
from unspin.web.schemas_review import ACTION_RULES, Corrected, Offset, Review, Reviewed
from unspin.web.views import AnalysisId, service

api = APIRouter(prefix="/api", tags=["review"])
REVIEWER = [Depends(require("reviewer"))]
CHANGE = (403, 404, 413, 415, 422)
WHO = "Who; defaults to the `reviewer` setting. Ignored with accounts on: the logged-in user reviews."


class ReviewRequest(BaseModel):
    """One correction. `span` is the key of the span to change (from `GET .../review`); `add`
    needs `start`, `end` and `technique`; `relabel` a `technique`; `resize` `start` and/or `end`."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=ACTION_RULES)

    action: Literal["accept", "reject", "relabel", "resize", "add", "reset"]
    span: str | None = Field(None, max_length=32, description="Span key: m<index> or a<token>.")
    start: Offset | None = Field(None, description="New start offset (resize, add).")
    end: Offset | None = Field(None, description="New end offset (resize, add).")
    technique: str | None = Field(None, max_length=64, description="Technique name (relabel, add).")
    definition: str | None = Field(None, max_length=500, description="With `technique` outside the "
                                   "list offered (`GET .../review` `techniques`): its definition; the "
                                   "technique is then stored and offered to every reviewer.")
    reviewer: str | None = Field(None, max_length=100, description=WHO)


class ReviewedRequest(BaseModel):
    """Mark an article reviewed (`reviewed: true`: every span not rejected is confirmed and
    the text without spans was checked) or take the mark back (`false`)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    reviewed: bool = Field(True, description="True marks it reviewed, false unmarks it.")
    reviewer: str | None = Field(None, max_length=100, description=WHO)


def who_reviews(request: Request, given: str | None) -> str:
    """Who is reviewing: the logged-in user when accounts are on (a name in the request is
    ignored then), else the name given or the `reviewer` setting, cleaned by
    `review.reviewer_name` (no bidi overrides, zero-width or control characters)."""
    user = current_user(request)
    if user is not None:
        return user["name"]
    return review.reviewer_name(given or service(request).settings.reviewer or "")


async def review_state(request: Request, analysis_id: str) -> dict[str, Any]:
    """The saved record, its corrections and its reviewed spans."""
    svc = service(request)
    record = await svc.get(analysis_id)
    log = await run_in_threadpool(svc.store.corrections, analysis_id)
    return {"record": record, "corrections": log,
            "spans": review.reviewed(record["text"], record["spans"], log)}


@api.get("/analyses/{analysis_id}/review", **spec(Review, 404, 422, what="The review"))
async def get_review(request: Request, analysis_id: str = AnalysisId) -> dict[str, Any]:
    """The reviewed spans (each with `key`, `status`, `reviewer`, `at` and the `model`'s own
    offsets and technique) and the log of corrections, oldest first."""
    state = await review_state(request, analysis_id)
    mark = await run_in_threadpool(service(request).store.review_mark, analysis_id)
    choices = await offered.offered(request, state["record"].get("model"))
    return {"ok": True, "id": analysis_id, "reviewed": mark, "spans": state["spans"],
            "corrections": state["corrections"], "techniques": [
                {k: t[k] for k in ("name", "display", "definition", "added")} for t in choices]}


@api.post("/analyses/{analysis_id}/reviewed", **spec(Reviewed, *CHANGE, what="The mark"),
          dependencies=REVIEWER)
async def post_reviewed(body: ReviewedRequest, request: Request,
                        analysis_id: str = AnalysisId) -> dict[str, Any]:
    """Mark the article reviewed by `reviewer` (exports and the agreement table then use it,
    with every span not rejected as confirmed), or unmark it; returns the mark (null when none)."""
    svc = service(request)
    await svc.get(analysis_id)  # 404 when unknown
    who = None
    if body.reviewed:
        who = who_reviews(request, body.reviewer)
        if not who:
            raise InputError("Say who is reviewing: give a reviewer name (set it once on the page).")
    mark = await run_in_threadpool(svc.store.set_reviewed, analysis_id, who)
    await audit(request, "reviewed" if body.reviewed else "unreviewed", analysis_id, reviewer=who)
    return {"ok": True, "id": analysis_id, "reviewed": mark}


@api.post("/analyses/{analysis_id}/review", **versions.documented(
    spec(Corrected, *CHANGE, 409, what="The correction, saved")), dependencies=REVIEWER)
async def post_review(body: ReviewRequest, request: Request, analysis_id: str = AnalysisId) -> dict[str, Any]:
    """Append one correction and return it with the reviewed spans. With `If-Match: <version>`
    (the span's `version` as last seen) a span someone else corrected meanwhile answers 409
    with the current state (`span`, `spans`, `corrections`, `reviewed`) instead."""
    svc = service(request)
    state = await review_state(request, analysis_id)
    seen = versions.if_match(request) if body.action != "add" else None
    if seen is not None and review.version_of(state["spans"], body.span) != seen:
        raise StaleError(versions.STALE, key=body.span)  # 409 with the current state
    who = who_reviews(request, body.reviewer)
    technique = body.technique
    if technique is not None and body.action in ("relabel", "add") and who:
        choices = await offered.offered(request, state["record"].get("model"))
        technique = await offered.ensure(request, technique, body.definition, who, choices)
    fix = review.correction(body.action, text=state["record"]["text"], spans=state["spans"],
                            reviewer=who, target=body.span, start=body.start, end=body.end,
                            technique=technique)
    saved = await run_in_threadpool(partial(svc.store.add_correction, version=seen), analysis_id, fix)
    await audit(request, "review", analysis_id, action=fix["action"], span=fix["target"],
                technique=fix["technique"], reviewer=fix["reviewer"])
    log = [*state["corrections"], saved]
    return {"ok": True, "id": analysis_id, "correction": saved,
            "spans": review.reviewed(state["record"]["text"], state["record"]["spans"], log)}
