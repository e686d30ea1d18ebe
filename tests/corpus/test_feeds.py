"""Feed import against a loopback server (with the private-network opt-in): RSS, Atom, sitemap,
OPML, a broken feed, an item that times out, robots.txt, conditional GET, and `watch --once`."""

from __future__ import annotations

import ipaddress
import json
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

import feed_server
from feed_server import Handler

from unspin.batch.feeds import import_feeds
from unspin.cli.main import app
from unspin.ingest.feeds import parse_listing
from unspin.ingest.polite import PRIVATE_NETWORKS, FetchSettings, PoliteFetcher
from unspin.store import Store
from unspin.store.feeds import feed_status, get_feed
from unspin.store.schema import documents, feed_items


def polite(**options: object) -> PoliteFetcher:
    settings = {"delay": 0.0, "timeout": 2.0, "allow_private_network": True, **options}
    return PoliteFetcher(FetchSettings(**settings))  # type: ignore[arg-type]


def stored(store: Store) -> dict[str, dict]:
    with store.read() as conn:
        return {r.url: r._asdict() for r in conn.execute(documents.select())}


def test_rss_atom_and_sitemap(store: Store, base: str) -> None:
    report = import_feeds(store, [f"{base}/rss.xml", f"{base}/atom.xml", f"{base}/sitemap.xml"],
                          fetcher=polite())
    # sitemap lists 6, 7 and 1; 1 came from the RSS feed already
    assert (report["new"], report["skipped"], report["failed"], report["feed_errors"]) == (7, 1, 0, 0)
    assert [f["kind"] for f in report["feeds"]] == ["rss", "atom", "sitemap"]
    docs = stored(store)
    assert set(docs) == {f"{base}/a/{n}" for n in range(1, 8)}
    one = docs[f"{base}/a/1"]
    assert one["title"] == "RSS story 1" and one["source"] == "Daily Example"
    assert one["published"].isoformat() == "2024-05-02"
    assert one["meta"]["author"].startswith("reporter1@example.org")
    assert "shameful council scandal" in one["text"] and "Home | World" not in one["text"]
    four = docs[f"{base}/a/4"]
    assert (four["source"], four["meta"]["author"], four["published"].isoformat()) == (
        "Atom Times", "Writer 4", "2024-06-05")
    assert docs[f"{base}/a/6"]["published"].isoformat() == "2024-07-07"
    # every request named unspin; robots.txt was read once for the host
    assert all(agent.startswith("unspin/") for agent in Handler.agents)
    assert Handler.hits["/robots.txt"] == 1


def test_second_run_adds_nothing_and_uses_conditional_get(store: Store, base: str) -> None:
    urls = [f"{base}/rss.xml", f"{base}/atom.xml"]
    assert import_feeds(store, urls, fetcher=polite())["new"] == 5
    again = import_feeds(store, urls, fetcher=polite())
    assert (again["new"], again["failed"]) == (0, 0)
    assert [f["status"] for f in again["feeds"]] == ["not-modified", "ok"]
    assert again["feeds"][1]["skipped"] == 2  # Atom has no ETag: fetched, its items known
    assert Handler.conditional["/rss.xml"] == 1
    assert Handler.hits["/a/1"] == 1  # no item page fetched twice


def test_opml_lists_feeds(store: Store, base: str) -> None:
    report = import_feeds(store, [f"{base}/feeds.opml"], fetcher=polite())
    assert [f["kind"] for f in report["feeds"]] == ["opml", "rss", "atom"]
    assert report["new"] == 5
    assert {f["url"] for f in feed_status(store)} == {f"{base}/feeds.opml", f"{base}/rss.xml",
                                                      f"{base}/atom.xml"}


def test_broken_feed_is_reported_and_others_still_import(store: Store, base: str) -> None:
    problems: list[str] = []
    report = import_feeds(store, [f"{base}/broken.xml", f"{base}/missing.xml", f"{base}/atom.xml"],
                          fetcher=polite(), on_problem=problems.append)
    assert report["feed_errors"] == 2 and report["new"] == 2
    broken, missing, _ = report["feeds"]
    assert broken["status"] == "error" and "not an RSS or Atom feed" in broken["error"]
    assert "404" in missing["error"]
    assert get_feed(store, f"{base}/broken.xml")["last_status"] == "error"  # type: ignore[index]
    assert len(problems) == 2


def test_item_that_times_out_is_retried_next_run(store: Store, base: str) -> None:
    Handler.slow = {"/a/2": 1.5}
    report = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite(timeout=0.5))
    assert (report["new"], report["failed"]) == (2, 1)
    assert "took too long" in report["feeds"][0]["problems"][0]
    with store.read() as conn:
        item = conn.execute(feed_items.select().where(feed_items.c.url == f"{base}/a/2")).one()
    assert (item.status, item.document_id, item.attempts) == ("failed", None, 1)
    assert f"{base}/a/2" not in stored(store)  # never half-stored
    assert get_feed(store, f"{base}/rss.xml")["errors"] == 1  # type: ignore[index]
    Handler.slow = {}
    again = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())
    assert again["feeds"][0]["status"] == "not-modified"  # the feed did not change ...
    assert (again["new"], again["failed"]) == (1, 0)  # ... but the failed item was tried again
    assert f"{base}/a/2" in stored(store)


