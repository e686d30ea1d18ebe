"""The analyze and compare pages and an analysis with its exports, each page with a JSON twin
(`.json`) returning the same context."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from unspin import review
from unspin.doc import Document
from unspin.errors import InputError
from unspin.io.ptc import Label, format_label
from unspin.web import context as ctx
from unspin.web.auth import current_user
from unspin.web.forms import (
    example,
    form_document,
    form_error,
    form_input,
    form_model,
    form_threshold,
    index_context,
)
from unspin.web.inputs import with_title
from unspin.web.offered import offered
from unspin.web.palette import technique_css
from unspin.web.views import read_form, render, service, twin

router = APIRouter(include_in_schema=False)
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'")


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


# -- analyze ---------------------------------------------------------------------------------
@router.get("/index.json")
async def index_json(request: Request) -> Response:
    return twin(index_context(request))


@router.get("/")
async def index(request: Request, example_: str | None = Query(None, alias="example"),
                model: str | None = Query(None, max_length=64)) -> Response:
    ex = example()
    prefill = {"text": "", "title": "", "url": "", "threshold": "", "model": model or "",
               **(ex if example_ else {})}
    return render(request, "index.html", {**index_context(request), "example": ex, "prefill": prefill,
                                          "error": None,
                                          "page": "analyze", "title": "Analyze"})


@router.post("/analyze")
async def analyze_form(request: Request) -> Response:
    form = await read_form(request)
    svc = service(request)
    try:
        model = form_model(request, form)
        doc = await form_document(request, form)
        svc.require_sync(doc)
        threshold = form_threshold(form)
    except InputError as err:
        return form_error(request, form, err)
    [record] = await svc.analyze([doc], threshold=threshold, disconnected=request.is_disconnected,
                                 model=model)
    return RedirectResponse(f"/a/{record['id']}", status_code=303)


# -- one analysis ----------------------------------------------------------------------------
async def reviewed_context(request: Request, analysis_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The analysis context with its `review` (reviewed spans, corrections, reviewers), and the log."""
    svc = service(request)
    record = await svc.get(analysis_id)
    log = await run_in_threadpool(svc.store.corrections, analysis_id)
    context = ctx.analysis_context(record)
    mark = await run_in_threadpool(svc.store.review_mark, analysis_id)
    spans = review.reviewed(record["text"], record["spans"], log)
    context["review"] = {"corrections": len(log), "reviewers": sorted({c["reviewer"] for c in log}),
                         "reviewed": mark, "spans": spans}
    if log:  # the legend and bars count the reviewer's version (a relabel can bring a technique in)
        context["legend"] = ctx.legend(review.kept(spans))
    return context, log


@router.get("/a/{analysis_id}.json")
async def analysis_json(analysis_id: str, request: Request) -> Response:
    context, _ = await reviewed_context(request, analysis_id)
    return twin(context)


@router.get("/a/{analysis_id}")
async def analysis_page(analysis_id: str, request: Request) -> Response:
    svc = service(request)
    context, log = await reviewed_context(request, analysis_id)
    recent = await run_in_threadpool(svc.store.saved_analyses, limit=30)
    others = [o for o in recent["items"] if o["id"] != analysis_id]
    return render(request, "analysis.html", {
        **context, **ctx.html_extras(context["analysis"], log), "others": others,
        "techniques": await offered(request, context["analysis"].get("model")), "page": "analysis",
        "reviewer": user["name"] if (user := current_user(request)) else svc.settings.reviewer,
        "title": context["source"]["title"] or "Analysis"})


@router.get("/a/{analysis_id}/export.json")
async def export_json(analysis_id: str, request: Request) -> Response:
    record = await service(request).get(analysis_id)
    return JSONResponse(record, headers=_attachment(f"unspin-{record['id']}.json"))


