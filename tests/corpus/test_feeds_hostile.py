"""Hostile feeds, round two (loopback server, SQLite and PostgreSQL): entity blow-ups refused
quickly with bounded memory, over-long metadata clipped, and one bad feed never stopping the others."""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import feed_server
from feed_server import XML, Handler

from unspin.batch.feeds import import_feeds
from unspin.errors import FormatError
from unspin.ingest.feeds import parse_listing
from unspin.ingest.polite import FetchSettings, PoliteFetcher
from unspin.store import Store
from unspin.store.feeds import get_feed


def polite() -> PoliteFetcher:
    return PoliteFetcher(FetchSettings(delay=0.0, timeout=5.0, allow_private_network=True))


def quadratic(base: str, *, well_formed: bool = True) -> bytes:
    """A 3 MB feed: one 30,000-character entity referenced 100,000 times (3 GB expanded)."""
    refs = "&a;" * 100_000
    tail = "</channel></rss>" if well_formed else "<item><title>unclosed"
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 30_000}">]>'
            f'<rss version="2.0"><channel><title>{refs}</title><item><title>Item</title>'
            f"<link>{base}/a/1</link></item>{tail}").encode()


@pytest.mark.parametrize("well_formed", [True, False], ids=["strict", "loose"])
def test_quadratic_blowup_is_refused_quickly_in_little_memory(well_formed: bool) -> None:
    feed = quadratic("http://example.org", well_formed=well_formed).decode()
    assert len(feed) > 300_000
    tracemalloc.start()
    began = time.monotonic()
    try:
        with pytest.raises(FormatError, match="declares XML entities"):
            parse_listing(feed, "http://example.org/feed.xml")
        took = time.monotonic() - began
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert took < 3.0, took
    assert peak < 50_000_000, peak  # the expanded feed would be 3 GB


def test_a_blowup_feed_does_not_stop_the_feeds_after_it(store: Store, base: str) -> None:
    Handler.routes["/bomb.xml"] = (200, XML, quadratic(base))
    report = import_feeds(store, [f"{base}/bomb.xml", f"{base}/rss.xml"], fetcher=polite())
    bomb, rss = report["feeds"]
    assert bomb["status"] == "error" and "declares XML entities" in bomb["error"]
    assert rss["status"] == "ok" and rss["new"] == 3
    assert get_feed(store, f"{base}/bomb.xml")["last_status"] == "error"  # type: ignore[index]


def test_harmless_feeds_still_parse() -> None:
    plain = feed_server.rss("http://example.org", [1, 2]).decode()
    assert [i.url for i in parse_listing(plain, "http://example.org/rss.xml").items] == [
        "http://example.org/a/1", "http://example.org/a/2"]
    doctype = plain.replace('<?xml version="1.0"?>', '<?xml version="1.0"?><!DOCTYPE rss>')
    assert len(parse_listing(doctype, "http://example.org/rss.xml").items) == 2


def test_a_feed_over_the_parse_time_budget_is_given_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.ingest import feeds

    monkeypatch.setattr(feeds, "PARSE_SECONDS", 0.01)
    big = feed_server.rss("http://example.org", list(range(5000))).decode()
    began = time.monotonic()
    with pytest.raises(FormatError, match="to parse; skipped"):
        parse_listing(big, "http://example.org/rss.xml")
    assert time.monotonic() - began < 1.0


def long_feed(base: str) -> bytes:
    """An RSS feed whose title, item title, author and an item URL overflow their columns."""
    title, item_title, author = "T" * 1500, "I" * 3000, "a" * 500 + "@example.org"
    long_url = f"{base}/a/1?" + "q" * 2100
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<item><title>{item_title}</title><link>{base}/a/9</link><author>{author}</author></item>"
            f"<item><title>Too long</title><link>{long_url.replace('&', '&amp;')}</link></item>"
            "</channel></rss>").encode()


def test_over_long_metadata_is_clipped_on_every_database(store: Store, base: str) -> None:
    Handler.routes["/long.xml"] = (200, {**XML, "Last-Modified": "Wed, " + "x" * 300}, long_feed(base))
    Handler.etags["/long.xml"] = '"' + "e" * 1500 + '"'
    feeds = [f"{base}/long.xml", f"{base}/rss.xml"]
    report = import_feeds(store, feeds, fetcher=polite())
    long, rss = report["feeds"]
    assert long["status"] == "ok" and long["new"] == 1 and long["failed"] == 1, long
    assert "2,1" in long["problems"][0] and "not fetched" in long["problems"][0]
    assert rss["status"] == "ok" and rss["new"] == 3
    row = get_feed(store, f"{base}/long.xml")
    assert row is not None and row["title"] == "T" * 1000  # clipped to the column
    assert row["etag"] is None and row["last_modified"] is None  # a cut validator means nothing: dropped
    from unspin.store.schema import documents

    with store.read() as conn:
        titles = {r.url: r.title for r in conn.execute(documents.select())}
    assert titles[f"{base}/a/9"] == "I" * 1000
    again = import_feeds(store, feeds, fetcher=polite())  # and the next round works the same
    assert [f["status"] for f in again["feeds"]] == ["ok", "not-modified"]


def test_watch_survives_rounds_with_over_long_values(store: Store, base: str) -> None:
    import threading

    from unspin.batch.feeds import watch_feeds

    Handler.routes["/long.xml"] = (200, XML, long_feed(base))
    Handler.etags["/long.xml"] = '"' + "e" * 1500 + '"'
    stop, lines = threading.Event(), []

    def log(line: str) -> None:
        lines.append(line)
        if len(lines) == 2:
            stop.set()

    totals = watch_feeds(store, [f"{base}/long.xml"], every=0.05, fetcher=polite(), stop=stop, log=log)
    assert totals["rounds"] == 2 and totals["new"] == 1 and "0 feed errors" in lines[1]


def test_error_messages_with_nul_are_stored_on_every_database(store: Store) -> None:
    from unspin.store import feeds as fs

    fs.save_feed(store, "http://example.org/f.xml", last_status="error", last_error="bad\x00 byte\x1b[2J")
    fs.fail_item(store, "http://example.org/f.xml", "http://example.org/a", "HTTP 500 \x00 oops")
    assert fs.get_feed(store, "http://example.org/f.xml")["last_error"] == "bad byte[2J"  # type: ignore[index]
    assert fs.failed_items(store)[0]["error"] == "HTTP 500  oops"
