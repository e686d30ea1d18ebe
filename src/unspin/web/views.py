"""What the views share: the app's service, a page or its JSON twin, a posted form read
within the limits; for the API, the analysis id parameter, what a fetch error means, and
the permalinks of an analysis."""

from __future__ import annotations

from typing import Any

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, JSONResponse

from unspin.web.auth import current_user
from unspin.web.schemas import ID_PATTERN
from unspin.web.service import Service

AnalysisId = Path(pattern=ID_PATTERN, description="A saved analysis's id.")
FETCHED = {413: "The body is over the size limit, the text too long to analyze at once (use `POST "
                "/api/jobs`), or the page at `url` too large",
           415: "The body is not JSON, or the page at `url` is not text (an image, a PDF, ...)",
           422: "A field is missing, of the wrong type or unknown (the message names it), or the page "
                "at `url` is empty"}


def service(request: Request) -> Service:
    """The app's `Service` (views call it, never the model or the store)."""
    return request.app.state.service


def render(request: Request, template: str, context: dict[str, Any], *, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    """The page `template` with `context` (and the user logged in)."""
    html = request.app.state.templates.get_template(template).render(
        **{"user": current_user(request), **context})
    return HTMLResponse(html, status_code=status, headers=headers)


def twin(context: dict[str, Any]) -> JSONResponse:
    """A page's JSON twin: the same context, with `ok`."""
    return JSONResponse({"ok": True, **context})


async def read_form(request: Request) -> Any:
    """The posted form, refused past the body limit or too many fields or files."""
    return await request.form(max_files=2, max_fields=20,
                              max_part_size=service(request).settings.max_body_bytes)


def permalink(request: Request, record: dict[str, Any]) -> dict[str, Any]:
    """An analysis answer, with links to its page and API when it is saved."""
    if record.get("id"):
        record["links"] = {"page": f"/a/{record['id']}", "api": f"/api/analyses/{record['id']}"}
    return {"ok": True, **record}
