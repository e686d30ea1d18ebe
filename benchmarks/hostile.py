"""Hostile inputs (issue 14): replays every input the hardening probe found, asserts the
documented outcome, fuzzes `Analyzer.analyze` with random hostile strings (nothing but
`InputError` may come out), and measures the figures the issue asks for.

    python benchmarks/hostile.py                          # replay + 10,000 fuzz strings, tiny model
    python benchmarks/hostile.py --model fast --latency   # + short-request latency while a long one runs
    python benchmarks/hostile.py --model fast --rss 400000 --fuzz 0   # + peak RSS of one long document
    python benchmarks/hostile.py --pg postgresql://...    # + the PostgreSQL replays

Only loopback is ever contacted. `tests/` keeps the fast versions of each replay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

PIECES = [
    "\ud800", "\udfff", "\ud83d", "\ude00", "\x00", "\r\n", "\r", "\n", "\u2028", "\u2029", "\ufeff",
    "\u200b", "\u202e", "\u0301", "\u0301" * 50, "🧱", "👩‍👩‍👧", "\U0010ffff", "\uffff", "\ue000", "\x07",
    "\x1b[31m", "\t", " ", "  \n ", "traitors", "corrupt elites", "naïve", "Straße", "ﬁ", "ǅ", "İ",
    "<script>alert(1)</script>", "<p>", "&amp;", "%00", "\\u0000", "'\";--", "A" * 300, "x" * 2000,
    "日本語のテキスト", "العربية", "עברית", "\u0e01\u0e33", "a\u0308", "🇺🇳", "\U0001f3f4\U000e0067",
]
SENTENCE = "They are traitors and liars, and every true patriot knows it. "


def hostile_string(rng: random.Random) -> Any:
    """A random hostile input: mostly strings built from PIECES, sometimes not a str at all."""
    roll = rng.random()
    if roll < 0.02:
        return rng.choice([None, b"bytes", 12345, 1.5, ["list"], {"text": "dict"}, True])
    if roll < 0.04:
        return rng.choice(["", " ", "\n\n", "\r\n" * 10, "\x00", "\ud800"])
    parts = [rng.choice(PIECES) if rng.random() < 0.6 else SENTENCE for _ in range(rng.randint(1, 12))]
    return "".join(parts)


def fuzz(analyzer: Any, n: int, seed: int = 14) -> dict[str, Any]:
    """Analyze `n` hostile strings; count outcomes by exception type (only InputError allowed)."""
    from unspin.errors import InputError

    rng = random.Random(seed)
    outcomes: Counter[str] = Counter()
    bad: list[str] = []
    began = time.perf_counter()
    for _ in range(n):
        value = hostile_string(rng)
        try:
            analysis = analyzer.analyze(value, threshold=0.0)
            for span in analysis.spans:
                assert analysis.text[span.start:span.end] == span.text
            json.dumps(analysis.to_dict())  # serialisable (no lone surrogates left)
            analysis.text.encode("utf-8")
            outcomes["ok"] += 1
        except InputError:
            outcomes["InputError"] += 1
        except Exception as err:
            outcomes[type(err).__name__] += 1
            if len(bad) < 10:
                bad.append(f"{type(err).__name__}: {err} for {value!r:.120}")
    return {"strings": n, "outcomes": dict(outcomes), "other_errors": bad,
            "seconds": round(time.perf_counter() - began, 1)}


def replay(analyzer: Any, tmp: Path, pg: str | None) -> list[dict[str, Any]]:
    """Every input of the issue, with the outcome it must have now."""
    from fastapi.testclient import TestClient

    from unspin.batch.importer import import_paths
    from unspin.errors import FetchError, InputError, StoreError
    from unspin.ingest.html import extract_article
    from unspin.ingest.text import decode, read_input
    from unspin.ingest.url import fetch
    from unspin.store import Store
    from unspin.web import WebSettings, create_app
    from unspin.web.memstore import MemoryStore

    results: list[dict[str, Any]] = []

    def check(name: str, run: Callable[[], Any], expect: str) -> None:
        try:
            got = str(run())
        except Exception as err:
            got = f"{type(err).__name__}: {err}"
        results.append({"input": name, "expected": expect, "got": got[:200], "ok": expect in got})

    def raises(kind: type[BaseException], call: Callable[[], Any]) -> Callable[[], str]:
        def go() -> str:
            try:
                call()
            except kind as err:
                return f"{kind.__name__}: {err}"
            return "no error"
        return go

    shared = ("The minister said the reform would protect every family in the country from the crisis, "
              "and that the cost of the programme would be met without new taxes on working people.")
    page = (f"<html><body><article><h1>Story</h1><p>{shared}</p><p>Officials declined to comment on the "
            "plan, the spokesman said.</p></article></body></html>")
    check("same page extracted 12 times",
          lambda: sum(shared in extract_article(page).text for _ in range(12)), "12")
    app = create_app(analyzer, store=MemoryStore(), settings=WebSettings())
    with TestClient(app) as client:
        def post(body: bytes, ctype: str = "application/json", **headers: str) -> str:
            r = client.post("/api/analyze", content=body, headers={"Content-Type": ctype, **headers})
            return f"{r.status_code} {r.json().get('error', '')[:80]}"

        check("API text with a lone surrogate", lambda: post(b'{"text": "a \\ud800 b c"}'), "200")
        check("API threshold true", lambda: post(b'{"text": "abc", "threshold": true}'), "422")
        check('API threshold "0.5"', lambda: post(b'{"text": "abc", "threshold": "0.5"}'), "422")
        check("API unknown key", lambda: post(b'{"text": "abc", "txet": "x"}'), "422")
        check("API text/plain body", lambda: post(b'{"text": "abc"}', "text/plain"), "415")
        check("API JSON nested 60,000 deep", lambda: post(b"[" * 60_000), "422")
        check("API 12 posts of one page", lambda: sum(
            client.post("/api/analyze", json={"html": page, "save": False}).status_code == 200
            for _ in range(12)), "12")
        check("Host: evil.example (DNS rebinding)", lambda: client.get(
            "/api/health", headers={"Host": "evil.example"}).status_code, "400")
        check("cross-site POST /analyze", lambda: client.post(
            "/analyze", data={"text": "abc"}, headers={"Origin": "https://evil.example"}).status_code, "403")
        check("upload of malformed UTF-16", lambda: client.post(
            "/analyze", files={"file": ("a.txt", b"\xff\xfeA\x00B", "text/plain")},
            headers={"Accept": "application/json"}).status_code, "400")
    check("UTF-16, odd length", raises(InputError, lambda: decode(b"\xff\xfeA\x00B")), "not valid UTF-16")
    check("UTF-16, lone surrogate after BOM", raises(InputError, lambda: decode(b"\xff\xfe\x00\xd8A\x00")),
          "not valid UTF-16")
    check("/dev/zero", raises(InputError, lambda: read_input("/dev/zero")), "larger than the limit")
    for address in ("2002:7f00:1::", "2001:0:4136:e378:8000:63bf:80ff:fffe", "64:ff9b::7f00:1",
                    "::ffff:127.0.0.1", "::127.0.0.1"):
        check(f"fetch http://[{address}]/", raises(FetchError, lambda a=address: fetch(f"http://[{a}]/")),
              "loopback")
    check("--db in a missing folder", raises(StoreError, lambda: Store.open(tmp / "typo" / "x.db")),
          "does not exist")

    lines = ['{"text": "Good."}', '{"text": "Lone \\ud800."}', '{"text": "x", "source": "S\\udc00"}',
             '{"text": "y", "source": "N\\u0000UL", "title": "T\\u0000"}', "[" * 100_000, '{"text": 12345}',
             *(json.dumps({"html": page.replace("Story", f"Story {i}")}) for i in range(6))]
    (tmp / "h.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    folder = tmp / "folder"
    folder.mkdir()
    (folder / "ok.txt").write_text("A text in the folder.", encoding="utf-8")
    os.symlink("/etc/hostname" if os.path.exists("/etc/hostname") else "/etc/passwd", folder / "leak.txt")
    urls = [("sqlite", f"sqlite:///{tmp / 'h.db'}")] + ([("postgresql", pg)] if pg else [])
    for name, url in urls:
        store = Store.open(url, create=True)

        def imported(store: Store = store) -> str:
            report = import_paths(store, [tmp / "h.jsonl", folder])
            return f"imported {report['added'] + report['duplicates']} skipped {report['skipped']}"

        check(f"hostile JSONL + folder with a link out ({name})", imported, "imported 11 skipped 3")
        if name == "postgresql":
            from unspin.store.queries import Filters, overview

            check("filter source=NUL (postgresql)", lambda s=store: overview(s, Filters(sources=("\x00",)))
                  ["documents"], "0")
    if pg:
        bad = pg.rsplit("/", 1)[0] + "/no_such_db"
        check("wrong database name", raises(StoreError, lambda: Store.open(bad)), "Cannot open the database")
    return results


def latency(model: str, long_chars: int, short_text: str = "They are traitors and liars.") -> dict[str, Any]:
    """Start `unspin serve` (defaults: worker processes, inference threads), send a long text,
    then 1 s later a short one; the short one's latency is the figure."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unspin = Path(sys.executable).parent / "unspin"
    cmd = [str(unspin), "serve", "--memory", "--port", str(port), "--model", model]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        long_text = (SENTENCE * (long_chars // len(SENTENCE) + 1))[:long_chars]

        async def both() -> dict[str, Any]:
            async with httpx.AsyncClient(base_url=base, timeout=300) as client:
                async def timed(text: str, wait: float) -> tuple[int, float]:
                    await asyncio.sleep(wait)
                    began = time.perf_counter()
                    r = await client.post("/api/analyze", json={"text": text, "save": False})
                    return r.status_code, round(time.perf_counter() - began, 2)

                alone = await timed(short_text, 0)
                (long_status, long_s), (short_status, short_s) = await asyncio.gather(
                    timed(long_text, 0), timed(short_text, 1.0))
                return {"long_chars": long_chars, "long": [long_status, long_s],
                        "short_alone_s": alone[1], "short_while_long": [short_status, short_s]}

        return asyncio.run(both())
    finally:
        server.terminate()
        server.wait(30)


def peak_rss(model: str, chars: int) -> dict[str, Any]:
    """Peak RSS (MB) of a fresh process analyzing one `chars`-character document."""
    code = (f"import resource, time, unspin; a = unspin.load({model!r}); "
            f"base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
            f"text = ({SENTENCE!r} * {chars // len(SENTENCE) + 1})[:{chars}]; t = time.perf_counter(); "
            "n = len(a.analyze(text).spans); "
            "print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, n, time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "UNSPIN_MAX_CHARS": str(max(chars, 500_000))})
    base, peak, spans, seconds = out.stdout.split()
    return {"chars": chars, "model": model, "rss_after_load_mb": int(base) // 1024,
            "peak_rss_mb": int(peak) // 1024, "spans": int(spans), "seconds": round(float(seconds), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="model for fuzz/latency/rss (default: a tiny random model)")
    parser.add_argument("--fuzz", type=int, default=10_000, help="hostile strings to analyze (max 100,000)")
    parser.add_argument("--latency", action="store_true",
                        help="measure a short request while a long one runs")
    parser.add_argument("--long-chars", type=int, default=30_000)
    parser.add_argument("--rss", type=int, default=0,
                        help="measure peak RSS for a document of this many characters")
    parser.add_argument("--pg", help="a PostgreSQL URL for the PostgreSQL replays")
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args()

    import unspin
    from unspin.testing.tiny import build_tiny_model

    tmp = Path(tempfile.mkdtemp(prefix="unspin-hostile-"))
    model = args.model or str(build_tiny_model(tmp / "tiny"))
    analyzer = unspin.load(model)
    report: dict[str, Any] = {"model": analyzer.name, "cpus": os.cpu_count()}
    report["replay"] = replay(analyzer, tmp, args.pg)
    failed = [r for r in report["replay"] if not r["ok"]]
    for r in report["replay"]:
        print(f"{'ok ' if r['ok'] else 'BAD'} {r['input']}: {r['got'][:100]}")
    if args.fuzz:
        report["fuzz"] = fuzz(analyzer, min(args.fuzz, 100_000))
        print("fuzz:", json.dumps(report["fuzz"]))
    if args.latency:
        report["latency"] = latency(model, args.long_chars)
        print("latency:", json.dumps(report["latency"]))
    if args.rss:
        report["rss"] = peak_rss(model, args.rss)
        print("rss:", json.dumps(report["rss"]))
    report["self_peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    outcomes = report.get("fuzz", {}).get("outcomes", {})
    other = sum(v for k, v in outcomes.items() if k not in ("ok", "InputError"))
    if failed or other:
        sys.exit(f"{len(failed)} replays did not give the documented outcome; {other} fuzz errors")


if __name__ == "__main__":
    main()
