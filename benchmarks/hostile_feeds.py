"""Hostile feeds and files, round two (issue 32): replays every failing case of the second
probe as a user meets it, through the CLI (`unspin corpus import|watch|feeds|export`,
`convert`, `analyze`, `batch`) and the web app over real HTTP, against loopback sites this
script starts; each case bounded by a timeout, on SQLite and (with --pg) PostgreSQL.

    python benchmarks/hostile_feeds.py                                  # SQLite, tiny random model
    python benchmarks/hostile_feeds.py --pg postgresql://... --out benchmarks/results/hostile-feeds.json
    python benchmarks/hostile_feeds.py --only drip,opml                 # the cases whose names match

One row per case: the issue's failing outcome, the outcome now (seconds, peak RSS, exit
code, counts) and pass/fail against the documented behaviour. Exit 1 when a case fails.
Only 127.0.0.1 is contacted; tests/ keeps the fast version of each case.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from hostile_sites import OK_HEAD, RSS_TYPE, TEXT_TYPE, XML_TYPE, Drip, Proc, Site, article, forever, rss, run

TIMEOUT = 5.0  # --timeout of the fetching commands
SLACK = 6.0  # interpreter start-up and the rest of the run on top of it (2 shared cores)
FETCH = ["--allow-private-network", "--delay", "0", "--timeout", str(TIMEOUT)]


class Ctx:
    """One database kind's run: fresh databases per case, a scratch folder, the model."""

    def __init__(self, kind: str, tmp: Path, model: str, pg: str | None = None):
        self.kind, self.tmp, self.model, self.pg = kind, tmp, model, pg
        self.made: list[str] = []

    def db(self, name: str) -> str:
        """A fresh, empty database for one case."""
        if self.kind == "sqlite":
            return str(self.tmp / f"{name}-{uuid.uuid4().hex[:8]}.db")
        import psycopg

        assert self.pg is not None
        db = f"hostile_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(_plain(self.pg), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        self.made.append(db)
        return self.pg.rsplit("/", 1)[0] + "/" + db

    def cleanup(self) -> None:
        if self.made:
            import psycopg

            with psycopg.connect(_plain(self.pg or ""), autocommit=True) as conn:
                for db in self.made:
                    conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def _plain(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def row(ok: bool, now: str, proc: Proc | None = None, **figures: Any) -> dict[str, Any]:
    """A case's outcome: pass/fail, what happened, and the child's figures."""
    if proc is not None:
        figures = {"seconds": proc.seconds, "code": proc.code, **figures}
        if proc.timed_out:
            ok, now = False, f"killed at the case's timeout; {now}"
    return {"ok": bool(ok), "now": now, **figures}


def report_of(proc: Proc) -> dict[str, Any]:
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return {}


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


# --- fetches that hang --------------------------------------------------------------------------

def drip_case(pieces: Callable[[], Any], *, robots: bool) -> Callable[[Ctx], dict[str, Any]]:
    def case(ctx: Ctx) -> dict[str, Any]:
        routes: dict[str, Any] = {"/feed.xml": Drip(pieces)}
        routes["/robots.txt"] = Drip(pieces) if robots else (404, TEXT_TYPE, b"")
        with Site(routes) as site:
            proc = run(["corpus", "import", f"{site.base}/feed.xml", "--db", ctx.db("drip"), "--create",
                        *FETCH, "--json"], timeout=90)
        feed = (report_of(proc).get("feeds") or [{}])[0]
        why = "robots.txt is unreachable" if robots else "took too long"
        ok = proc.seconds < TIMEOUT + SLACK and why in str(feed.get("error")) and proc.code == 0
        return row(ok, f"ended in {proc.seconds} s: {str(feed.get('error'))[:90]}", proc)
    return case


def crawl_delay(ctx: Ctx) -> dict[str, Any]:
    """robots.txt, then the feed: one wait for the host, capped at 60 s."""
    with Site({"/robots.txt": (200, TEXT_TYPE, b"User-agent: *\nCrawl-delay: 100000\n")}) as site:
        site.routes["/feed.xml"] = (200, RSS_TYPE, rss(site.base, []))
        proc = run(["corpus", "import", f"{site.base}/feed.xml", "--db", ctx.db("crawl"), "--create",
                    *FETCH, "--json"], timeout=150)
    said = [line for line in proc.stderr.splitlines() if "100000" in line]
    status = (report_of(proc).get("feeds") or [{}])[0].get("status")
    ok = bool(said) and "60 s" in said[0] and status == "ok" and 60 <= proc.seconds < 60 + SLACK
    return row(ok, f"feed {status} after {proc.seconds} s (one capped wait); said: "
                   f"{said[0][:110] if said else '-'}", proc)


def watch_signal(sig: int, *, during: str) -> Callable[[Ctx], dict[str, Any]]:
    def case(ctx: Ctx) -> dict[str, Any]:
        if during == "fetch":
            routes: dict[str, Any] = {"/robots.txt": (404, TEXT_TYPE, b""),
                                      "/feed.xml": Drip(forever(OK_HEAD + b"X-Slow: "))}
        else:
            routes = {"/robots.txt": (200, TEXT_TYPE, b"User-agent: *\nCrawl-delay: 100000\n")}
        with Site(routes) as site:
            site.routes.setdefault("/feed.xml", (200, RSS_TYPE, rss(site.base, [1])))
            began: list[float] = []
            first = "/feed.xml" if during == "fetch" else "/robots.txt"  # the wait comes after robots.txt

            def in_the_hang(_proc: Proc) -> bool:
                if site.hits[first] and not began:
                    began.append(time.monotonic())
                return bool(began) and time.monotonic() - began[0] > 1.0

            proc = Proc(["corpus", "watch", f"{site.base}/feed.xml", "--every", "30m", "--db",
                         ctx.db("watch"), "--create", "--allow-private-network", "--delay", "0",
                         "--timeout", "600"]).start().wait(60, send=sig, when=in_the_hang)
        after = proc.signalled_after
        ok = after is not None and after < 1.5 and not proc.timed_out
        return row(ok, f"{signal.Signals(sig).name} during the {during}: exit {proc.code} after {after} s; "
                       f"{last_line(proc.stderr)[:70]}", proc, signal_to_exit_s=after)
    return case


# --- feed parsing that blows up -----------------------------------------------------------------

def quadratic(base: str, refs: int, *, well_formed: bool) -> bytes:
    """One 3,000-character entity referenced `refs` times (`refs` × 3 KB expanded)."""
    tail = "</channel></rss>" if well_formed else "<item><title>unclosed"
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{"x" * 3000}">]>'
            f'<rss version="2.0"><channel><title>{"&a;" * refs}</title><item><title>Item</title>'
            f"<link>{base}/a/1</link></item>{tail}").encode()


