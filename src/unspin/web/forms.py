"""The analyze and compare forms: the input, threshold and model a form gives, and the form
shown again with an error; the analyze page's context (what `/` and `/index.json` show)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from unspin.doc import Document
from unspin.errors import InputError
from unspin.web import context as ctx
from unspin.web.inputs import one_of, with_title
from unspin.web.views import render, service


def index_context(request: Request) -> dict[str, Any]:
    svc = service(request)
    s = svc.settings
    models = svc.models
    return {"techniques": ctx.technique_list(), "model": svc.runner.model_name,
            "models": [*models.folders()] if models else [],
            "default_model": models.default_name() if models else None,
            "limits": {"max_body_bytes": s.max_body_bytes, "fetch_max_bytes": s.fetch_max_bytes,
                       "threshold": s.threshold}}


def example() -> dict[str, str]:
    """The example article behind "Try an example" (its first line is the title)."""
    from importlib import resources

    text = resources.files("unspin.web").joinpath("static", "example.txt").read_text(encoding="utf-8")
    return {"title": text.split("\n", 1)[0].strip(), "text": text}


async def form_input(request: Request, form: Any, suffix: str = "") -> tuple[str, Any]:
    """(kind, value) of the one input given in a form: text, url or an uploaded file."""
    upload = form.get("file" + suffix)
    file_value = None
    if isinstance(upload, UploadFile) and (upload.filename or upload.size):
        file_value = (upload.filename, await upload.read())
    fields = {"text": form.get("text" + suffix) or None, "url": form.get("url" + suffix) or None,
              "file": file_value}
    fields = {k: (v if not isinstance(v, str) or v.strip() else None) for k, v in fields.items()}
    if isinstance(fields["text"], str):  # browsers send every text box line break as CRLF
        fields["text"] = fields["text"].replace("\r\n", "\n")
    where = "the form" if not suffix else f"article {suffix.strip('_').upper()}"
    kind = one_of(fields, where=where)
    return kind, fields[kind]


def form_threshold(form: Any) -> float | None:
    raw = form.get("threshold")
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError as err:
        raise InputError(f"The threshold must be a number between 0 and 1, got {raw[:20]!r}.") from err
    if not 0.0 <= value <= 1.0:
        raise InputError(f"The threshold must be between 0 and 1, got {value}.")
    return value


def form_model(request: Request, form: Any) -> str | None:
    """The model picked on the form (None: the server's own); an unknown name is refused."""
    name = _field(form, "model").strip() or None
    service(request).model_loader(name)
    return name


async def form_document(request: Request, form: Any) -> Document:
    """The document of an analyze form, with its optional title."""
    kind, value = await form_input(request, form)
    title = form.get("title")
    return with_title(await service(request).document(kind, value), title if isinstance(title, str) else None)


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_error(request: Request, form: Any, err: InputError, *, compare: bool = False) -> Response:
    """The analyze (or compare) form again, filled with what was sent, the error above it
    (a client that does not ask for HTML gets the JSON error instead)."""
    from unspin.web.errors import wants_json

    if wants_json(request):
        raise err
    status = int(getattr(err, "status", 400))
    message = str(err)
    files = [form.get(k) for k in ("file", "file_a", "file_b")]
    if any(isinstance(f, UploadFile) and f.filename for f in files):
        message += " Browsers cannot keep a chosen file: choose it again."
    if compare:
        prefill = {k: _field(form, k) for k in ("text_a", "url_a", "text_b", "url_b")}
        return render(request, "compare_form.html", {"page": "compare", "title": "Compare", "error": message,
                                                     "prefill": prefill}, status=status)
    prefill = {k: _field(form, k) for k in ("text", "url", "title", "threshold", "model")}
    prefill["text"] = prefill["text"].replace("\r\n", "\n")
    return render(request, "index.html", {**index_context(request), "example": example(), "prefill": prefill,
                                          "error": message, "page": "analyze", "title": "Analyze"},
                  status=status)
