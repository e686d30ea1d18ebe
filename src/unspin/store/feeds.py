"""Feeds followed by the store: conditional-GET validators, freshness, and every item URL seen.

An item's page and its `feed_items` row are written in one transaction (`store_item`), so a
run stopped at any moment leaves each item either stored (and skipped next time) or not
stored at all; an item that failed is kept as `failed` and tried again on the next round,
until it has failed `MAX_FAILURES` times in a row: then it is `parked` with the reason and
no longer fetched (`failed_items` lists both kinds).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from unspin.doc import Document
from unspin.store import records
from unspin.store.schema import documents, feed_items, feeds
from unspin.store.store import Store
from unspin.store.work import _dead_owner

OK, FAILED, PARKED = "ok", "failed", "parked"
MAX_FAILURES = 5  # failures in a row after which an item is parked (not fetched again)
LEASE_SECONDS = 300  # a feed's lease lasts this long unless renewed (a crashed run's lease runs out)


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


def item_states(store: Store, urls: Iterable[str]) -> dict[str, str]:
    """The status (ok, failed, parked) of those of `urls` a feed listed before."""
    by_id = {url_id(u): u for u in urls}
    found: dict[str, str] = {}
    ids = list(by_id)
    with store.read() as conn:
        for i in range(0, len(ids), 500):
            rows = conn.execute(select(feed_items.c.id, feed_items.c.status)
                                .where(feed_items.c.id.in_(ids[i:i + 500])))
            found.update((by_id[r.id], r.status) for r in rows)
    return found


def take_lease(store: Store, url: str, owner: str, seconds: float = LEASE_SECONDS) -> str | None:
    """Take the feed's lease for `owner`: None when taken, else who holds it (another run that
    is fetching this feed now; a lease that ran out, or of a dead process here, is taken over)."""
    fid = url_id(url)
    with store.write() as conn:
        conn.execute(store._insert_ignore(feeds).values(id=fid, url=url[:2000], items=0, errors=0,
                                                        created=records.now()))
        now = records.now()
        row = conn.execute(select(feeds.c.lease_owner, feeds.c.lease_expires).where(feeds.c.id == fid)).one()
        held = row.lease_owner
        if held and held != owner and row.lease_expires > now and not _dead_owner(held):
            return held
        same = feeds.c.lease_owner.is_(None) if held is None else feeds.c.lease_owner == held
        done = conn.execute(update(feeds).where(feeds.c.id == fid, same)
                            .values(lease_owner=owner, lease_expires=now + timedelta(seconds=seconds)))
        return None if done.rowcount == 1 else "another run"


def renew_lease(store: Store, url: str, owner: str, seconds: float = LEASE_SECONDS) -> None:
    with store.write() as conn:
        conn.execute(update(feeds).where(feeds.c.id == url_id(url), feeds.c.lease_owner == owner)
                     .values(lease_expires=records.now() + timedelta(seconds=seconds)))


def release_lease(store: Store, url: str, owner: str) -> None:
    with store.write() as conn:
        conn.execute(update(feeds).where(feeds.c.id == url_id(url), feeds.c.lease_owner == owner)
                     .values(lease_owner=None, lease_expires=None))


def stored_urls(store: Store, urls: Iterable[str]) -> set[str]:
    """Those of `urls` already stored from a feed (status ok)."""
    return {u for u, status in item_states(store, urls).items() if status == OK}


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


def fail_item(store: Store, feed_url: str, url: str, error: str) -> str:
    """Record that `url` failed: `failed` (tried again next round), or `parked` once it has
    failed `MAX_FAILURES` times in a row. Returns the status given."""
    iid = url_id(url)
    with store.write() as conn:
        found = conn.execute(select(feed_items.c.attempts, feed_items.c.status)
                             .where(feed_items.c.id == iid)).first()
        in_a_row = found.attempts + 1 if found is not None and found.status == FAILED else 1
        status, why = FAILED, error
        if in_a_row >= MAX_FAILURES:
            status, why = PARKED, f"parked after {in_a_row} failures in a row; last: {error}"
        _mark(conn, store, feed_url, iid, url, status=status, document_id=None, error=why[:2000],
              attempts=in_a_row)
    return status


def _mark(conn: Any, store: Store, feed_url: str, iid: str, url: str, **values: Any) -> None:
    """Insert or update an item's row; `attempts` counts tries (failures in a row while failing)."""
    found = conn.execute(select(feed_items.c.attempts).where(feed_items.c.id == iid)).first()
    attempts = values.pop("attempts", None)
    if found is None:
        conn.execute(feed_items.insert().values(id=iid, feed_id=url_id(feed_url), url=url[:2000],
                                                attempts=attempts or 1, last_tried=records.now(), **values))
    else:
        conn.execute(update(feed_items).where(feed_items.c.id == iid)
                     .values(attempts=attempts or found.attempts + 1, last_tried=records.now(), **values))


def failed_items(store: Store) -> list[dict[str, Any]]:
    """Every item that failed last time it was tried (`failed`) or was given up (`parked`)."""
    query = (select(feed_items.c.url, feeds.c.url.label("feed"), feed_items.c.status, feed_items.c.attempts,
                    feed_items.c.last_tried, feed_items.c.error)
             .join(feeds, feeds.c.id == feed_items.c.feed_id)
             .where(feed_items.c.status.in_((FAILED, PARKED)))
             .order_by(feed_items.c.status.desc(), feeds.c.url, feed_items.c.url))
    with store.read() as conn:
        return [{**r._asdict(), "last_tried": r.last_tried.isoformat(timespec="seconds") + "Z"}
                for r in conn.execute(query)]


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