def blowup(refs: int, *, well_formed: bool) -> Callable[[Ctx], dict[str, Any]]:
    def case(ctx: Ctx) -> dict[str, Any]:
        with Site({"/robots.txt": (404, TEXT_TYPE, b"")}, fallback=lambda p: (
                (200, {"Content-Type": "text/html"}, article(int(p.rsplit("/", 1)[1])))
                if p.startswith("/a/") else None)) as site:
            bomb = quadratic(site.base, refs, well_formed=well_formed)
            site.routes["/bomb.xml"] = (200, RSS_TYPE, bomb)
            site.routes["/good.xml"] = (200, RSS_TYPE, rss(site.base, [2, 3, 4]))
            proc = run(["corpus", "import", f"{site.base}/bomb.xml", f"{site.base}/good.xml", "--db",
                        ctx.db("bomb"), "--create", *FETCH, "--json"], timeout=120)
        feeds = report_of(proc).get("feeds") or [{}, {}]
        ok = ("declares XML entities" in str(feeds[0].get("error")) and feeds[1].get("new") == 3
              and proc.rss_mb < 600 and proc.seconds < 30)
        why = str(feeds[0].get("error")).split(" ", 1)[-1]
        return row(ok, f"{len(bomb) / 1e6:.1f} MB refused ({why[:45]}...); good feed: "
                       f"{feeds[1].get('new')} new", proc, rss_mb=proc.rss_mb)
    return case


# --- over-long values (PostgreSQL's varchar columns) --------------------------------------------