def test_robots_txt_is_respected(store: Store, base: str) -> None:
    report = import_feeds(store, [f"{base}/private/feed.xml"], fetcher=polite())
    assert report["feed_errors"] == 1 and "robots.txt" in report["feeds"][0]["error"]
    assert Handler.hits["/private/feed.xml"] == 0


def test_private_network_needs_the_opt_in(store: Store, base: str) -> None:
    report = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite(allow_private_network=False))
    assert report["feed_errors"] == 1 and "loopback" in report["feeds"][0]["error"]
    assert sum(Handler.hits.values()) == 0 and store.document_count() == 0
    # the opt-in never opens link-local addresses (cloud metadata services)
    metadata = ipaddress.ip_address("169.254.169.254")
    assert not any(metadata in ipaddress.ip_network(n) for n in PRIVATE_NETWORKS)


def test_stop_between_items_keeps_what_was_stored(store: Store, base: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import unspin.store.feeds as fs

    stop = threading.Event()
    original = fs.store_item

    def then_stop(*args: object) -> bool:  # SIGINT arrives while the first item is being stored
        stop.set()
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(fs, "store_item", then_stop)
    report = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite(), stop=stop)
    monkeypatch.setattr(fs, "store_item", original)
    assert report["interrupted"] and report["feeds"][0]["status"] == "interrupted"
    assert report["new"] == 1
    assert get_feed(store, f"{base}/rss.xml")["etag"] is None  # type: ignore[index]
    rest = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())
    assert (rest["new"], rest["skipped"]) == (2, 1)


def test_parse_listing_kinds() -> None:
    base = "http://news.example"
    assert parse_listing(feed_server.rss(base, [1]).decode(), base).kind == "rss"
    assert parse_listing(feed_server.atom(base, [1]).decode(), base).items[0].url == f"{base}/a/1"
    assert parse_listing(feed_server.article(1).decode(), f"{base}/a/1").kind == "page"
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             "<sitemap><loc>/s1.xml</loc></sitemap></sitemapindex>")
    assert parse_listing(index, f"{base}/index.xml").feeds == (f"{base}/s1.xml",)


def test_cli_watch_once_twice(tmp_path: Path, base: str) -> None:
    db = str(tmp_path / "w.db")
    args = ["corpus", "watch", f"{base}/rss.xml", f"{base}/sitemap.xml", "--once", "--db", db,
            "--allow-private-network", "--delay", "0", "--json"]
    runner = CliRunner()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "round 1: 5 new, 1 skipped, 0 failed, 0 feed errors" in first.stdout
    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "round 1: 0 new, 3 skipped, 0 failed" in second.stdout
    totals = json.loads(second.stdout[second.stdout.index("{"):])
    assert totals["new"] == 0 and totals["documents"] == 5
    listed = runner.invoke(app, ["corpus", "feeds", "--db", db, "--json"])
    rows = json.loads(listed.stdout)
    assert {(r["kind"], r["items"], r["last_status"]) for r in rows} == {("rss", 3, "not-modified"),
                                                                        ("sitemap", 2, "ok")}


def test_cli_import_refuses_loopback_without_the_flag(tmp_path: Path, base: str) -> None:
    result = CliRunner().invoke(app, ["corpus", "import", f"{base}/rss.xml", "--db", str(tmp_path / "x.db"),
                                      "--delay", "0"])
    assert result.exit_code == 0
    assert "loopback" in result.stderr and "0 new items" in result.stdout


def test_dashboard_shows_feed_freshness_and_filters_by_feed(sqlite_url: str, base: str) -> None:
    from fastapi.testclient import TestClient
    from store_fixtures import make_analysis

    from unspin.web import WebSettings, create_app

    store = Store.open(sqlite_url)
    import_feeds(store, [f"{base}/rss.xml", f"{base}/atom.xml", f"{base}/broken.xml"], fetcher=polite())
    store.save_batch([make_analysis(d, []) for d in store.pending("m1")])
    app = create_app(None, store=store, settings=WebSettings())
    with TestClient(app) as client:
        twin = client.get("/corpus.json").json()
        feeds = {f["url"].rsplit("/", 1)[1]: f for f in twin["feeds"]}
        assert {k: (f["items"], f["last_status"], f["errors"]) for k, f in feeds.items()} == {
            "rss.xml": (3, "ok", 0), "atom.xml": (2, "ok", 0), "broken.xml": (0, "error", 0)}
        assert feeds["rss.xml"]["last_fetched"].endswith("Z") and feeds["broken.xml"]["filter"] is None
        only_atom = client.get(feeds["atom.xml"]["filter"].replace("/corpus?", "/corpus.json?")).json()
        assert only_atom["overview"]["documents"] == 2 and only_atom["filters"]["sources"] == ["Atom Times"]
        page = client.get("/corpus").text
        assert "Feeds (3)" in page and 'href="/corpus?model=m1' in page


