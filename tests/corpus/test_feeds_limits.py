"""Feed runs within limits (loopback server): OPML and sitemap fan-out capped per run, items
that keep failing parked, and concurrent runs taking turns per feed (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

import feed_server
from feed_server import XML, Handler

from unspin.batch import feeds as batch_feeds
from unspin.batch.feeds import import_feeds
from unspin.cli.main import app
from unspin.ingest.polite import FetchSettings, PoliteFetcher
from unspin.store import Store
from unspin.store import feeds as fs
from unspin.store.schema import documents


def polite() -> PoliteFetcher:
    return PoliteFetcher(FetchSettings(delay=0.0, timeout=5.0, allow_private_network=True))


def test_opml_fan_out_is_capped_per_run(store: Store, base: str) -> None:
    outlines = "".join(f'<outline type="rss" xmlUrl="{base}/f/{n}.xml"/>' for n in range(120))
    Handler.routes["/big.opml"] = (200, XML, f'<?xml version="1.0"?><opml version="2.0"><head><title>'
                                             f"Many</title></head><body>{outlines}</body></opml>".encode())
    report = import_feeds(store, [f"{base}/big.opml"], fetcher=polite())
    asked = sum(n for path, n in Handler.hits.items() if path.startswith("/f/"))
    assert asked == batch_feeds.MAX_LISTS == 50
    assert report["deferred"] == 70
    assert any("70 listed feeds or sitemaps not followed" in p for p in report["feeds"][0]["problems"])


def test_items_per_round_are_capped_and_the_rest_come_next(store: Store, base: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_feeds, "MAX_ITEMS", 3)
    Handler.routes["/sitemap.xml"] = (200, XML, feed_server.sitemap(base, list(range(1, 8))))
    Handler.etags["/sitemap.xml"] = '"s1"'
    first = import_feeds(store, [f"{base}/sitemap.xml"], fetcher=polite())
    assert (first["new"], first["deferred"]) == (3, 4)
    assert fs.get_feed(store, f"{base}/sitemap.xml")["etag"] is None  # type: ignore[index]
    second = import_feeds(store, [f"{base}/sitemap.xml"], fetcher=polite())
    third = import_feeds(store, [f"{base}/sitemap.xml"], fetcher=polite())
    assert (second["new"], second["deferred"], third["new"], third["deferred"]) == (3, 1, 1, 0)
    assert fs.get_feed(store, f"{base}/sitemap.xml")["etag"] == '"s1"'  # type: ignore[index]


def test_an_item_failing_again_and_again_is_parked(store: Store, base: str, tmp_path: Path) -> None:
    Handler.routes["/rss.xml"] = (200, XML, feed_server.rss(base, [1, 99]))  # /a/99 answers 404
    Handler.etags = {}
    for round_ in range(1, fs.MAX_FAILURES + 1):
        report = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())
        assert report["failed"] == 1 and Handler.hits["/a/99"] == round_
    assert report["parked"] == 1 and "parked" in report["feeds"][0]["problems"][0]
    again = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())
    assert Handler.hits["/a/99"] == fs.MAX_FAILURES  # not asked again
    assert (again["failed"], again["parked"], again["skipped"]) == (0, 1, 1)
    Handler.routes["/rss.xml"] = (200, XML, feed_server.rss(base, [1]))  # no longer listed: stays parked
    import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())
    assert Handler.hits["/a/99"] == fs.MAX_FAILURES
    [row] = fs.failed_items(store)
    assert row["status"] == "parked" and row["attempts"] == fs.MAX_FAILURES
    assert row["url"] == f"{base}/a/99" and "HTTP 404" in row["error"]
    result = CliRunner().invoke(app, ["corpus", "feeds", "--failed", "--db", store.url, "--json"])
    assert result.exit_code == 0, result.output
    assert [r["url"] for r in json.loads(result.stdout)] == [f"{base}/a/99"]


def test_a_feed_leased_by_another_run_is_skipped(store: Store, base: str) -> None:
    assert fs.take_lease(store, f"{base}/rss.xml", "otherhost:1:abc") is None
    report = import_feeds(store, [f"{base}/rss.xml", f"{base}/atom.xml"], fetcher=polite())
    assert [f["status"] for f in report["feeds"]] == ["busy", "ok"] and report["busy"] == 1
    assert Handler.hits["/rss.xml"] == 0
    fs.release_lease(store, f"{base}/rss.xml", "otherhost:1:abc")
    assert import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())["new"] == 3


def test_two_watch_once_at_once_fetch_each_page_once(any_url: str, base: str) -> None:
    Handler.slow = {f"/a/{n}": 0.3 for n in range(1, 6)}  # long enough for the runs to overlap
    start = time.time() + 4.0
    code = ("import sys, time; time.sleep(max(0.0, float(sys.argv[1]) - time.time())); "
            "from unspin.cli.main import app; sys.argv = ['unspin', *sys.argv[2:]]; app()")
    cmd = [sys.executable, "-c", code, str(start), "corpus", "watch", "--once", "--db", any_url, "--create",
           "--allow-private-network", "--delay", "0", f"{base}/rss.xml", f"{base}/atom.xml"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"}) for _ in range(2)]
    outs = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    for code_, _out, err in outs:
        assert code_ == 0, err
    assert all(Handler.hits[f"/a/{n}"] == 1 for n in range(1, 6)), dict(Handler.hits)
    store = Store.open(any_url)
    with store.read() as conn:
        assert len(conn.execute(documents.select()).all()) == 5
    assert sorted(f["items"] for f in fs.feed_status(store)) == [2, 3]
    news = sum(int(out.split("round 1: ")[1].split(" new")[0]) for _, out, _ in outs)
    assert news == 5


def test_items_per_run_are_capped_over_all_feeds(store: Store, base: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_feeds, "MAX_RUN_ITEMS", 4)
    report = import_feeds(store, [f"{base}/rss.xml", f"{base}/atom.xml", f"{base}/sitemap.xml"],
                          fetcher=polite())
    assert [(f["new"], f["deferred"]) for f in report["feeds"]] == [(3, 0), (1, 1), (0, 2)]
    assert sum(n for path, n in Handler.hits.items() if path.startswith("/a/")) == 4
    again = import_feeds(store, [f"{base}/rss.xml", f"{base}/atom.xml", f"{base}/sitemap.xml"],
                         fetcher=polite())
    assert (again["new"], again["deferred"]) == (3, 0)  # 5, 6 and 7 (1 was stored from the RSS feed)