def long_values(ctx: Ctx) -> dict[str, Any]:
    with Site({"/robots.txt": (404, TEXT_TYPE, b"")}, fallback=lambda p: (
            (200, {"Content-Type": "text/html"}, article(int(p.rsplit("/", 1)[1]))) if p.startswith("/a/")
            else None)) as site:
        headers = {**RSS_TYPE, "ETag": '"' + "e" * 1500 + '"', "Last-Modified": "Wed, " + "x" * 300}
        site.routes["/long.xml"] = (200, headers, rss(site.base, [1], title="T" * 1500))
        site.routes["/good.xml"] = (200, RSS_TYPE, rss(site.base, [2, 3, 4]))
        db = ctx.db("long")
        first = run(["corpus", "import", f"{site.base}/long.xml", f"{site.base}/good.xml", "--db", db,
                     "--create", *FETCH, "--json"], timeout=90)
        feeds = report_of(first).get("feeds") or [{}, {}]
        listed = run(["corpus", "feeds", "--db", db, "--json"], timeout=60)
        titles = sorted(len(f.get("title") or "") for f in (report_of(listed) or []))
        watch = Proc(["corpus", "watch", f"{site.base}/long.xml", "--every", "0.5s", "--db", db,
                      "--allow-private-network", "--delay", "0"]).start()
        watch.wait(90, send=signal.SIGTERM, when=lambda p: p.stdout.count(" round ") >= 2)
    rounds = [line for line in watch.stdout.splitlines() if " round " in line]
    ok = (first.code == 0 and feeds[0].get("status") == "ok" and feeds[1].get("new") == 3
          and titles[-1:] == [1000] and len(rounds) >= 2 and all("0 feed errors" in r for r in rounds)
          and watch.code == 0)
    return row(ok, f"long feed {feeds[0].get('status')}, good feed {feeds[1].get('new')} new, stored title "
                   f"{titles[-1:]} chars; watch: {len(rounds)} rounds, exit {watch.code}", first,
               watch_rounds=len(rounds))


# --- robots.txt by RFC 9309 ---------------------------------------------------------------------

def robots_big(ctx: Ctx) -> dict[str, Any]:
    filler = b"# " + b"x" * 1000 + b"\n"
    body = b"User-agent: *\nDisallow: /early/\n" + filler * 5500 + b"Disallow: /late/\n"
    with Site({"/robots.txt": (200, TEXT_TYPE, body)}) as site:
        for part in ("early", "late"):
            site.routes[f"/{part}/feed.xml"] = (200, RSS_TYPE, rss(site.base, []))
        proc = run(["corpus", "import", f"{site.base}/early/feed.xml", f"{site.base}/late/feed.xml", "--db",
                    ctx.db("robots"), "--create", *FETCH, "--json"], timeout=90)
        hits = dict(site.hits)
    feeds = report_of(proc).get("feeds") or [{}, {}]
    ok = ("not allow" in str(feeds[0].get("error")) and feeds[1].get("status") == "ok"
          and not hits.get("/early/feed.xml"))
    return row(ok, f"{len(body) / 1e6:.1f} MB robots.txt: /early/ {feeds[0].get('status')}, /late/ (past "
                   f"500 KiB) {feeds[1].get('status')}", proc, rss_mb=proc.rss_mb)


def robots_5xx(ctx: Ctx) -> dict[str, Any]:
    with Site({"/robots.txt": (503, TEXT_TYPE, b"busy")}) as site:
        site.routes["/feed.xml"] = (200, RSS_TYPE, rss(site.base, []))
        proc = run(["corpus", "import", f"{site.base}/feed.xml", "--db", ctx.db("r5xx"), "--create",
                    *FETCH, "--json"], timeout=90)
        asked = site.hits["/feed.xml"]
    feed = (report_of(proc).get("feeds") or [{}])[0]
    ok = "unreachable" in str(feed.get("error")) and asked == 0
    return row(ok, f"feed {feed.get('status')}, fetched {asked} times: {str(feed.get('error'))[:70]}", proc,
               rss_mb=proc.rss_mb)  # a plain `corpus import`: the baseline for the RSS figures


# --- fan-out, parked items, concurrent runs -----------------------------------------------------

