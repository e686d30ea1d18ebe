"""The history of saved analyses: a searchable page (with its JSON twin), delete, bulk
export, compare from history, send to the corpus, and model-vs-reviewer agreement."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin import review
from unspin.errors import InputError
from unspin.web import exports
from unspin.web.auth import audit, current_user, require
from unspin.web.inputs import MAX_OFFSET, MAX_PAGE
from unspin.web.schemas import Agreement, AnalysisList, Deleted, SentToCorpus, spec
from unspin.web.views import AnalysisId, read_form, render, service, twin

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["history"])
PAGE_SIZE = 50
MAX_EXPORT = 10_000


REVIEWED = {"": None, "yes": True, "no": False}


def reviewed_filter(value: str | None) -> bool | None:
    """`?reviewed=yes|no` (or empty: all) as a filter."""
    if (value or "") not in REVIEWED:
        raise InputError(f"`reviewed` must be yes, no or empty, not {value[:20]!r}.")
    return REVIEWED[value or ""]


async def history_context(request: Request, q: str | None, page: int,
                          reviewed: str | None = None) -> dict[str, Any]:
    """Context of the history page (and its twin): one page of saved analyses (all, or only
    those marked reviewed or not), running jobs, and agreement per technique over reviewed
    analyses."""
    store = service(request).store
    page = max(1, page)
    found = await run_in_threadpool(store.saved_analyses, query=q, limit=PAGE_SIZE,
                                    offset=(page - 1) * PAGE_SIZE, reviewed=reviewed_filter(reviewed))
    jobs = [j.to_dict(with_result=False) for j in await request.app.state.jobs.active(current_user(request))]
    return {"query": q or "", "reviewed": reviewed or "",
            "page_no": page, "pages": max(1, -(-found["total"] // PAGE_SIZE)),
            "total": found["total"], "items": found["items"], "jobs": jobs,
            "agreement": await run_in_threadpool(agreement_rows, store),
            "models": [*request.app.state.models.folders()]}


def agreement_rows(store: Any) -> dict[str, Any]:
    """Model vs reviewer per technique (`unspin.review.agreement`) over every analysis marked
    reviewed (in one only partly reviewed, untouched model spans say nothing either way)."""
    articles = []
    for aid in store.reviewed_ids():
        record = store.get_analysis(aid)
        if record is not None:
            articles.append(review.reviewed(record["text"], record["spans"], store.corrections(aid)))
    return {"articles": len(articles), "techniques": review.agreement(articles)}


@router.get("/history.json")
async def history_json(request: Request, q: str | None = None, page: int = Query(1, le=MAX_PAGE),
                       reviewed: str | None = None) -> Response:
    return twin(await history_context(request, q, page, reviewed))


@router.get("/history")
async def history_page(request: Request, q: str | None = None, page: int = Query(1, le=MAX_PAGE),
                       reviewed: str | None = None) -> Response:
    context = await history_context(request, q, page, reviewed)
    return render(request, "history.html", {**context, "page": "history", "title": "History"})


def _ids(values: list[str] | None) -> list[str]:
    return [v for v in (values or []) if v][:MAX_EXPORT]


@router.get("/history/export.jsonl", dependencies=[Depends(require("admin"))])
async def export_history(request: Request, id: list[str] | None = Query(None),
                         q: str | None = None) -> Response:
    """The chosen saved analyses (`id=` repeated), or all matching `q`, one JSON per line,
    streamed: each is read from the store as the client takes the previous ones."""
    svc = service(request)
    ids = _ids(id)
    chosen = bool(ids)
    if not ids:
        ids = await run_in_threadpool(partial(svc.store.saved_ids, query=q, limit=MAX_EXPORT))
    await audit(request, "export", None, count=len(ids), query=q or None, chosen=chosen)
    return StreamingResponse(exports.jsonl(svc.store, ids), media_type="application/x-ndjson",
                             headers={"Content-Disposition": 'attachment; filename="unspin-analyses.jsonl"'})


@router.post("/history/delete", dependencies=[Depends(require("admin"))])
async def delete_form(request: Request) -> Response:
    """Delete the analyses ticked on the history page (the form without script)."""
    form = await read_form(request)
    ids = [v for v in form.getlist("id") if isinstance(v, str)]
    if not ids:
        raise InputError("Tick the analyses to delete first.")
    for aid in ids:
        await delete(request, aid)
    return RedirectResponse("/history", status_code=303)


async def delete(request: Request, analysis_id: str) -> None:
    svc = service(request)
    record = await svc.get(analysis_id)  # 404 when unknown
    if not await run_in_threadpool(svc.store.delete_analysis, analysis_id):
        raise HTTPException(404, f"No saved analysis with id {analysis_id[:128]!r}.")
    await audit(request, "delete", analysis_id, title=(record.get("meta") or {}).get("title"))


@api.get("/analyses", **spec(AnalysisList, 422, what="One page of saved analyses"))
async def list_analyses(request: Request, q: str | None = None,
                        limit: int = Query(PAGE_SIZE, ge=1, le=1000),
                        offset: int = Query(0, ge=0, le=MAX_OFFSET),
                        reviewed: bool | None = None) -> dict[str, Any]:
    """Saved analyses newest first (`total`, `items` with id, created, title, source, url,
    published, outlet, snippet, words, spans, density, top `techniques`, `corrections`,
    `reviewed`: who marked it reviewed and when, or null); `q` searches title, source, outlet,
    URL and text; `reviewed=true|false` keeps those marked reviewed or not."""
    found = await run_in_threadpool(service(request).store.saved_analyses, query=q, limit=limit,
                                    offset=offset, reviewed=reviewed)
    return {"ok": True, **found}


@api.delete("/analyses/{analysis_id}", **spec(Deleted, 403, 404, 422, what="Deleted"),
            dependencies=[Depends(require("admin"))])
async def delete_analysis(request: Request, analysis_id: str = AnalysisId) -> dict[str, Any]:
    """Delete a saved analysis with its spans and corrections (its permalink then answers 404)."""
    await delete(request, analysis_id)
    return {"ok": True, "deleted": analysis_id}


@api.post("/analyses/{analysis_id}/corpus", **spec(SentToCorpus, 403, 404, 422, what="In the corpus",
                                                  meaning={400: "The app runs without a database, or a "
                                                                "refused Host"}),
          dependencies=[Depends(require("reviewer"))])
async def send_to_corpus(request: Request, analysis_id: str = AnalysisId) -> dict[str, Any]:
    """Add a saved analysis's text to the corpus (the `/corpus` dashboard counts it under its
    model at once). Needs the app on a database; 400 otherwise."""
    svc = service(request)
    await svc.get(analysis_id)
    done = await run_in_threadpool(svc.store.send_to_corpus, analysis_id)
    await audit(request, "corpus", analysis_id)
    return {"ok": True, "analysis_id": analysis_id, **(done or {})}


@api.get("/agreement", **spec(Agreement))
async def agreement(request: Request) -> dict[str, Any]:
    """Model vs reviewer per technique over reviewed analyses: `model`, `reviewer`, `agreed`,
    `rejected`, `relabelled`, `added` and `agreement` (2·agreed / (model + reviewer))."""
    return {"ok": True, **await run_in_threadpool(agreement_rows, service(request).store)}