@router.get("/a/{analysis_id}/labels.txt")
async def export_labels(analysis_id: str, request: Request, reviewed: bool = False) -> Response:
    """PTC technique-classification labels: `id<TAB>technique<TAB>start<TAB>end` per span
    (with `?reviewed=1`, the reviewer's version: corrections applied, rejected spans left out)."""
    if reviewed:
        context, _ = await reviewed_context(request, analysis_id)
        record, spans = context["analysis"], review.kept(context["review"]["spans"])
    else:
        record = await service(request).get(analysis_id)
        spans = record["spans"]
    rows = [format_label(Label(str(record["id"]), s["start"], s["end"], s["technique"])) for s in spans]
    return PlainTextResponse("".join(r + "\n" for r in rows),
                             headers=_attachment(f"article{record['id']}.labels"))


@router.get("/a/{analysis_id}/article.txt")
async def export_article(analysis_id: str, request: Request) -> Response:
    """The analyzed text exactly as the label offsets index it (a PTC article file)."""
    record = await service(request).get(analysis_id)
    return PlainTextResponse(record["text"], headers=_attachment(f"article{record['id']}.txt"))


@router.get("/a/{analysis_id}/report.html")
async def export_report(analysis_id: str, request: Request) -> Response:
    """A standalone HTML report: inline CSS, no script, opens offline."""
    from importlib import resources

    context, log = await reviewed_context(request, analysis_id)
    record = context["analysis"]
    css = resources.files("unspin.web").joinpath("static", "app.css").read_text(encoding="utf-8")
    headers = {"Content-Security-Policy": REPORT_CSP, **_attachment(f"unspin-{record['id']}.html")}
    return render(request, "report.html", {**context, **ctx.html_extras(record, log), "css": css,
                                           "technique_css": technique_css(),
                                           "title": context["source"]["title"] or "unspin report"},
                  headers=headers)


# -- compare ---------------------------------------------------------------------------------
async def compare_context(request: Request, a: str | None, b: str | None) -> dict[str, Any]:
    if not a or not b:
        raise InputError("Compare needs two analysis ids: /compare?a=ID&b=ID.")
    svc = service(request)
    return ctx.compare_context(await svc.get(a), await svc.get(b))


@router.get("/compare.json")
async def compare_json(request: Request, a: str | None = None, b: str | None = None) -> Response:
    return twin(await compare_context(request, a, b))


@router.get("/compare")
async def compare_page(request: Request, a: str | None = None, b: str | None = None,
                       id: list[str] | None = Query(None)) -> Response:
    """Two analyses side by side; `id=X&id=Y` (two ticked on the history page) redirects to `a=X&b=Y`."""
    if id and not a and not b:
        if len(id) != 2:
            raise InputError(f"Tick exactly two analyses to compare; {len(id)} were ticked.")
        return RedirectResponse(f"/compare?a={quote(id[0])}&b={quote(id[1])}", status_code=303)
    if not a and not b:
        prefill = dict.fromkeys(("text_a", "url_a", "text_b", "url_b"), "")
        return render(request, "compare_form.html",
                      {"page": "compare", "title": "Compare", "prefill": prefill, "error": None})
    context = await compare_context(request, a, b)
    extras = {"a_extras": ctx.html_extras(context["a"]["analysis"]),
              "b_extras": ctx.html_extras(context["b"]["analysis"])}
    for side in ("a", "b"):  # each side's review status (its highlights are the model's)
        side_context, _ = await reviewed_context(request, context[side]["analysis"]["id"])
        extras[f"{side}_review"] = side_context["review"]
    names = [context[k]["source"]["title"] or f"Analysis {k.upper()}" for k in ("a", "b")]
    return render(request, "compare.html", {**context, **extras, "page": "compare",
                                            "title": f"Compare: {names[0]} / {names[1]}"})


async def compare_documents(request: Request, form: Any) -> list[Document]:
    """The two documents of a compare form (fields suffixed `_a` and `_b`)."""
    svc = service(request)
    docs = []
    for side in ("_a", "_b"):
        kind, value = await form_input(request, form, side)
        docs.append(with_title(await svc.document(kind, value), None))
    return docs


@router.post("/compare")
async def compare_form(request: Request) -> Response:
    form = await read_form(request)
    try:
        docs = await compare_documents(request, form)
        threshold = form_threshold(form)
    except InputError as err:
        return form_error(request, form, err, compare=True)
    a, b = await service(request).analyze(docs, threshold=threshold)
    return RedirectResponse(f"/compare?a={a['id']}&b={b['id']}", status_code=303)
