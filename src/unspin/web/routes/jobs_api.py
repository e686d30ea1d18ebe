"""`/api/jobs`: analyses that run in the background, with progress, status and cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from unspin.web.auth import audit, current_user, user_name
from unspin.web.inputs import AnalyzeRequest, one_of
from unspin.web.jobinputs import job_input
from unspin.web.jobs import JobManager
from unspin.web.schemas import JOB_ID_PATTERN, LOCATION, Job, spec
from unspin.web.views import FETCHED, permalink, service

router = APIRouter(prefix="/api", tags=["jobs"])
JOB_EXAMPLE = {"ok": True, "id": "k3J9x0aQ", "kind": "analyze", "status": "running", "title": None,
               "words": 1346, "created": "2026-12-05T10:00:00Z", "finished": None,
               "progress": {"done": 3, "total": 9, "fraction": 0.3333},
               "links": {"api": "/api/jobs/k3J9x0aQ", "page": "/jobs/k3J9x0aQ"}}
JobId = Path(pattern=JOB_ID_PATTERN, description="The job's id.")
JOB_LINKS = {
    "GetJob": {"operationId": "get_job", "parameters": {"job_id": "$response.body#/id"},
               "description": "Poll the job (its `Location`)."},
    "CancelJob": {"operationId": "cancel_job", "parameters": {"job_id": "$response.body#/id"},
                  "description": "Cancel it."},
}
RESULT_LINKS = {
    "GetAnalysis": {"operationId": "get_analysis", "parameters": {"analysis_id": "$response.body#/result/id"},
                    "description": "The saved analysis, once the job is done."},
    "GetReview": {"operationId": "get_review", "parameters": {"analysis_id": "$response.body#/result/id"},
                  "description": "Review the analysis, once the job is done."},
}


def jobs(request: Request) -> JobManager:
    return request.app.state.jobs


@router.post("/jobs", status_code=202, **spec(
    Job, 403, 413, 415, 422, 502, 503, 504, status=202, what="Accepted; poll the `Location`",
    meaning=FETCHED, headers=LOCATION, links=JOB_LINKS, example=JOB_EXAMPLE))
async def start_job(body: AnalyzeRequest, request: Request) -> JSONResponse:
    """Start analyzing one of `text`, `url` or `html` in the background (same body as
    `POST /api/analyze`). Answers 202 with `Location: /api/jobs/{id}`; poll it for progress.
    A `url` is fetched by the job once it runs (a malformed one is refused at once; one that
    cannot be fetched fails the job with the reason)."""
    svc = service(request)
    svc.model_loader(body.model)  # 422 for an unknown model, before any fetching
    fields = {"text": body.text, "url": body.url, "html": body.html}
    kind = one_of(fields, where="the JSON body")
    doc = await job_input(svc, kind, fields[kind], body.title)
    job = await jobs(request).start([doc], threshold=body.threshold, save=body.save,
                                    user=user_name(request), model=body.model)
    return JSONResponse({"ok": True, **job.to_dict()}, status_code=202,
                        headers={"Location": f"/api/jobs/{job.id}"})


@router.get("/jobs/{job_id}", **spec(Job, 404, 422, what="The job", example=JOB_EXAMPLE,
                                     links={**RESULT_LINKS, "CancelJob": JOB_LINKS["CancelJob"]}))
async def get_job(request: Request, job_id: str = JobId) -> dict[str, Any]:
    """A job's `status` (queued, running, done, failed, cancelled), `progress` (windows `done`
    of `total`), and once done its `result` (the analysis, as `POST /api/analyze` returns it).
    With accounts on, only its submitter and admins see a job (404 for anyone else)."""
    body = (await jobs(request).get(job_id, current_user(request))).to_dict()
    result = body.get("result") if body["kind"] in ("analyze", "compare") else None  # analyses
    if isinstance(result, dict):
        body["result"] = permalink(request, dict(result))
    elif isinstance(result, list):
        body["result"] = [permalink(request, dict(r)) for r in result]
    return {"ok": True, **body}


@router.delete("/jobs/{job_id}", **spec(Job, 403, 404, 409, 422, what="The job, cancelled"))
async def cancel_job(request: Request, job_id: str = JobId) -> dict[str, Any]:
    """Cancel a queued or running job (it stops at its next window); 409 once finished. With
    accounts on, only its submitter and admins may (404 for anyone else)."""
    job = await jobs(request).cancel(job_id, current_user(request))
    await audit(request, "job-cancel", job.id, kind=job.kind, user=job.user)
    return {"ok": True, **job.to_dict(with_result=False)}