def opml(base: str, urls: list[str]) -> bytes:
    outlines = "".join(f'<outline type="rss" text="Feed {n}" xmlUrl="{u}"/>' for n, u in enumerate(urls))
    return (f'<?xml version="1.0"?><opml version="2.0"><head><title>Feeds</title></head><body>'
            f"{outlines}</body></opml>").encode()


def opml_fan_out(ctx: Ctx) -> dict[str, Any]:
    def answer(path: str) -> Any:
        if path.startswith("/o/"):  # each nested list names 40 feeds
            n = path[3:].split(".")[0]
            return 200, XML_TYPE, opml("", [f"{site.base}/f/{n}-{k}.xml" for k in range(40)])
        if path.startswith("/f/"):
            return 200, RSS_TYPE, rss(site.base, [])
        return None

    with Site({"/robots.txt": (404, TEXT_TYPE, b"")}, fallback=answer) as site:
        top = opml(site.base, [f"{site.base}/o/{n}.opml" for n in range(40)])
        site.routes["/top.opml"] = (200, XML_TYPE, top)
        proc = run(["corpus", "import", f"{site.base}/top.opml", "--db", ctx.db("opml"), "--create",
                    *FETCH, "--json"], timeout=120)
        asked = sum(n for path, n in site.hits.items() if path != "/robots.txt")
    deferred = report_of(proc).get("deferred")
    ok = asked <= 52 and bool(deferred) and proc.code == 0
    return row(ok, f"{len(top) / 1000:.1f} KB OPML: {asked} requests (was 1,641), {deferred} deferred", proc,
               requests=asked)


def parked(ctx: Ctx) -> dict[str, Any]:
    with Site({"/robots.txt": (404, TEXT_TYPE, b"")}) as site:
        site.routes["/a/1"] = (200, {"Content-Type": "text/html"}, article(1))
        # /a/99 answers 404; the feed lists it in the first round only
        site.routes["/feed.xml"] = lambda _p: (200, RSS_TYPE, rss(site.base, [1] if site.hits["/a/99"] else
                                                                   [1, 99]))
        db = ctx.db("parked")
        watch = Proc(["corpus", "watch", f"{site.base}/feed.xml", "--every", "0.3s", "--db", db, "--create",
                      "--allow-private-network", "--delay", "0"]).start()
        watch.wait(120, send=signal.SIGTERM, when=lambda p: p.stdout.count(" round ") >= 8)
        tried = site.hits["/a/99"]
    failed = report_of(run(["corpus", "feeds", "--failed", "--db", db, "--json"], timeout=60)) or []
    states = [(r.get("status"), r.get("attempts")) for r in failed]
    ok = tried == 5 and states == [("parked", 5)] and watch.stdout.count(" round ") >= 8
    return row(ok, f"{watch.stdout.count(' round ')} rounds: the unlisted item fetched {tried} times, "
                   f"`feeds --failed`: {states}", watch)


def two_watch_once(ctx: Ctx) -> dict[str, Any]:
    slow = {"Content-Type": "text/html"}

    def page(path: str) -> Any:
        if path.startswith("/a/"):
            time.sleep(0.3)
            return 200, slow, article(int(path[3:]))
        return None

    with Site({"/robots.txt": (404, TEXT_TYPE, b"")}, fallback=page) as site:
        site.routes["/one.xml"] = (200, RSS_TYPE, rss(site.base, [1, 2, 3]))
        site.routes["/two.xml"] = (200, RSS_TYPE, rss(site.base, [4, 5]))
        db = ctx.db("twice")
        start = str(time.time() + 8.0)  # both past their imports, then at the same moment
        args = ["corpus", "watch", "--once", f"{site.base}/one.xml", f"{site.base}/two.xml", "--db", db,
                "--create", "--allow-private-network", "--delay", "0"]
        procs = [Proc(args, env={"HOSTILE_START": start}).start() for _ in range(2)]
        for p in procs:
            p.wait(120)
        pages = [site.hits[f"/a/{n}"] for n in range(1, 6)]
    news = sum(int(m) for p in procs for m in re.findall(r"round 1: (\d+) new", p.stdout))
    errors = [last_line(p.stderr) for p in procs if p.code]
    ok = not errors and pages == [1] * 5 and news == 5
    return row(ok, f"exits {[p.code for p in procs]}, each page fetched {pages}, {news} new in all"
                   + (f"; {errors[0][:60]}" if errors else ""), procs[0])


