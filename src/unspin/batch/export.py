"""Corpus statistics as tables, and their export to CSV, Parquet or JSONL.

CSV cells that a spreadsheet would run as a formula (text starting with `=`, `+`, `-`, `@`, a
tab or a carriage return) are written with a leading `'` (`spreadsheet_safe`); numbers, and
every Parquet and JSONL value, are written as they are.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from unspin.errors import InputError
from unspin.store import Store
from unspin.store import queries as q
from unspin.store.schema import analyses, documents, spans

TABLES = ("by_source", "by_time", "by_technique", "top_cues", "cooccurrence", "spans")
FORMATS = ("csv", "parquet", "jsonl")
STATS = ("by_source", "by_time", "by_technique", "top_cues", "cooccurrence")
PARQUET_BATCH = 5000  # rows per Parquet row group when streaming
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection


def spreadsheet_safe(value: Any) -> Any:
    """`value` with a leading `'` when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def stats(store: Store, f: q.Filters, *, bucket: str = "month", top: int = 10) -> dict[str, Any]:
    """Every statistics table for the filters, plus the overview."""
    f = f.resolved(store)
    return {"overview": q.overview(store, f), **{name: table(store, name, f, bucket=bucket, top=top)
                                                 for name in STATS}}


def table(store: Store, name: str, f: q.Filters, *, bucket: str = "month",
          top: int = 10) -> list[dict[str, Any]]:
    """One statistics table by name (see TABLES); `spans` lists every span."""
    if name == "by_source":
        return q.technique_mix(store, f)
    if name == "by_time":
        return q.trend(store, f, bucket=bucket)
    if name == "by_technique":
        return q.by_technique(store, f)
    if name == "top_cues":
        return q.top_cues(store, f, limit=top)
    if name == "cooccurrence":
        return q.cooccurrence(store, f)
    if name == "spans":
        return list(iter_spans(store, f))
    raise InputError(f"Unknown table {name!r}; expected one of {', '.join(TABLES)}.")


def iter_spans(store: Store, f: q.Filters) -> Iterator[dict[str, Any]]:
    """Every span of the selected corpus analyses, with its document's metadata and text."""
    f = f.resolved(store)
    a, d, s = analyses.c, documents.c, spans.c
    conds = [*q.scope(analyses, f), s.analysis_id == a.id, d.id == a.document_id]
    if f.techniques:
        conds.append(s.technique.in_(f.techniques))
    query = (select(a.document_id, d.ext_id, a.model, a.source, d.url, d.title, a.day, s.technique, s.start,
                    s.end, s.score, d.text)
             .where(*conds).order_by(a.document_id, s.start, s.end, s.technique))
    with store.read() as conn:
        for r in conn.execution_options(yield_per=500).execute(query):
            yield {"document_id": r.document_id, "ext_id": r.ext_id, "model": r.model, "source": r.source,
                   "url": r.url, "title": r.title, "published": r.day.isoformat() if r.day else None,
                   "technique": r.technique, "start": r.start, "end": r.end, "text": r.text[r.start:r.end],
                   "score": round(r.score, 4)}


def spans_schema() -> Any:
    """The Parquet schema of the `spans` table (and of `Analysis.to_records()` rows)."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema([("document_id", text), ("ext_id", text), ("model", text), ("source", text),
                      ("url", text), ("title", text), ("published", pa.date32()), ("technique", text),
                      ("start", pa.int32()), ("end", pa.int32()), ("text", text), ("score", pa.float64())])


def write_rows(rows: Iterable[dict[str, Any]], path: Path, fmt: str, *, schema: Any = None) -> int:
    """Write rows as CSV, Parquet (with `schema`, a pyarrow schema, when given) or JSONL; returns
    how many. Rows are taken one at a time (Parquet: `PARQUET_BATCH` at a time with a `schema`),
    so an iterator over the store is written with bounded memory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            them = iter(rows)
            first = next(them, None)
            columns = list(first) if first is not None else []
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writerow({c: spreadsheet_safe(c) for c in columns})
            for row in itertools.chain([first] if first is not None else [], them):
                writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})
                count += 1
    elif fmt == "parquet":
        count = _write_parquet(rows, path, schema)
    else:
        raise InputError(f"Unknown format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    return count


def _write_parquet(rows: Iterable[dict[str, Any]], path: Path, schema: Any) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def typed(batch: list[dict[str, Any]]) -> Any:
        if schema is not None and "published" in schema.names:
            batch = [dict(r, published=date.fromisoformat(r["published"]) if r["published"] else None)
                     for r in batch]
        return pa.Table.from_pylist(batch, schema=schema)

    if schema is None:  # the columns come from the rows: take them all (the statistics tables)
        listed = list(rows)
        pq.write_table(typed(listed), path)
        return len(listed)
    count = 0
    them = iter(rows)
    with pq.ParquetWriter(path, schema) as writer:
        while batch := list(itertools.islice(them, PARQUET_BATCH)):
            writer.write_table(typed(batch))
            count += len(batch)
        if not count:
            writer.write_table(typed([]))
    return count


def export(store: Store, out: str | Path, *, fmt: str = "csv", tables: tuple[str, ...] = STATS,
           f: q.Filters | None = None, bucket: str = "month", top: int = 10) -> dict[str, Any]:
    """Write each table to `out/<table>.<fmt>`; returns the files and their row counts."""
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    unknown = [t for t in tables if t not in TABLES]
    if unknown:
        raise InputError(f"Unknown table {unknown[0]!r}; expected some of {', '.join(TABLES)}.")
    f = (f or q.Filters()).resolved(store)
    folder = Path(out)
    written = {}
    for name in tables:
        path = folder / f"{name}.{fmt}"
        schema = spans_schema() if name == "spans" and fmt == "parquet" else None
        rows = iter_spans(store, f) if name == "spans" else table(store, name, f, bucket=bucket, top=top)
        written[name] = {"path": str(path), "rows": write_rows(rows, path, fmt, schema=schema)}
    return {"filters": f.to_dict(), "format": fmt, "tables": written}
