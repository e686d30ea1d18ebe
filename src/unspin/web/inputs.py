"""Turning what a request carries (text, HTML, a URL or an uploaded file) into a Document.
These functions block (fetching, article extraction): call them off the event loop."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.normalize import NOTE_KEY, SURROGATE, clean_field, normalize_document
from unspin.web.settings import WebSettings

MAX_TITLE = 300
MAX_OFFSET = 1_000_000_000  # the most rows a listing skips (SQLite refuses integers past 2**63)
MAX_PAGE = 1_000_000  # the highest page number of a paged listing
Model = TypeVar("Model", bound=BaseModel)
EXAMPLE_REQUEST = {"text": "The radical left mob staged a shameful betrayal of our great nation.",
                   "threshold": 0.3, "save": False}
# The shape of a real answer to EXAMPLE_REQUEST (tests/web/test_docs_page.py compares every
# key with one); the span and its score are illustrative: they depend on the model.
EXAMPLE_RESPONSE = {
    "ok": True, "id": None, "model": "unspin-ptc-accurate",
    "text": "The radical left mob staged a shameful betrayal of our great nation.",
    "figures": {"characters": 68, "words": 12, "spans": 1, "density": 0.2353,
                "spans_per_1k_words": 83.33, "counts": {"Name_Calling,Labeling": 1}},
    "spans": [{"start": 4, "end": 20, "text": "radical left mob", "technique": "Name_Calling,Labeling",
               "score": 0.41, "why": [{"text": "mob", "start": 17, "end": 20, "weight": 0.62}]}],
    "created": "2026-12-05T10:00:00.000000Z",
    "meta": {"title": "The radical left mob staged a shameful betrayal…", "source": "text", "format": "text",
             "threshold": 0.3},
}


class AnalyzeRequest(BaseModel):
    """Body of `POST /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
    (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={
        "examples": [EXAMPLE_REQUEST],  # exactly one of text, url, html with something in it:
        "oneOf": [{"required": [k], "properties": {k: {"type": "string", "pattern": r"\S"}}}
                  for k in ("text", "url", "html")]})
    _replaced: int = PrivateAttr(0)  # lone surrogates replaced in text/html before validation

    text: str | None = Field(None, description="Plain text, analyzed as is (offsets index it).")
    url: str | None = Field(None, description="An http(s) URL of an article to fetch and extract.")
    html: str | None = Field(None, description="An HTML page; its article text is extracted.")
    threshold: float | None = Field(None, ge=0.0, le=1.0,
                                    description="The least span score returned (scores are calibrated "
                                                "probabilities); defaults to the model's min_score.")
    title: str | None = Field(None, max_length=MAX_TITLE, description="A title to store with it.")
    save: bool = Field(True, description="Store the analysis and return its permalink.")
    model: str | None = Field(None, max_length=64, description="The model to use, by name (`GET "
                                                               "/api/models`); default: the server's.")


class BadBody(InputError):
    """A request body that is not what the route takes: 422 (bad JSON, wrong field), 415
    (not JSON) or 413 (too long to analyze at once)."""

    def __init__(self, message: str, *, status: int = 422):
        super().__init__(message)
        self.status = status


class BadParameter(BadBody):
    """A query parameter that is not a whole number in its range (422 naming it)."""

    def __init__(self, name: str, low: int, high: int):
        super().__init__(f"Invalid request: query.{name}: must be a whole number from {low:,} to {high:,}.")


class TooLong(BadBody):
    """A text longer than a request may analyze at once (413; use the job API)."""

    def __init__(self, message: str):
        super().__init__(message, status=413)