FEED_CASES: list[tuple[str, str, Callable[[Ctx], dict[str, Any]]]] = [
    ("drip headers, import --timeout 5", "ran > 75 s",
     drip_case(forever(OK_HEAD + b"X-Slow: "), robots=False)),
    ("drip chunk-size line, import --timeout 5", "ran > 75 s", drip_case(forever(
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n5;ext=", b"x"), robots=False)),
    ("drip robots.txt, import --timeout 5", "ran > 75 s",
     drip_case(forever(b"HTTP/1.1 200 OK\r\nX-Slow: "), robots=True)),
    ("Crawl-delay: 100000", "slept ~28 h", crawl_delay),
    ("SIGTERM in watch, fetch hang", "'stopping…', stayed alive",
     watch_signal(signal.SIGTERM, during="fetch")),
    ("SIGINT in watch, fetch hang", "'stopping…', stayed alive", watch_signal(signal.SIGINT, during="fetch")),
    ("SIGTERM in watch, Crawl-delay wait", "'stopping…', stayed alive",
     watch_signal(signal.SIGTERM, during="crawl-delay wait")),
    ("entity blow-up feed (3 MB)", "3.0 GB, 47 s", blowup(1_000_000, well_formed=True)),
    ("entity blow-up 3.7 MB (loose parser) + good feed", "MemoryError, nothing imported",
     blowup(1_230_000, well_formed=False)),
    ("title 1,500 / ETag 1,500 / Last-Modified 300 chars", "PostgreSQL: StringDataRightTruncation, "
     "others not imported, watch died", long_values),
    ("robots.txt over 5 MB", "allow-all", robots_big),
    ("robots.txt 503", "allow-all", robots_5xx),
    ("3 KB OPML fanning out", "1,641 requests", opml_fan_out),
    ("item no longer listed, failing", "retried every round forever", parked),
    ("two watch --once at once, fresh database", "pages fetched twice, miscounts, alembic_version exists",
     two_watch_once),
]


def main() -> None:
    from hostile_local import LOCAL_CASES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model for analyze/batch/serve (default: a tiny random model)")
    parser.add_argument("--pg", help="a PostgreSQL URL: run every case on PostgreSQL too (fresh databases "
                                     "are created next to it and dropped)")
    parser.add_argument("--only", help="comma-separated parts of case names to run")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="unspin-hostile-feeds-"))
    if args.model:
        model = args.model
    else:
        from unspin.testing.tiny import build_tiny_model

        model = str(build_tiny_model(tmp / "tiny", threshold=0.3))
    cases = [*FEED_CASES, *LOCAL_CASES]
    if args.only:
        cases = [c for c in cases if any(part in c[0] for part in args.only.split(","))]
    kinds = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
    results: list[dict[str, Any]] = []
    began = time.monotonic()
    try:
        for kind, pg in kinds:
            ctx = Ctx(kind, tmp / kind, model, pg)
            ctx.tmp.mkdir()
            try:
                for name, was, case in cases:
                    try:
                        got = case(ctx)
                    except Exception as err:  # a case that breaks is a failing case, not the end of the run
                        got = row(False, f"the case broke: {type(err).__name__}: {err}"[:200])
                    results.append({"db": kind, "case": name, "was": was, **got})
                    r = results[-1]
                    figures = " ".join(f"{k}={r[k]}" for k in ("seconds", "code", "rss_mb") if k in r)
                    verdict = "N/A " if r.get("how") == "n/a" else "PASS" if r["ok"] else "FAIL"
                    print(f"{verdict}  {kind:<10} {name:<50} [{figures}] was: {was} | "
                          f"now: {r['now']}", flush=True)
            finally:
                ctx.cleanup()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {"cases": len(results), "failed": sum(not r["ok"] for r in results),
               "seconds": round(time.monotonic() - began), "cpus": os.cpu_count(),
               "self_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}
    print(json.dumps(summary))
    if args.out:
        Path(args.out).write_text(json.dumps({"summary": summary, "results": results}, indent=2,
                                             ensure_ascii=False) + "\n", encoding="utf-8")
    if summary["failed"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
