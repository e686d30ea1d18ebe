"""`import_feeds`: RSS/Atom feeds, sitemaps and OPML lists into the store; `watch_feeds` loops it.

Each item's page is fetched through the polite, safe fetcher, its article extracted with
trafilatura, and stored with the item's title, outlet, author, date and URL. Items already
stored (same URL, or same text) are skipped; a failed item is recorded and tried again on
the next run. The feed's ETag / Last-Modified are kept only once every item of a round was
tried, so a run stopped half-way (SIGINT, SIGTERM, a crash) fetches the whole feed next time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from unspin.batch.feed_pages import item_document
from unspin.errors import FetchInterrupted, UnspinError
from unspin.ingest.feeds import FEED_TYPES, Item, Listing, parse_listing
from unspin.ingest.polite import PoliteFetcher
from unspin.store import Store
from unspin.store import feeds as fs
from unspin.store.records import now
from unspin.store.work import lease_owner

MAX_DEPTH = 2  # OPML -> feed, sitemap index -> sitemap
MAX_URL = 2000  # characters: an item URL longer than `feed_items.url` holds is reported, not fetched
MAX_LISTS = 50  # feeds and sitemaps that OPML lists and sitemap indexes make a run follow, in all
MAX_ITEMS = 500  # new items fetched per feed and round; the rest come next round
MAX_RUN_ITEMS = 2000  # new items fetched per run (round) over all feeds; the rest come next round


@dataclass(slots=True)
class FeedRound:
    """What one feed gave in one round."""

    url: str
    kind: str | None = None
    status: str = "ok"  # ok, not-modified, error, interrupted, busy (another run has its lease)
    new: int = 0
    duplicates: int = 0  # stored before under another URL (same text)
    skipped: int = 0  # URL already stored
    failed: int = 0
    parked: int = 0  # failed MAX_FAILURES times in a row: no longer fetched (`corpus feeds --failed`)
    deferred: int = 0  # over MAX_ITEMS: left for the next round
    error: str | None = None
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


class FeedImporter:
    """One run over some feeds; `stop` (an Event) ends it within a tenth of a second: a wait or
    fetch in flight is cut (`FetchInterrupted`) and its item left for the next run."""

    def __init__(self, store: Store, fetcher: PoliteFetcher, *, source: str | None = None,
                 stop: threading.Event | None = None, on_problem: Callable[[str], None] | None = None):
        self.store, self.fetcher, self.source = store, fetcher, source
        self.owner = lease_owner()  # the name this run's feed leases carry
        self.lists_followed = 0
        self.items_tried = 0
        if stop is not None:
            fetcher.stop = stop  # the fetcher's waits and fetches end when the run does
        self.stop = fetcher.stop
        self.on_problem = on_problem
        self.rounds: list[FeedRound] = []

    def run(self, urls: Iterable[str]) -> dict[str, Any]:
        began = time.perf_counter()
        from sqlalchemy.exc import DataError, IntegrityError

        for url in urls:
            if self.stop.is_set():
                break
            try:
                self._feed(url.strip(), depth=0)
            except (DataError, IntegrityError) as err:  # a value the database refused: this feed only
                why = f"the database refused a value: {err.orig}"
                report = FeedRound(url.strip(), status="error", error=why)
                self.rounds.append(report)
                self._problem(report, f"{report.url}: {report.error}")
        return self.summary(time.perf_counter() - began)

    def summary(self, seconds: float) -> dict[str, Any]:
        keys = ("new", "duplicates", "skipped", "failed", "parked", "deferred")
        total = {k: sum(getattr(r, k) for r in self.rounds) for k in keys}
        return {**total, "feed_errors": sum(r.status == "error" for r in self.rounds),
                "busy": sum(r.status == "busy" for r in self.rounds),
                "notes": list(self.fetcher.notes),
                "interrupted": self.stop.is_set(), "feeds": [r.to_dict() for r in self.rounds],
                "seconds": round(seconds, 3), "documents": self.store.document_count(),
                "store": self.store.describe()}

    def _problem(self, report: FeedRound, message: str) -> None:
        if len(report.problems) < 50:
            report.problems.append(message)
        if self.on_problem is not None:
            self.on_problem(message)

    def _feed(self, url: str, *, depth: int) -> None:
        report = FeedRound(url)
        self.rounds.append(report)
        holder = fs.take_lease(self.store, url, self.owner)
        if holder is not None:  # another run is fetching this feed right now: it does the work
            report.status = "busy"
            self._problem(report, f"{url}: another run ({holder}) is fetching this feed; skipped")
            return
        try:
            self._leased_feed(report, url, depth=depth)
        finally:
            fs.release_lease(self.store, url, self.owner)

    def _leased_feed(self, report: FeedRound, url: str, *, depth: int) -> None:
        known = fs.get_feed(self.store, url) or {}
        headers = {k: v for k, v in (("If-None-Match", known.get("etag")),
                                     ("If-Modified-Since", known.get("last_modified"))) if v}
        try:
            page = self.fetcher.get(url, accept=FEED_TYPES, headers=headers)
            listing = Listing("unchanged") if page.status == 304 else parse_listing(page.text, page.url)
        except FetchInterrupted:
            report.status = "interrupted"
            return
        except Exception as err:  # UnspinError, or anything a hostile feed provokes: one feed's error
            why = str(err) if isinstance(err, UnspinError) else f"unexpected {type(err).__name__}: {err}"
            report.status, report.error = "error", why
            self._problem(report, f"{url}: {why}")
            fs.save_feed(self.store, url, last_fetched=now(), last_status="error", last_error=why[:2000])
            return
        report.kind = known.get("kind") if listing.kind == "unchanged" else listing.kind
        if listing.feeds:
            self._lists(report, url, listing, depth=depth)
            return
        source = self.source or known.get("source") or listing.title
        fs.save_feed(self.store, url, kind=report.kind, title=listing.title or known.get("title"),
                     source=(source or None) and str(source)[:200])
        items = list(listing.items)
        states = fs.item_states(self.store, [i.url for i in items])
        listed = {i.url for i in items}
        retry = [Item(u) for u in fs.failed_urls(self.store, url) if u not in listed]
        todo = [i for i in items if states.get(i.url) not in (fs.OK, fs.PARKED)] + retry
        report.skipped = sum(states.get(i.url) == fs.OK for i in items)
        report.parked = sum(states.get(i.url) == fs.PARKED for i in items)
        room = min(MAX_ITEMS, max(0, MAX_RUN_ITEMS - self.items_tried))
        if len(todo) > room:
            report.deferred = len(todo) - room
            todo = todo[:room]
            self._problem(report, f"{url}: {report.deferred:,} new items left for the next round (a round "
                                  f"fetches at most {MAX_ITEMS:,} per feed and {MAX_RUN_ITEMS:,} in all)")
        self.items_tried += len(todo)
        renewed = time.monotonic()
        for item in todo:
            if self.stop.is_set():
                report.status = "interrupted"
                return
            if time.monotonic() - renewed > fs.LEASE_SECONDS / 3:
                fs.renew_lease(self.store, url, self.owner)
                renewed = time.monotonic()
            if len(item.url) > MAX_URL:
                report.failed += 1
                self._problem(report, f"{item.url[:100]}...: the URL is {len(item.url):,} characters, "
                                      f"over the {MAX_URL:,} stored; not fetched")
                continue
            text = page.text if listing.kind == "page" else None
            try:
                doc = item_document(self.fetcher, item, source, text=text, final_url=page.url)
            except FetchInterrupted:  # stopping: the item is neither stored nor failed, next run takes it
                report.status = "interrupted"
                return
            except UnspinError as err:
                self._failed(report, url, item.url, str(err))
                continue
            except Exception as err:  # a page the extractor chokes on must not end a long watch
                self._failed(report, url, item.url, f"unexpected {type(err).__name__}: {err}")
                continue
            added = fs.store_item(self.store, url, item.url, doc)
            report.new += added
            report.duplicates += not added
        report.status = "not-modified" if page.status == 304 else "ok"
        validators = {"etag": page.headers.get("ETag"), "last_modified": page.headers.get("Last-Modified")}
        if page.status == 304:
            validators = {k: v or known.get(k) for k, v in validators.items()}
        if report.deferred:  # not every item was tried: read the whole feed again next round
            validators = {"etag": None, "last_modified": None}
        fs.save_feed(self.store, url, last_fetched=now(), last_status=report.status, last_error=None,
                     errors=report.failed, **validators)

    def _lists(self, report: FeedRound, url: str, listing: Listing, *, depth: int) -> None:
        """An OPML list or a sitemap index: follow what it lists, within MAX_DEPTH and MAX_LISTS."""
        fs.save_feed(self.store, url, kind=listing.kind, title=listing.title, last_fetched=now(),
                     last_status="ok", last_error=None)
        if depth >= MAX_DEPTH:
            self._problem(report, f"{url}: lists further lists deeper than {MAX_DEPTH}; not followed")
            return
        for n, sub in enumerate(listing.feeds):
            if self.stop.is_set():
                return
            if self.lists_followed >= MAX_LISTS:
                report.deferred += len(listing.feeds) - n
                self._problem(report, f"{url}: {len(listing.feeds) - n:,} listed feeds or sitemaps not "
                                      f"followed: a run follows at most {MAX_LISTS} from lists")
                return
            self.lists_followed += 1
            self._feed(sub, depth=depth + 1)

    def _failed(self, report: FeedRound, feed_url: str, url: str, why: str) -> None:
        report.failed += 1
        if fs.fail_item(self.store, feed_url, url, why) == fs.PARKED:
            report.parked += 1
            why += f" (failed {fs.MAX_FAILURES} times in a row: parked, not fetched again)"
        self._problem(report, f"{url}: {why}")


def import_feeds(store: Store, urls: Iterable[str], *, fetcher: PoliteFetcher | None = None,
                 source: str | None = None, stop: threading.Event | None = None,
                 on_problem: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Import every new item of `urls` (feeds, sitemaps, OPML lists, or article pages)."""
    importer = FeedImporter(store, fetcher or PoliteFetcher(), source=source, stop=stop,
                            on_problem=on_problem)
    return importer.run(urls)


