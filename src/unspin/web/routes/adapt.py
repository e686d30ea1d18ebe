"""`POST /api/adapt` (and the history page's "Adapt the model" form, `POST /adapt`): adapt a
model to the articles marked reviewed, as a job (`GET`/`DELETE /api/jobs/{id}`); reviewers and
admins only when accounts are on."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from unspin.errors import InputError
from unspin.web.adapting import Adapter
from unspin.web.auth import actor, audit, require, user_name
from unspin.web.jobs import Job
from unspin.web.schemas import LOCATION, spec
from unspin.web.schemas import Job as JobAnswer

router = APIRouter(prefix="/api", tags=["adapt"])
pages = APIRouter(include_in_schema=False)
REVIEWER = [Depends(require("reviewer"))]
ADAPT_EXAMPLE = {"ok": True, "id": "Zk3J9x0a", "kind": "adapt", "status": "running", "stage": "train",
                 "title": "Adapt fast to 40 reviewed articles", "words": 0,
                 "created": "2026-12-05T10:15:00Z", "finished": None,
                 "start": "fast", "model": "fast-adapted-20261205-101500",
                 "progress": {"done": 12, "total": 60, "fraction": 0.2},
                 "links": {"api": "/api/jobs/Zk3J9x0a", "page": "/jobs/Zk3J9x0a", "models": "/api/models"}}


class AdaptRequest(BaseModel):
    """Adapt the model `from` to the articles marked reviewed."""

    model_config = ConfigDict(extra="forbid",
                              json_schema_extra={"examples": [{"from": "fast", "taxonomy": "keep",
                                                               "minutes": 10, "heads_only": False}]})

    start: str = Field(..., alias="from", max_length=64, description="The model to start from, by name "
                                                                     "(`GET /api/models`).")
    taxonomy: Literal["keep", "data"] = Field("keep", description="`keep` the start's techniques, or "
                                                                  "learn those in the reviewed `data`.")
    minutes: float | None = Field(None, gt=0, le=24 * 60, description="A cap on the whole run.")
    heads_only: bool = Field(False, description="Train only the start's heads, its encoder kept as it is: "
                                                "minutes instead of tens of minutes, and often as good on "
                                                "a few dozen news articles (`unspin adapt --heads-only`).")


def adapter(request: Request) -> Adapter:
    return request.app.state.adapter


@router.post("/adapt", status_code=202, dependencies=REVIEWER, **spec(
    JobAnswer, 403, 409, 413, 415, 422, 503, status=202, what="Accepted; poll the `Location`",
    meaning={400: "An unknown `from`, or fewer than 2 articles marked reviewed",
             409: "A model is being adapted already"}, headers=LOCATION, example=ADAPT_EXAMPLE))
async def start_adapt(body: AdaptRequest, request: Request) -> JSONResponse:
    """Adapt the model `from` to the articles marked reviewed (`taxonomy` `keep` or `data`,
    optional `minutes`, `heads_only`) in the background: 202 with `Location: /api/jobs/{id}`, whose `stage`
    and `progress` follow the run; `DELETE` it to cancel. When done the new model (`model`) is
    in `GET /api/models`. One adaptation at a time (409)."""
    job = await _start(request, body)
    return JSONResponse({"ok": True, **job.to_dict()}, status_code=202,
                        headers={"Location": f"/api/jobs/{job.id}"})


@pages.post("/adapt", dependencies=REVIEWER)
async def adapt_form(request: Request) -> Response:
    """The history page's "Adapt the model" form: 303 to the job's progress page."""
    form = await request.form(max_files=0, max_fields=6)
    values = {k: v for k in ("from", "taxonomy", "minutes", "heads_only")
              if isinstance(v := form.get(k), str) and v.strip()}
    try:
        body = AdaptRequest.model_validate(values)
    except ValueError:
        raise InputError("Choose a model to start from, keep or data for the techniques, what to train, "
                         "and minutes as a positive number (or none).") from None
    job = await _start(request, body)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


async def _start(request: Request, body: AdaptRequest) -> Job:
    job = await adapter(request).start(body.start, taxonomy=body.taxonomy, minutes=body.minutes,
                                       heads_only=body.heads_only, actor=actor(request),
                                       user=user_name(request))
    await audit(request, "adapt", (job.info or {}).get("model"), job=job.id, start=body.start,
                taxonomy=body.taxonomy, minutes=body.minutes, heads_only=body.heads_only)
    return job
