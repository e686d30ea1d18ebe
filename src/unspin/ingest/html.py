"""Article text out of an HTML page with trafilatura: navigation, share links, captions
and "More from ..." blocks dropped; offsets then refer to the extracted text.

Each page is extracted on its own: trafilatura's `deduplicate` keeps a cache for the whole
process and drops text it has seen a few times before (shared boilerplate, a quote every
article repeats), so it stays off and no document depends on the ones before it."""

from __future__ import annotations

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.normalize import clean_field, normalize_document


def extract_article(html: str, *, source: str = "input", url: str | None = None) -> Document:
    """The main text of `html` as a Document (title and date in `meta` when found)."""
    import trafilatura

    html = clean_field(html)  # NUL, controls and lone surrogates would upset the HTML parser
    text = trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        favor_precision=True,
        deduplicate=False,
    )
    if not text or not text.strip():
        raise InputError(f"No article text could be extracted from the HTML in {source}.")
    meta: dict[str, str] = {"source": source, "format": "html"}
    found = trafilatura.extract_metadata(html, default_url=url)
    if found is not None:
        for key in ("title", "date", "sitename", "url"):
            value = getattr(found, key, None)
            if value:
                meta[key] = clean_field(str(value))
    return normalize_document(Document(text=text, meta=meta))
