"""Feeds followed by the store: conditional-GET validators, freshness, and every item URL seen.

An item's page and its `feed_items` row are written in one transaction (`store_item`), so a
run stopped at any moment leaves each item either stored (and skipped next time) or not
stored at all; an item that failed is kept as `failed` and tried again on the next round.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update

from unspin.doc import Document
from unspin.store import records
from unspin.store.schema import documents, feed_items, feeds
from unspin.store.store import Store

OK, FAILED = "ok", "failed"


def url_id(url: str) -> str:
    """The key of a feed or item: the first 32 hex digits of the URL's sha256."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def get_feed(store: Store, url: str) -> dict[str, Any] | None:
    with store.read() as conn:
        row = conn.execute(select(feeds).where(feeds.c.id == url_id(url))).first()
    return None if row is None else row._asdict()


def save_feed(store: Store, url: str, **fields: Any) -> dict[str, Any]:
    """Create the feed row for `url` if needed, update `fields`, and return the row."""
    fid = url_id(url)
    with store.write() as conn:
        found = conn.execute(select(feeds.c.id).where(feeds.c.id == fid)).first()
        if found is None:
            conn.execute(feeds.insert().values(id=fid, url=url[:2000], items=0, errors=0,
                                               created=records.now(), **fields))
        elif fields:
            conn.execute(update(feeds).where(feeds.c.id == fid).values(**fields))
        row = conn.execute(select(feeds).where(feeds.c.id == fid)).one()
    return row._asdict()


def stored_urls(store: Store, urls: Iterable[str]) -> set[str]:
    """Those of `urls` already stored from a feed (status ok)."""
    by_id = {url_id(u): u for u in urls}
    found: set[str] = set()
    ids = list(by_id)
    with store.read() as conn:
        for i in range(0, len(ids), 500):
            rows = conn.execute(select(feed_items.c.id).where(feed_items.c.id.in_(ids[i:i + 500]),
                                                              feed_items.c.status == OK))
            found.update(by_id[r.id] for r in rows)
    return found


def failed_urls(store: Store, feed_url: str) -> list[str]:
    """Items of this feed that failed before (to try again even when the feed did not change)."""
    query = select(feed_items.c.url).where(feed_items.c.feed_id == url_id(feed_url),
                                           feed_items.c.status == FAILED).order_by(feed_items.c.last_tried)
    with store.read() as conn:
        return [r.url for r in conn.execute(query)]


def store_item(store: Store, feed_url: str, url: str, doc: Document) -> bool:
    """Store an item's document and mark the item ok, in one transaction; True if the text is new."""
    row = records.document_row(doc, in_corpus=True)
    iid = url_id(url)
    with store.write() as conn:
        found = conn.execute(select(documents.c.in_corpus).where(documents.c.id == row["id"])).first()
        if found is None:
            conn.execute(store._insert_ignore(documents), [row])
        elif not found.in_corpus:
            conn.execute(update(documents).where(documents.c.id == row["id"]).values(in_corpus=True))
        _mark(conn, store, feed_url, iid, url, status=OK, document_id=row["id"], error=None)
        conn.execute(update(feeds).where(feeds.c.id == url_id(feed_url)).values(items=feeds.c["items"] + 1))
    return found is None


def fail_item(store: Store, feed_url: str, url: str, error: str) -> None:
    """Record that `url` failed (it is tried again next round)."""
    with store.write() as conn:
        _mark(conn, store, feed_url, url_id(url), url, status=FAILED, document_id=None, error=error[:2000])


def _mark(conn: Any, store: Store, feed_url: str, iid: str, url: str, **values: Any) -> None:
    found = conn.execute(select(feed_items.c.attempts).where(feed_items.c.id == iid)).first()
    if found is None:
        conn.execute(feed_items.insert().values(id=iid, feed_id=url_id(feed_url), url=url[:2000], attempts=1,
                                                last_tried=records.now(), **values))
    else:
        conn.execute(update(feed_items).where(feed_items.c.id == iid)
                     .values(attempts=found.attempts + 1, last_tried=records.now(), **values))


def feed_status(store: Store) -> list[dict[str, Any]]:
    """Every feed with its freshness: last fetched, status, items stored, errors, failed items."""
    with store.read() as conn:
        rows = conn.execute(select(feeds).order_by(feeds.c.source, feeds.c.url)).all()
    out = []
    for r in rows:
        out.append({"url": r.url, "kind": r.kind, "title": r.title, "source": r.source,
                    "items": r._mapping["items"], "errors": r.errors, "last_status": r.last_status,
                    "last_error": r.last_error,
                    "last_fetched": r.last_fetched.isoformat(timespec="seconds") + "Z"
                    if r.last_fetched else None})
    return out
