"""An item of a feed as a Document: its page fetched (politely) and its article extracted,
with what the feed says about it (title, author, date) and where it was found."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.feeds import Item
from unspin.ingest.normalize import clean_field
from unspin.ingest.polite import PoliteFetcher
from unspin.store.records import parse_date


def item_document(fetcher: PoliteFetcher, item: Item, source: str | None, *, text: str | None,
                  final_url: str) -> Document:
    """The item's page as a Document with the item's metadata (fetched unless `text` is given)."""
    from unspin.ingest.html import extract_article
    from unspin.ingest.text import from_text
    from unspin.pipeline import check_text

    if text is None:
        page = fetcher.get(item.url)
        text, final_url, is_html = page.text, page.url, page.is_html
    else:
        is_html = True
    if is_html:
        doc = extract_article(text, source=final_url, url=final_url)
    else:
        doc = from_text(text, source=final_url)
    check_text(doc.text)
    meta = {k: v for k, v in doc.meta.items() if k not in ("source", "format", "url", "sitename", "date")}
    published = _date(item.published) or _date(doc.meta.get("date"))
    fields = {"url": item.url, "title": item.title or meta.pop("title", None),
              "source": source or doc.meta.get("sitename"), "author": item.author,
              "published": published, "fetched": datetime.now(UTC).isoformat(timespec="seconds")}
    if final_url != item.url:
        fields["final_url"] = final_url
    # what the feed says goes into the database: no NUL or lone surrogates (PostgreSQL refuses them)
    return Document(doc.text, None, {**meta, **{k: clean_field(v) for k, v in fields.items() if v}})


def _date(value: Any) -> str | None:
    try:
        found = parse_date(value)
    except InputError:
        return None
    return found.isoformat() if found else None
