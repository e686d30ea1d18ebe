"""Turning what a request carries (text, HTML, a URL or an uploaded file) into a Document.
These functions block (fetching, article extraction): call them off the event loop."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from pydantic import BaseModel, Field

from unspin.doc import Document
from unspin.errors import InputError
from unspin.pipeline import check_text
from unspin.web.settings import WebSettings

MAX_TITLE = 300


class AnalyzeRequest(BaseModel):
    """Body of `POST /api/analyze`: exactly one of `text`, `url`, `html`."""

    text: str | None = Field(None, description="Plain text, analyzed as is (offsets index it).")
    url: str | None = Field(None, description="An http(s) URL of an article to fetch and extract.")
    html: str | None = Field(None, description="An HTML page; its article text is extracted.")
    threshold: float | None = Field(None, ge=0.0, le=1.0,
                                    description="Span score threshold; defaults to the model's.")
    title: str | None = Field(None, max_length=MAX_TITLE, description="A title to store with it.")
    save: bool = Field(True, description="Store the analysis and return its permalink.")


def _given(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def one_of(fields: dict[str, Any], *, where: str = "the request") -> str:
    """The name of the one field given, or `InputError` when none or several are."""
    given = [name for name, value in fields.items() if value is not None and value != ""]
    names = " | ".join(fields)
    if not given:
        raise InputError(f"Nothing to analyze in {where}: give one of {names}.")
    if len(given) > 1:
        raise InputError(f"Give only one of {names} in {where}; got {', '.join(given)}.")
    return given[0]


def from_plain(text: str, *, source: str = "text") -> Document:
    if not _given(text):
        raise InputError(f"The {source} is empty or only whitespace; paste the article text.")
    return Document(check_text(text), meta={"source": source, "format": "text"})


def from_html(html: str, *, source: str = "html") -> Document:
    from unspin.ingest.html import extract_article

    if not _given(html):
        raise InputError(f"The {source} is empty.")
    check_text(html)
    return extract_article(html, source=source)


def from_url(url: str, settings: WebSettings) -> Document:
    from unspin.ingest.url import document_from_url

    if not _given(url):
        raise InputError("The URL is empty.")
    return document_from_url(url.strip(), timeout=settings.fetch_timeout, max_bytes=settings.fetch_max_bytes,
                             allow_networks=settings.fetch_allow_networks)


def from_upload(filename: str | None, data: bytes) -> Document:
    """An uploaded .txt or .html file; anything binary is refused."""
    from unspin.ingest.text import decode, looks_like_html

    name = PurePath(filename or "upload").name[:200]
    suffix = PurePath(name).suffix.lower()
    if suffix not in ("", ".txt", ".text", ".html", ".htm", ".xhtml"):
        raise InputError(f"{name} is not a .txt or .html file.")
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


def with_title(doc: Document, title: str | None) -> Document:
    if not _given(title):
        return doc
    return Document(doc.text, doc.id, dict(doc.meta, title=str(title).strip()[:MAX_TITLE]))
