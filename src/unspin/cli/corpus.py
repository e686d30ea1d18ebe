"""`unspin corpus import|stats|export` and `unspin batch`: corpus analytics from the shell."""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from unspin.cli.common import user_errors
from unspin.cli.main import app

corpus_app = typer.Typer(help="A corpus in a database: import documents, statistics, export.",
                         no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")

DB_HELP = "Database URL or SQLite file (default: UNSPIN_DB, else unspin.db in the user's data folder)."
CREATE_HELP = "Create the SQLite file's folder if it does not exist (else a mistyped --db is an error)."


class Engine(StrEnum):
    local = "local"
    ray = "ray"


class Bucket(StrEnum):
    day = "day"
    week = "week"
    month = "month"


class Format(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"
    label_studio = "label-studio"
    doccano = "doccano"


ALLOW_PRIVATE = typer.Option(False, "--allow-private-network", envvar="UNSPIN_ALLOW_PRIVATE_NETWORK",
                             help="Also fetch feeds on private networks (intranet, loopback); "
                             "off by default.")
DELAY = typer.Option(1.0, "--delay", min=0.0, help="Seconds between two requests to one host (robots.txt "
                     "Crawl-delay wins if longer).")
TIMEOUT = typer.Option(10.0, "--timeout", min=0.1, help="Seconds allowed per request.")


def fetcher(allow_private: bool, delay: float, timeout: float) -> Any:
    """The polite fetcher the feed commands share (what it changes on its own goes to stderr)."""
    import sys

    from unspin.ingest.polite import FetchSettings, PoliteFetcher

    return PoliteFetcher(FetchSettings(delay=delay, timeout=timeout, allow_private_network=allow_private),
                         warn=lambda note: print(f"note: {note}", file=sys.stderr, flush=True))


def _store(db: str | None, create: bool = False) -> Any:
    from unspin.store import Store

    return Store.open(db, create=True if create else None)


def _filters(store: Any, model: str | None, source: list[str] | None, technique: list[str] | None,
             since: str | None, until: str | None) -> Any:
    from unspin.errors import InputError
    from unspin.store.queries import Filters, know_stored

    know_stored(store, technique or [])

    try:
        start = date.fromisoformat(since) if since else None
        end = date.fromisoformat(until) if until else None
    except ValueError as err:
        raise InputError(f"Dates must look like 2024-03-31: {err}") from err
    return Filters(model=model, sources=tuple(source or ()), techniques=tuple(technique or ()),
                   start=start, end=end)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@corpus_app.command("import")
def import_(
    paths: list[str] = typer.Argument(..., help="Folders of .txt/.html, PTC folders, .jsonl or .csv files; "
                                      "http(s) URLs of RSS/Atom feeds, sitemaps, OPML lists or articles."),
    db: str = typer.Option(None, "--db", envvar="UNSPIN_DB", help=DB_HELP),
    create: bool = typer.Option(False, "--create", help=CREATE_HELP),
    source: str = typer.Option(None, "--source", help="Source (outlet) for records that name none."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    allow_private: bool = ALLOW_PRIVATE,
    delay: float = DELAY,
    timeout: float = TIMEOUT,
) -> None:
    """Load documents into the corpus; texts already stored (same content hash) are skipped."""
    from unspin.batch.feeds import import_feeds, is_url
    from unspin.batch.importer import import_paths

    urls = [p for p in paths if is_url(p)]
    files = [Path(p) for p in paths if not is_url(p)]
    report: dict[str, Any] = {}
    with user_errors():
        store = _store(db, create)
        if files:
            report = import_paths(store, files, source=source,
                                  on_problem=lambda p: print(f"skipped {p}", file=sys.stderr))
        if urls:
            from unspin.cli.feeds import stop_on_signals

            with stop_on_signals() as stop:
                found = import_feeds(store, urls, fetcher=fetcher(allow_private, delay, timeout),
                                     source=source, stop=stop,
                                     on_problem=lambda p: print(f"failed {p}", file=sys.stderr))
            report = {**report, "urls": found} if files else found
    if as_json:
        _print_json(report)
        return
    if files:
        print(f"{report['added']:,} added, {report['duplicates']:,} already stored, "
              f"{report['skipped']:,} skipped ({report['read']:,} read in {report['seconds']:.1f} s); "
              f"the corpus holds {report['documents']:,} documents in {report['store']}")
    if urls:
        found = report["urls"] if files else report
        print(f"{found['new']:,} new items, {found['skipped'] + found['duplicates']:,} already stored, "
              f"{found['failed']:,} failed (tried again next run), "
              + "".join(f"{found[k]:,} {k}, " for k in ("parked", "deferred", "busy") if found.get(k))
              + f"{found['feed_errors']:,} feeds unreadable; "
              f"the corpus holds {found['documents']:,} documents in {found['store']}")


@app.command()
def batch(
    db: str = typer.Option(None, "--db", envvar="UNSPIN_DB", help=DB_HELP),
    create: bool = typer.Option(False, "--create", help=CREATE_HELP),
    model: str = typer.Option(None, "--model", "-m", envvar="UNSPIN_MODEL",
                              help="accurate (default), fast, or a model folder."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local (this process) or ray."),
    address: str = typer.Option(None, "--address", help="Ray cluster: HOST:PORT of `ray start --head`, auto, "
                                "or ray://HOST:10001 (default: start a local Ray)."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Documents written per transaction."),
    actors: int = typer.Option(None, "--actors", min=1, help="Ray actors (default: the cluster's CPUs "
                               "divided by --threads)."),
    threads: int = typer.Option(1, "--threads", min=1, help="Ray only: CPUs each actor asks for, and the "
                                "model threads it runs."),
    limit: int = typer.Option(None, "--limit", min=0, help="Analyze at most this many documents."),
    output: str = typer.Option(None, "--output", help="Ray only: write results as Parquet files here "
                               "(resumable) instead of the store."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Analyze every corpus document the current model has not analyzed yet (resumable)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    import unspin
    from unspin.batch.run import BatchSettings, model_folder, run_batch

    with user_errors():
        settings = BatchSettings(engine=engine.value, batch_size=batch_size, address=address, actors=actors,
                                 limit=limit, output=output, ray_options={"threads": threads})
        store = _store(db, create)
        folder = model_folder(model)
        analyzer = unspin.load(folder)
        columns = (TextColumn("analyzing"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]} docs/s"), TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, transient=True, disable=as_json) as bar:
            task = bar.add_task("batch", total=None, rate="-")

            def progress(done: int, total: int) -> None:
                elapsed = bar.tasks[task].elapsed or 0.0
                rate = f"{done / elapsed:.1f}" if elapsed and done else "-"
                bar.update(task, completed=done, total=total, rate=rate)

            summary = run_batch(store, analyzer, settings=settings, model_path=str(folder), progress=progress)
    if as_json:
        _print_json(summary)
        return
    print(f"{summary['analyzed']:,} documents analyzed by {summary['model']} with {summary['engine']} in "
          f"{summary['seconds']:.1f} s ({summary['docs_per_s']} docs/s); "
          + (f"{summary['remaining']:,} left." if summary["remaining"] is not None
             else f"Parquet in {summary['output']}."))


@corpus_app.command()
def stats(
    db: str = typer.Option(None, "--db", envvar="UNSPIN_DB", help=DB_HELP),
    create: bool = typer.Option(False, "--create", help=CREATE_HELP),
    model: str = typer.Option(None, "--model-name", help="Model version (default: the last one used)."),
    source: list[str] = typer.Option(None, "--source", help="Only these sources (repeat the option)."),
    technique: list[str] = typer.Option(None, "--technique", help="Only these techniques."),
    since: str = typer.Option(None, "--since", help="First day, e.g. 2024-01-01."),
    until: str = typer.Option(None, "--until", help="Last day (inclusive)."),
    bucket: Bucket = typer.Option(Bucket.month, "--bucket", help="Time bucket for trends."),
    top: int = typer.Option(10, "--top", min=1, help="Cue phrases per technique."),
    as_json: bool = typer.Option(False, "--json", help="Print every table as JSON."),
) -> None:
    """Technique counts and density per source, time bucket and technique; top cues; co-occurrence."""
    from unspin.batch.export import stats as compute

    with user_errors():
        store = _store(db, create)
        f = _filters(store, model, source, technique, since, until)
        data = compute(store, f, bucket=bucket.value, top=top)
    if as_json:
        _print_json(data)
        return
    _print_tables(data)


def _print_tables(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    o = data["overview"]
    model = o["filters"]["model"] or "(none yet)"
    console.print(f"[bold]{o['documents']:,}[/] documents analyzed by {model}, "
                  f"{o['spans']:,} spans, density {o['density']:.1%}, {o['spans_per_1k_words']} spans per "
                  f"1,000 words; {o['pending']:,} documents not analyzed yet.")
    shown = {"by_technique": ("technique", "documents", "spans", "density", "spans_per_1k_words"),
             "by_source": ("source", "technique", "spans", "density", "share_of_spans"),
             "by_time": ("bucket", "technique", "spans", "density"),
             "top_cues": ("technique", "rank", "phrase", "count"),
             "cooccurrence": ("a", "b", "documents", "jaccard")}
    for name, columns in shown.items():
        rows = data[name]
        if name == "cooccurrence":
            rows = sorted((r for r in rows if r["a"] < r["b"]), key=lambda r: -r["documents"])[:15]
        table = Table(*columns, title=name.replace("_", " "))
        for row in rows[:40]:
            table.add_row(*(str(row[c]) for c in columns))
        console.print(table)


@corpus_app.command("export")
def export_(
    out: Path = typer.Argument(..., help="Folder to write <table>.<format> files into."),
    db: str = typer.Option(None, "--db", envvar="UNSPIN_DB", help=DB_HELP),
    create: bool = typer.Option(False, "--create", help=CREATE_HELP),
    fmt: Format = typer.Option(Format.csv, "--format", "-f", help="csv, parquet or jsonl (tables); "
                               "label-studio or doccano (documents with the model's spans, to review)."),
    table: list[str] = typer.Option(None, "--table", help="by_source, by_time, by_technique, top_cues, "
                                    "cooccurrence, spans (default: all but spans)."),
    model: str = typer.Option(None, "--model-name", help="Model version (default: the last one used)."),
    source: list[str] = typer.Option(None, "--source", help="Only these sources."),
    technique: list[str] = typer.Option(None, "--technique", help="Only these techniques."),
    since: str = typer.Option(None, "--since", help="First day, e.g. 2024-01-01."),
    until: str = typer.Option(None, "--until", help="Last day (inclusive)."),
    bucket: Bucket = typer.Option(Bucket.month, "--bucket", help="Time bucket for by_time."),
    top: int = typer.Option(10, "--top", min=1, help="Cue phrases per technique."),
) -> None:
    """Write corpus statistics (and optionally every span) as CSV, Parquet or JSONL files."""
    from unspin.batch.annotate import ANNOTATION_FORMATS, export_annotations
    from unspin.batch.export import STATS, export

    with user_errors():
        store = _store(db, create)
        f = _filters(store, model, source, technique, since, until)
        if fmt.value in ANNOTATION_FORMATS:
            result = export_annotations(store, out, fmt=fmt.value, f=f)
        else:
            result = export(store, out, fmt=fmt.value, tables=tuple(table or STATS), bucket=bucket.value,
                            top=top, f=f)
    for name, info in result["tables"].items():
        print(f"{name}: {info['rows']:,} rows -> {info['path']}")