def round_line(number: int, report: dict[str, Any], analyzed: int | None = None) -> str:
    """The log line of one watch round."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    skipped = report["skipped"] + report["duplicates"]
    line = (f"{stamp} round {number}: {report['new']} new, {skipped} skipped, "
            f"{report['failed']} failed, {report['feed_errors']} feed errors")
    for key in ("parked", "deferred", "busy"):  # only when there are some
        if report.get(key):
            line += f", {report[key]} {key}"
    if analyzed is not None:
        line += f", {analyzed} analyzed"
    return line + (" (stopped)" if report["interrupted"] else "")


def watch_feeds(store: Store, urls: list[str], *, every: float, once: bool = False,
                fetcher: PoliteFetcher | None = None, source: str | None = None,
                analyze: Callable[[], int] | None = None, stop: threading.Event | None = None,
                log: Callable[[str], None] = print, on_problem: Callable[[str], None] | None = None,
                ) -> dict[str, Any]:
    """Import (and with `analyze`, analyze) new items every `every` seconds until `stop` is set."""
    stop = stop or threading.Event()
    fetcher = fetcher or PoliteFetcher()
    totals = {"rounds": 0, "new": 0, "skipped": 0, "failed": 0, "analyzed": 0}
    while not stop.is_set():
        report = import_feeds(store, urls, fetcher=fetcher, source=source, stop=stop, on_problem=on_problem)
        analyzed = analyze() if analyze is not None and not stop.is_set() else None
        totals["rounds"] += 1
        for key in ("new", "failed"):
            totals[key] += report[key]
        totals["skipped"] += report["skipped"] + report["duplicates"]
        totals["analyzed"] += analyzed or 0
        log(round_line(totals["rounds"], report, analyzed))
        if once:
            break
        stop.wait(every)
    return {**totals, "stopped": stop.is_set(), "documents": store.document_count()}
