"""The pages side of jobs: the analyze and compare forms start jobs (when the page script
runs; without it the forms post to the synchronous `/analyze` and `/compare`), and
`/jobs/{id}` shows a progress bar until the result is ready, then moves on to it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from unspin.errors import InputError
from unspin.web.auth import current_user, user_name
from unspin.web.forms import form_error, form_input, form_model, form_threshold
from unspin.web.jobinputs import job_input
from unspin.web.jobs import DONE, JobManager
from unspin.web.views import read_form, render, service, twin

router = APIRouter(include_in_schema=False)


def jobs(request: Request) -> JobManager:
    return request.app.state.jobs


@router.post("/jobs")
async def start_form_job(request: Request) -> Response:
    """The analyze form as a job: 303 to its progress page (a URL is fetched by the job)."""
    form = await read_form(request)
    try:
        model = form_model(request, form)
        title = form.get("title")
        doc = await job_input(service(request), *await form_input(request, form),
                              title if isinstance(title, str) else None)
        threshold = form_threshold(form)
    except InputError as err:
        return form_error(request, form, err)
    job = await jobs(request).start([doc], threshold=threshold, user=user_name(request), model=model)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/jobs/compare")
async def start_compare_job(request: Request) -> Response:
    """The compare form as a job: 303 to its progress page (URLs are fetched by the job)."""
    form = await read_form(request)
    try:
        docs = [await job_input(service(request), *await form_input(request, form, side), None)
                for side in ("_a", "_b")]
        threshold = form_threshold(form)
    except InputError as err:
        return form_error(request, form, err, compare=True)
    job = await jobs(request).start(docs, kind="compare", threshold=threshold, user=user_name(request))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}.json")
async def job_json(job_id: str, request: Request) -> Response:
    return twin({"job": (await jobs(request).get(job_id, current_user(request))).to_dict(with_result=False)})


@router.get("/jobs/{job_id}")
async def job_page(job_id: str, request: Request) -> Response:
    """Progress of a job; once done, a redirect to its result (only its submitter's and
    admins' with accounts on: 404 for anyone else)."""
    job = await jobs(request).get(job_id, current_user(request))
    if job.status == DONE and job.page:
        return RedirectResponse(job.page, status_code=303)
    title = job.title or ("Comparison" if job.kind == "compare" else "Analysis")
    doing = {"cancelled": "Cancelled", "failed": "Failed", "done": "Done"}.get(
        job.status, "Adapting" if job.kind == "adapt" else "Analyzing")
    return render(request, "job.html", {"job": job.to_dict(with_result=False), "page": "job",
                                        "title": f"{doing}: {title}"})
