"""`unspin corpus watch` (follow feeds: import, and optionally analyze, new items) and
`unspin corpus feeds` (each feed's freshness)."""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import typer

from unspin.cli.common import user_errors
from unspin.cli.corpus import (
    ALLOW_PRIVATE,
    CREATE_HELP,
    DB_HELP,
    DELAY,
    TIMEOUT,
    _print_json,
    _store,
    corpus_app,
    fetcher,
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds from "90", "90s", "30m", "2h" or "1d"."""
    from unspin.errors import InputError

    found = _DURATION.match(text)
    if not found or float(found[1]) <= 0:
        raise InputError(f"--every: expected a duration such as 30m, 2h or 90s, got {text!r}.")
    return float(found[1]) * _UNITS[found[2].lower()]


@contextlib.contextmanager
def stop_on_signals(stop: threading.Event | None = None) -> Iterator[threading.Event]:
    """An Event set by SIGINT or SIGTERM while the block runs (the previous handlers come back
    after); the feed importer's waits and fetches end within a second once it is set."""
    stop = stop or threading.Event()
    previous: dict[int, Any] = {}

    def handle(signum: int, _frame: Any) -> None:
        print(f"{signal.Signals(signum).name}: stopping (an item being fetched is fetched next time)",
              file=sys.stderr, flush=True)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, handle)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Stopped(Exception):
    """Raised from the batch's progress callback to end `--analyze` after the batch written."""


def _analyze_until(store: Any, model: str | None, stop: threading.Event) -> Any:
    """With --analyze: a function analyzing the new documents, ending after the batch being
    written once `stop` is set (the rest is analyzed next round or by `unspin batch`)."""
    import unspin
    from unspin.batch.run import BatchSettings, model_folder, run_batch

    analyzer = unspin.load(model_folder(model))

    def run() -> int:
        seen = {"done": 0}

        def progress(done: int, _total: int) -> None:
            seen["done"] = done
            if stop.is_set():
                raise _Stopped

        try:
            return int(run_batch(store, analyzer, settings=BatchSettings(), progress=progress)["analyzed"])
        except _Stopped:
            return seen["done"]

    return run


@corpus_app.command()
def watch(
    feeds: list[str] = typer.Argument(..., help="URLs of RSS/Atom feeds, sitemaps or OPML lists."),
    every: str = typer.Option("30m", "--every", help="Time between rounds: 90s, 30m, 2h, 1d."),
    once: bool = typer.Option(False, "--once", help="One round, then exit (for cron or a systemd timer)."),
    analyze: bool = typer.Option(False, "--analyze", help="Analyze new documents after each round."),
    model: str = typer.Option(None, "--model", "-m", envvar="UNSPIN_MODEL",
                              help="With --analyze: accurate (default), fast, or a model folder."),
    db: str = typer.Option(None, "--db", envvar="UNSPIN_DB", help=DB_HELP),
    create: bool = typer.Option(False, "--create", help=CREATE_HELP),
    source: str = typer.Option(None, "--source", help="Source (outlet) for the feeds' documents "
                               "(default: the feed's title)."),
    allow_private: bool = ALLOW_PRIVATE,
    delay: float = DELAY,
    timeout: float = TIMEOUT,
    as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON at the end."),
) -> None:
    """Follow feeds: each round imports new items (and analyzes them with --analyze), one log line
    per round; SIGINT or SIGTERM stops within a second, losing nothing (an item being fetched
    is fetched again next time)."""
    from unspin.batch.feeds import watch_feeds

    with user_errors():
        seconds = parse_duration(every)
        store = _store(db, create)
        stop_now = threading.Event()
        run = _analyze_until(store, model, stop_now) if analyze else None
        with stop_on_signals(stop_now) as stop:
            totals = watch_feeds(store, feeds, every=seconds, once=once, source=source, analyze=run,
                                 stop=stop,
                                 fetcher=fetcher(allow_private, delay, timeout),
                                 log=lambda line: print(line, flush=True),
                                 on_problem=lambda p: print(f"failed {p}", file=sys.stderr))
    if as_json:
        _print_json(totals)


@corpus_app.command("feeds")
def feeds_(
    db: str = typer.Option(None, "--db", envvar="UNSPIN_DB", help=DB_HELP),
    failed: bool = typer.Option(False, "--failed", help="List the items that failed last time or were "
                                "parked (failed 5 times in a row: no longer fetched), with the reason."),
    as_json: bool = typer.Option(False, "--json", help="Print the feeds as JSON."),
) -> None:
    """Each followed feed: kind, source, items stored, last fetched, last status, errors."""
    from unspin.store.feeds import failed_items, feed_status

    with user_errors():
        rows = failed_items(_store(db)) if failed else feed_status(_store(db))
    if as_json:
        _print_json(rows)
        return
    if failed:
        for r in rows:
            print(f"{r['status']}  {r['url']}  feed={r['feed']}  attempts={r['attempts']}  "
                  f"last={r['last_tried']}  ({r['error'] or '-'})")
        return
    for r in rows:
        print(f"{r['url']}  {r['kind'] or '?'}  source={r['source'] or '-'}  items={r['items']}  "
              f"last={r['last_fetched'] or 'never'} {r['last_status'] or ''}  errors={r['errors']}"
              + (f"  ({r['last_error']})" if r["last_error"] else ""))
