"""`/api/jobs`: analyses that run in the background, with progress, status and cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from unspin.web.api import ANALYZE, READ_ONE, errors, permalink, service
from unspin.web.inputs import AnalyzeRequest, one_of, with_title
from unspin.web.jobs import JobManager

router = APIRouter(prefix="/api", tags=["jobs"])
JOB_EXAMPLE = {"ok": True, "id": "k3J9x0aQ", "kind": "analyze", "status": "running", "title": None,
               "words": 1346, "progress": {"done": 3, "total": 9, "fraction": 0.3333},
               "links": {"api": "/api/jobs/k3J9x0aQ", "page": "/jobs/k3J9x0aQ"}}


def jobs(request: Request) -> JobManager:
    return request.app.state.jobs


@router.post("/jobs", status_code=202, responses={
    **ANALYZE, 202: {"description": "Accepted; poll the Location", "content": {
        "application/json": {"example": JOB_EXAMPLE}}}})
async def start_job(body: AnalyzeRequest, request: Request) -> JSONResponse:
    """Start analyzing one of `text`, `url` or `html` in the background (same body as
    `POST /api/analyze`). Answers 202 with `Location: /api/jobs/{id}`; poll it for progress."""
    svc = service(request)
    svc.model_loader(body.model)  # 422 for an unknown model, before any fetching
    fields = {"text": body.text, "url": body.url, "html": body.html}
    kind = one_of(fields, where="the JSON body")
    doc = with_title(await svc.document(kind, fields[kind]), body.title)
    job = await jobs(request).start([doc], threshold=body.threshold, save=body.save, model=body.model)
    return JSONResponse({"ok": True, **job.to_dict()}, status_code=202,
                        headers={"Location": f"/api/jobs/{job.id}"})


@router.get("/jobs/{job_id}", responses={**READ_ONE, 200: {"content": {"application/json": {
    "example": JOB_EXAMPLE}}}})
async def get_job(job_id: str, request: Request) -> dict[str, Any]:
    """A job's `status` (queued, running, done, failed, cancelled), `progress` (windows `done`
    of `total`), and once done its `result` (the analysis, as `POST /api/analyze` returns it)."""
    body = (await jobs(request).get(job_id)).to_dict()
    result = body.get("result") if body["kind"] in ("analyze", "compare") else None  # analyses
    if isinstance(result, dict):
        body["result"] = permalink(request, dict(result))
    elif isinstance(result, list):
        body["result"] = [permalink(request, dict(r)) for r in result]
    return {"ok": True, **body}


@router.delete("/jobs/{job_id}",
               responses={**errors(400, 403, 404), 409: {"description": "Already finished"}})
async def cancel_job(job_id: str, request: Request) -> dict[str, Any]:
    """Cancel a queued or running job (it stops at its next window); 409 once finished."""
    return {"ok": True, **(await jobs(request).cancel(job_id)).to_dict(with_result=False)}