def test_sigterm_stops_watch_within_a_second(tmp_path: Path, base: str) -> None:
    import os
    import signal
    import subprocess
    import time

    db = tmp_path / "s.db"
    Handler.slow = {"/a/2": 30.0}  # the server holds the second item's answer for 30 s
    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "corpus", "watch",
           f"{base}/rss.xml", "--every", "1h", "--db", str(db), "--allow-private-network", "--delay", "0",
           "--timeout", "60"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 120
        while Handler.hits["/a/2"] == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert Handler.hits["/a/2"] == 1, "the second item should be in flight"
        time.sleep(0.3)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        took = time.monotonic() - began
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 1.5, took  # the fetch in flight is cut, not waited for
    assert "SIGTERM: stopping" in err
    assert "round 1: 1 new" in out and "(stopped)" in out and "0 failed" in out
    assert Handler.hits["/a/3"] == 0
    Handler.slow = {}
    store = Store.open(db)
    assert set(stored(store)) == {f"{base}/a/1"}
    assert get_feed(store, f"{base}/rss.xml")["etag"] is None  # type: ignore[index]
    again = import_feeds(store, [f"{base}/rss.xml"], fetcher=polite())
    assert (again["new"], again["skipped"], again["failed"]) == (2, 1, 0)  # nothing lost


def test_sigint_stops_watch_waiting_on_a_crawl_delay(tmp_path: Path, base: str) -> None:
    import os
    import signal
    import subprocess
    import time

    robots = b"User-agent: *\nCrawl-delay: 100000\n"
    Handler.routes["/robots.txt"] = (200, {"Content-Type": "text/plain"}, robots)
    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "corpus", "watch",
           f"{base}/rss.xml", "--once", "--db", str(tmp_path / "c.db"), "--allow-private-network"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 120
        while Handler.hits["/rss.xml"] == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)  # now waiting the (capped) crawl delay before the first item
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        took = time.monotonic() - began
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 1.5, took
    assert "Crawl-delay of 100000 s; waiting 60 s instead" in err
    assert "round 1: 0 new" in out and "0 failed" in out and "(stopped)" in out


def test_hostile_feed_metadata_is_cleaned(store: Store, base: str) -> None:
    feed = feed_server.rss(base, [9]).decode().replace("RSS story 9", "Bad\x01 title\x1b[31m")
    Handler.routes["/hostile.xml"] = (200, {"Content-Type": "application/rss+xml"}, feed.encode())
    nul = feed.replace("Bad", "\x00").encode()
    Handler.routes["/nul.xml"] = (200, {"Content-Type": "application/rss+xml"}, nul)
    report = import_feeds(store, [f"{base}/hostile.xml", f"{base}/nul.xml"], fetcher=polite())
    assert report["new"] == 1, report
    title = stored(store)[f"{base}/a/9"]["title"]
    assert title.startswith("Bad") and "\x01" not in title and "\x1b" not in title
    assert "binary" in report["feeds"][1]["error"]  # NUL bytes: refused by the safe fetcher


def test_cli_watch_once_analyze(tmp_path: Path, base: str, tiny_model_dir: Path, tiny_analyzer) -> None:
    db = str(tmp_path / "a.db")
    result = CliRunner().invoke(app, ["corpus", "watch", f"{base}/atom.xml", "--once", "--analyze", "--model",
                                      str(tiny_model_dir), "--db", db, "--allow-private-network", "--delay",
                                      "0", "--json"])
    assert result.exit_code == 0, result.output
    assert "round 1: 2 new, 0 skipped, 0 failed, 0 feed errors, 2 analyzed" in result.stdout
    store = Store.open(db)
    assert store.pending_count(tiny_analyzer.name) == 0 and store.models()[0]["documents"] == 2


def test_sigterm_stops_import_of_a_url_within_a_second(tmp_path: Path, base: str) -> None:
    import os
    import signal
    import subprocess
    import time

    Handler.slow = {"/rss.xml": 30.0}
    cmd = [sys.executable, "-c", "from unspin.cli.main import app; app()", "corpus", "import",
           f"{base}/rss.xml", "--db", str(tmp_path / "i.db"), "--allow-private-network", "--timeout", "60",
           "--json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 120
        while Handler.hits["/rss.xml"] == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.3)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        took = time.monotonic() - began
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 1.5, took
    report = json.loads(out)
    assert report["interrupted"] is True and report["feeds"][0]["status"] == "interrupted"
    assert report["feed_errors"] == 0


def test_watch_analysis_ends_when_stopping(tmp_path: Path, tiny_model_dir: Path) -> None:
    from unspin.cli.feeds import _analyze_until
    from unspin.doc import Document

    store = Store.open(tmp_path / "a.db")
    store.add_documents([Document(f"Story {i}: the traitors lied again.") for i in range(3)])
    stop = threading.Event()
    stop.set()
    run = _analyze_until(store, str(tiny_model_dir), stop)
    assert run() == 0 and store.pending_count("tiny-random") == 3  # stopped before the first batch
    stop.clear()
    assert run() == 3 and store.pending_count("tiny-random") == 0
