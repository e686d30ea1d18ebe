"""The corpus dashboard: technique mix per source, trend over time, source × technique heatmap
and co-occurrence, drawn with Vega-Lite specs built server-side by Altair.

Every page has a JSON twin (`/corpus.json`, `/corpus/documents.json`) and every chart one too
(`/corpus/charts/{name}.json`: its rows and its Vega-Lite spec). Filters are query
parameters: `model`, `source` and `technique` (repeatable), `start`, `end` (ISO dates,
inclusive) and `bucket` (day/week/month). Clicking a mark opens the documents behind it.

It is in `unspin.web.routes.ROUTERS` when the corpus extra is installed; it reads
`app.state.service.store`, which must be a `unspin.store.Store` (the app started with a
database), and answers 404 with instructions otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from unspin import taxonomy
from unspin.errors import InputError
from unspin.store import Store, drill
from unspin.store import queries as q
from unspin.web.inputs import MAX_PAGE, BadParameter

router = APIRouter(include_in_schema=False)
CHARTS = ("mix", "trend", "heatmap", "cooccurrence")
TITLES = {"mix": "Technique mix per source", "trend": "Techniques over time",
          "heatmap": "Source × technique", "cooccurrence": "Techniques found together"}
TOP_SOURCES = 25
PAGE = 50


# -- request -> filters ----------------------------------------------------------------------
def _store(request: Request) -> Store:
    store = getattr(request.app.state.service, "store", None)
    if not isinstance(store, Store):
        raise HTTPException(404, "The corpus dashboard needs a database: start the app with "
                                 "`unspin serve --db URL` (or UNSPIN_DB) after `unspin corpus import` "
                                 "and `unspin batch`.")
    return store


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as err:
        raise InputError(f"`{name}` must be a date like 2024-03-31, got {value!r}.") from err


def filters_from(request: Request) -> tuple[q.Filters, str]:
    """Filters and time bucket from the query string (a technique the corpus holds is known even
    where this server has not loaded the model that found it)."""
    params = request.query_params
    bucket = params.get("bucket") or "week"
    if bucket not in q.BUCKETS:
        raise InputError(f"`bucket` must be one of {', '.join(q.BUCKETS)}, got {bucket!r}.")
    q.know_stored(_store(request), [*params.getlist("technique"), *params.getlist("focus"),
                                    *params.getlist("with")])
    f = q.Filters(model=params.get("model") or None,
                  sources=tuple(s for s in params.getlist("source") if s),
                  techniques=tuple(t for t in params.getlist("technique") if t),
                  start=_date(params.get("start"), "start"), end=_date(params.get("end"), "end"))
    return f, bucket


def query_string(f: q.Filters, bucket: str, **extra: Any) -> str:
    pairs: list[tuple[str, Any]] = [("model", f.model), ("bucket", bucket)]
    pairs += [("source", s) for s in f.sources] + [("technique", t) for t in f.techniques]
    pairs += [("start", f.start.isoformat() if f.start else None),
              ("end", f.end.isoformat() if f.end else None)]
    pairs += list(extra.items())
    return urlencode([(k, v) for k, v in pairs if v not in (None, "")])


# -- charts ----------------------------------------------------------------------------------
def _color(rows: list[dict[str, Any]]) -> Any:
    """Each technique in its own color (as everywhere in the app), legend limited to those shown."""
    import altair as alt

    from unspin.web.context import technique_info

    present = {r.get("technique") for r in rows} - {None}
    names = [n for n in taxonomy.NAMES if n in present] + sorted(present - set(taxonomy.NAMES))
    shown = [technique_info(n) for n in names]  # an adapted model's techniques too
    return alt.Scale(domain=[t["display"] for t in shown], range=[t["color"] for t in shown])


def _display(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """Rows with each technique's display name (`<key>_display`) and two-letter tag (`<key>_tag`)."""
    from unspin.web.context import technique_info

    out = []
    for row in rows:
        row = dict(row)
        for key in keys:
            info = technique_info(row[key])
            row[f"{key}_display"] = info["display"]
            row[f"{key}_tag"] = info["tag"]
        out.append(row)
    return out


def drill_url(name: str, row: dict[str, Any], f: q.Filters, bucket: str) -> str:
    """The documents behind one mark of chart `name` (the page a click, or the row's link in
    the data table, opens)."""
    pairs: list[tuple[str, str]] = []
    only = f
    if name in ("mix", "heatmap"):
        only = q.Filters(model=f.model, sources=(row["source"],), techniques=f.techniques, start=f.start,
                         end=f.end)
        pairs = [("focus", row["technique"])]
    elif name == "trend":
        pairs = [("bucket_start", str(row["bucket_start"])[:10]), ("focus", row["technique"])]
    else:
        pairs = [("focus", row["a"]), ("with", row["a"])]
        pairs += [("with", row["b"])] if row["b"] != row["a"] else []
    return f"/corpus/documents?{query_string(only, bucket)}&{urlencode(pairs)}"