def read_json(data: bytes, content_type: str | None) -> dict[str, Any]:
    """`data` (a JSON request body) as a dict: 415 unless the type is JSON, else 422 saying
    what is wrong (empty, not JSON, not UTF-8, nested too deeply, not an object). Every JSON
    route reads its body through this (`unspin.web.contract`)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise BadBody(f"Send the body as JSON with `Content-Type: application/json`, not "
                      f"{media or 'no content type'}.", status=415)
    if not data.strip():
        raise BadBody("The body is empty; send a JSON object, e.g. {\"text\": \"...\"}.")
    try:
        value = json.loads(data)
    except RecursionError:
        raise BadBody("The JSON body is nested too deeply.") from None
    except UnicodeDecodeError as err:
        raise BadBody(f"The JSON body is not UTF-8 ({err.reason} at byte {err.start}).") from None
    except json.JSONDecodeError as err:
        raise BadBody(f"The body is not valid JSON: {err.msg} at line {err.lineno}, "
                      f"column {err.colno}.") from None
    if not isinstance(value, dict):
        raise BadBody("The JSON body must be an object, e.g. {\"text\": \"...\"}; got "
                      f"{type(value).__name__}.")
    return value


def parse_body(data: bytes, content_type: str | None, model: type[Model]) -> Model:
    """`data` (a JSON request body) as `model` (see `read_json`); 422 naming a field with a
    wrong type and an unknown field."""
    value = read_json(data, content_type)
    replaced = 0
    for key, item in value.items():  # pydantic refuses lone surrogates: replace them (U+FFFD)
        if isinstance(item, str):
            value[key], n = SURROGATE.subn("\ufffd", item)
            replaced += n if key in ("text", "html") else 0
    try:
        parsed = model.model_validate(value)
    except ValidationError as err:
        parts = []
        for item in err.errors()[:5]:
            where = ".".join(str(p) for p in item.get("loc", ())) or "body"
            if item.get("type") == "extra_forbidden":
                parts.append(f"{where}: unknown field (allowed: {', '.join(model.model_fields)})")
            else:
                parts.append(f"{where}: {item.get('msg', 'invalid')}")
        raise BadBody("Invalid request: " + "; ".join(parts) + ".") from None
    if replaced and isinstance(parsed, AnalyzeRequest):
        parsed._replaced = replaced
    return parsed


def _given(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


WHAT = {"text": "an article text", "url": "a URL", "html": "an HTML page", "file": "a file"}


def _either(words: list[str], last: str) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def one_of(fields: dict[str, Any], *, where: str = "the request") -> str:
    """The name of the one field given, or `InputError` saying in words what to give."""
    given = [name for name, value in fields.items() if value is not None and value != ""]
    form = "JSON" not in where and where != "the request"
    names = _either([WHAT.get(n, n) for n in fields], "or")
    keys = "" if form else " (the JSON field " + _either([f"`{n}`" for n in fields], "or") + ")"
    place = f" for {where}" if where.startswith("article") else ""
    if not given:
        raise InputError(f"Nothing to analyze{place}: give {names}{keys}.")
    if len(given) > 1:
        both = _either([WHAT.get(n, n) for n in given], "and")
        raise InputError(f"Give only one thing to analyze{place}: you gave {both}. "
                         + ("Clear all but one of them." if form else f"Send one of {names}{keys}."))
    return given[0]


def from_plain(text: str, *, source: str = "text") -> Document:
    if not _given(text):
        raise InputError(f"The {source} is empty or only whitespace; paste the article text.")
    return normalize_document(Document(text, meta={"source": source, "format": "text"}))


def from_html(html: str, *, source: str = "html") -> Document:
    from unspin.ingest.html import extract_article

    if not _given(html):
        raise InputError(f"The {source} is empty.")
    return extract_article(html, source=source)


INTRANET_HINT = (" To let this server fetch from an intranet, whoever runs it can allow that network: "
                 "`unspin serve --fetch-allow-network 10.0.0.0/8` (or UNSPIN_WEB_FETCH_ALLOW_NETWORKS).")


def from_url(url: str, settings: WebSettings) -> Document:
    from unspin.errors import FetchError
    from unspin.ingest.url import document_from_url

    if not _given(url):
        raise InputError("The URL is empty.")
    try:
        return document_from_url(url.strip(), timeout=settings.fetch_timeout,
                                 max_bytes=settings.fetch_max_bytes,
                                 allow_networks=settings.fetch_allow_networks)
    except FetchError as err:
        if str(err).startswith("Refused to fetch") and " address" in str(err):
            raise FetchError(str(err) + INTRANET_HINT, status=err.status) from err
        raise


def from_upload(filename: str | None, data: bytes) -> Document:
    """An uploaded .txt, .html, .pdf or .docx file; anything else binary is refused."""
    from unspin.ingest.documents import SUFFIXES, kind_of, read_document
    from unspin.ingest.text import decode, looks_like_html

    name = PurePath(filename or "upload").name[:200]
    suffix = PurePath(name).suffix.lower()
    if suffix in SUFFIXES or (suffix == "" and kind_of(data)):
        return read_document(data, source=name)
    if suffix not in ("", ".txt", ".text", ".html", ".htm", ".xhtml"):
        raise InputError(f"{name} is not a file unspin reads: give a .txt, .html, .pdf or .docx file.")
    text = decode(data, source=name)
    if suffix in (".html", ".htm", ".xhtml") or (suffix != ".txt" and looks_like_html(text)):
        return from_html(text, source=name)
    return from_plain(text, source=name)


def document_for(kind: str, value: Any, settings: WebSettings) -> Document:
    """Dispatch on the field given: text, html, url, or file (a (filename, bytes) pair)."""
    if kind == "text":
        return from_plain(value)
    if kind == "html":
        return from_html(value)
    if kind == "url":
        return from_url(value, settings)
    if kind == "file":
        return from_upload(*value)
    raise InputError(f"Unknown input kind {kind!r}.")


def for_request(doc: Document, body: AnalyzeRequest) -> Document:
    """`doc` with the request's title, and a note of surrogates replaced in its JSON."""
    doc = with_title(doc, body.title)
    if not body._replaced:
        return doc
    notes = dict(doc.meta.get(NOTE_KEY) or {})
    notes["replaced_surrogates"] = notes.get("replaced_surrogates", 0) + body._replaced
    return Document(doc.text, doc.id, {**doc.meta, NOTE_KEY: notes})


def with_title(doc: Document, title: str | None) -> Document:
    """`doc` titled `title` when given, else by its own title, else by `derived_title`."""
    if not _given(title):
        if _given(doc.meta.get("title")):
            return doc
        title = derived_title(doc.text)
        if not title:
            return doc
    title = clean_field(str(title).strip(), max_chars=MAX_TITLE)
    return Document(doc.text, doc.id, dict(doc.meta, title=title))


TITLE_LINE_CHARS = 120
TITLE_WORDS = 8


def derived_title(text: str) -> str | None:
    """A title for a text that has none: its first line when that looks like a headline
    (short, more text after it, not ending like a sentence), else its first words."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    first = " ".join(lines[0].split())
    if len(lines) > 1 and len(first) <= TITLE_LINE_CHARS and not first.endswith((".", ",", ";", ":")):
        return first
    words = " ".join(text.split()).split(" ")
    head = " ".join(words[:TITLE_WORDS])
    return head + "…" if len(words) > TITLE_WORDS else head