def chart_rows(store: Store, name: str, f: q.Filters, bucket: str,
               memo: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The rows behind one chart (`memo` shares the mix query between the bars and the heatmap)."""
    if name in ("mix", "heatmap"):
        memo = {} if memo is None else memo
        if "mix" not in memo:
            memo["mix"] = q.technique_mix(store, f)
        rows = memo["mix"]
        sources: dict[Any, int] = {}
        for r in rows:
            sources[r["source"]] = r["source_documents"]
        kept = set(sorted(sources, key=lambda s: -sources[s])[:TOP_SOURCES])
        return _display([dict(r, source=r["source"] or q.NO_SOURCE) for r in rows if r["source"] in kept],
                        "technique")
    if name == "trend":
        rows = [dict(r, bucket_start=r["bucket"]) for r in q.trend(store, f, bucket=bucket)]
        return _display(rows, "technique")
    if name == "cooccurrence":
        return _display(q.cooccurrence(store, f), "a", "b")
    raise HTTPException(404, f"No chart named {name!r}; the charts are {', '.join(CHARTS)}.")


def chart_spec(name: str, rows: list[dict[str, Any]], bucket: str) -> dict[str, Any]:
    """A Vega-Lite spec (dict) for chart `name` with `rows` inlined."""
    import altair as alt

    base = alt.Chart(alt.Data(values=rows))
    tech = alt.Color("technique_display:N", title="Technique", scale=_color(rows))
    if name == "mix":
        y = alt.Y("source:N", title=None, sort="-x")
        x = alt.X("spans:Q", stack="normalize", title="Share of spans", axis=alt.Axis(format="%"))
        bars = base.mark_bar().encode(
            y=y, x=x, color=tech,
            tooltip=["source:N", alt.Tooltip("technique_display:N", title="technique"), "spans:Q",
                     alt.Tooltip("share_of_spans:Q", format=".1%", title="share"),
                     alt.Tooltip("density:Q", format=".2%"), "documents:Q"])
        # not by colour alone: each wide enough piece carries its technique's two-letter tag
        tags = base.mark_text(align="right", dx=-3, fontSize=10, fontWeight="bold", color="black").encode(
            y=y, x=x, detail="technique_display:N",
            text=alt.condition("datum.share_of_spans >= 0.07", "technique_tag:N", alt.value("")))
        chart = alt.layer(bars, tags)
    elif name == "trend":
        chart = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=60)).encode(
            x=alt.X("bucket:T", title=bucket.capitalize()),
            y=alt.Y("spans_per_1k_words:Q", title="Spans per 1,000 words"), color=tech,
            shape=alt.Shape("technique_display:N", title="Technique"),  # not by colour alone
            tooltip=[alt.Tooltip("bucket:T", title=bucket),
                     alt.Tooltip("technique_display:N", title="technique"), "spans:Q",
                     "spans_per_1k_words:Q", "documents:Q"])
    elif name == "heatmap":
        chart = base.mark_rect().encode(
            x=alt.X("technique_display:N", title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("source:N", title=None),
            color=alt.Color("density:Q", title="Density", scale=alt.Scale(scheme="orangered")),
            tooltip=["source:N", alt.Tooltip("technique_display:N", title="technique"),
                     alt.Tooltip("density:Q", format=".2%"), "spans_per_1k_words:Q", "documents:Q"])
    else:
        chart = base.mark_rect().encode(
            x=alt.X("a_display:N", title=None, axis=alt.Axis(labelAngle=-40)),
            y=alt.Y("b_display:N", title=None),
            color=alt.Color("jaccard:Q", title="Jaccard", scale=alt.Scale(scheme="blues")),
            tooltip=[alt.Tooltip("a_display:N", title="technique"), alt.Tooltip("b_display:N", title="with"),
                     "documents:Q", alt.Tooltip("jaccard:Q", format=".2f")])
    spec = chart.properties(width="container", height=_height(name, rows), title=TITLES[name])
    return spec.to_dict(validate=False)


def _height(name: str, rows: list[dict[str, Any]]) -> int:
    if name in ("mix", "heatmap"):
        return max(120, 22 * len({r["source"] for r in rows}))
    return 320


def chart(store: Store, name: str, f: q.Filters, bucket: str,
          memo: dict[str, Any] | None = None) -> dict[str, Any]:
    """One chart's JSON twin: rows, spec, and how a click drills down."""
    rows = [dict(r, drill=drill_url(name, r, f, bucket)) for r in chart_rows(store, name, f, bucket, memo)]
    return {"name": name, "title": TITLES[name], "rows": rows, "spec": chart_spec(name, rows, bucket),
            "drill": {"mix": ["source", "technique"], "heatmap": ["source", "technique"],
                      "trend": ["bucket_start", "technique"], "cooccurrence": ["a", "b"]}[name],
            "json": f"/corpus/charts/{name}.json?{query_string(f, bucket)}"}


def feeds_context(store: Store, f: q.Filters, bucket: str) -> list[dict[str, Any]]:
    """Each followed feed's freshness, with the URL that filters the dashboard to its documents."""
    from unspin.store.feeds import feed_status

    rows = feed_status(store)
    for row in rows:
        only = q.Filters(model=f.model, techniques=f.techniques, start=f.start, end=f.end,
                         sources=(row["source"],) if row["source"] else ())
        row["filter"] = f"/corpus?{query_string(only, bucket)}" if row["source"] else None
    return rows


def dashboard_context(store: Store, f: q.Filters, bucket: str,
                      names_of: Callable[[str], list[str] | None] | None = None) -> dict[str, Any]:
    """The dashboard; its technique filter lists the model's techniques (`names_of(model)`,
    an adapted model's own), else PTC's 14."""
    from unspin.web.context import technique_info

    f = f.resolved(store)
    memo: dict[str, Any] = {}
    names = (names_of(f.model) if names_of and f.model else None) or list(taxonomy.NAMES)
    return {"overview": q.overview(store, f), "filters": f.to_dict(), "bucket": bucket,
            "feeds": feeds_context(store, f, bucket),
            "techniques": [{"name": n, "display": technique_info(n)["display"]} for n in names],
            "charts": {name: chart(store, name, f, bucket, memo) for name in CHARTS},
            "query": query_string(f, bucket)}


def documents_context(store: Store, request: Request) -> dict[str, Any]:
    f, bucket = filters_from(request)
    params = request.query_params
    f = f.resolved(store)
    if params.get("bucket_start"):  # a point on the trend chart: its whole bucket
        first = _date(params.get("bucket_start"), "bucket_start")
        start, end = drill.bucket_range(bucket, first)  # type: ignore[arg-type]
        f = q.Filters(model=f.model, sources=f.sources, techniques=f.techniques, start=start, end=end)
    also = tuple(t for t in params.getlist("with") if t)
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 0
    if not 1 <= page <= MAX_PAGE:
        raise BadParameter("page", 1, MAX_PAGE)
    found = drill.documents_for(store, f, technique=params.get("focus") or None, require=also,
                            limit=PAGE, offset=(page - 1) * PAGE)
    focus = found["technique"]
    from unspin.web.context import technique_info  # an adapted model's techniques by their display names too

    return {"filters": f.to_dict(), "bucket": bucket, "focus": focus,
            "focus_display": technique_info(focus)["display"] if focus else None, "with": list(also),
            "with_display": [technique_info(taxonomy.normalize(t))["display"] for t in also
                             if taxonomy.normalize(t) != focus],
            "total": found["total"], "page_no": page, "pages": max(1, -(-found["total"] // PAGE)),
            "documents": found["documents"], "back": f"/corpus?{query_string(f, bucket)}",
            "request_query": str(request.query_params),
            "request_query_nopage": urlencode([(k, v) for k, v in params.multi_items() if k != "page"])}


# -- routes ----------------------------------------------------------------------------------
def _render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    from unspin.web.auth import current_user

    html = request.app.state.templates.get_template(template).render(
        **{"user": current_user(request), **context})
    return HTMLResponse(html)


@router.get("/corpus.json")
async def corpus_json(request: Request) -> Response:
    store = _store(request)
    f, bucket = filters_from(request)
    return JSONResponse({"ok": True, **await run_in_threadpool(dashboard_context, store, f, bucket,
                                                               request.app.state.models.technique_names)})


@router.get("/corpus")
async def corpus_page(request: Request) -> Response:
    store = _store(request)
    f, bucket = filters_from(request)
    context = await run_in_threadpool(dashboard_context, store, f, bucket,
                                      request.app.state.models.technique_names)
    return _render(request, "dashboard.html", {**context, "page": "corpus", "title": "Corpus"})


@router.get("/corpus/charts/{name}.json")
async def chart_json(request: Request, name: str) -> Response:
    store = _store(request)
    f, bucket = filters_from(request)
    if name not in CHARTS:
        raise HTTPException(404, f"No chart named {name!r}; the charts are {', '.join(CHARTS)}.")
    resolved = await run_in_threadpool(f.resolved, store)
    data = await run_in_threadpool(chart, store, name, resolved, bucket)
    return JSONResponse({"ok": True, "filters": resolved.to_dict(), "bucket": bucket, **data})


@router.get("/corpus/documents.json")
async def documents_json(request: Request) -> Response:
    store = _store(request)
    return JSONResponse({"ok": True, **await run_in_threadpool(documents_context, store, request)})


@router.get("/corpus/documents")
async def documents_page(request: Request) -> Response:
    store = _store(request)
    context = await run_in_threadpool(documents_context, store, request)
    return _render(request, "dashboard_documents.html",
                   {**context, "page": "corpus", "title": "Corpus documents"})
