"""Corpus sources: folders of .txt/.html, JSONL, CSV and PTC folders, read as Documents.

Readers yield `Document`s and report bad records as `Problem`s (file:line and why), skipping
them; a whole file that cannot be read is one problem too.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.doc import Document
from unspin.errors import InputError, UnspinError
from unspin.ingest.text import decode, from_text
from unspin.io.ptc import ARTICLE_NAME, read_article
from unspin.pipeline import check_text

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv", ".tsv"}
FIELDS = ("id", "url", "source", "title", "published")


@dataclass(frozen=True, slots=True)
class Problem:
    """A record (or file) that was skipped, and why."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


Report = Callable[[Problem], None]


def iter_documents(paths: Iterable[str | Path], report: Report, *,
                   source: str | None = None) -> Iterator[Document]:
    """Documents from files and folders; `source` fills in records that name none."""
    for path in map(Path, paths):
        if not path.exists():
            report(Problem(str(path), None, "no such file or folder"))
        elif path.is_dir():
            yield from _folder(path, report, source)
        else:
            yield from _file(path, report, source)


def _folder(folder: Path, report: Report, source: str | None) -> Iterator[Document]:
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        suffix = path.suffix.lower()
        if suffix in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES:
            yield from _file(path, report, source)


def _file(path: Path, report: Report, source: str | None) -> Iterator[Document]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES or suffix == ".json":
        yield from read_jsonl(path, report, source=source)
    elif suffix in CSV_SUFFIXES:
        yield from read_csv(path, report, source=source)
    else:
        doc = _single(path, report, source)
        if doc is not None:
            yield doc


def _single(path: Path, report: Report, source: str | None) -> Document | None:
    """One .txt / .html file; PTC `article<ID>.txt` files keep their id and exact text."""
    try:
        if ARTICLE_NAME.match(path.name):
            doc = read_article(path)
            check_text(doc.text)
            return _with(doc, {"id": doc.id, "source": source})
        doc = from_text(decode(path.read_bytes(), source=str(path)), source=str(path))
        check_text(doc.text)
    except (UnspinError, OSError) as err:
        report(Problem(str(path), None, str(err)))
        return None
    meta = {k: v for k, v in doc.meta.items() if k not in {"source", "format"}}
    fields = {"id": path.stem, "source": source or meta.pop("sitename", None),
              "title": meta.pop("title", None), "published": meta.pop("date", None),
              "url": meta.pop("url", None)}
    return Document(doc.text, None, {**meta, "path": str(path), **_clean(fields)})


def _with(doc: Document, fields: dict[str, Any]) -> Document:
    return Document(doc.text, None, {**doc.meta, **_clean(fields)})


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if v not in (None, "")}
    if "id" in out:
        out["ext_id"] = str(out.pop("id"))
    return out


def record_document(record: Any, *, where: str, source: str | None) -> Document:
    """A JSONL/CSV record (`text` or `html`, plus optional FIELDS) as a Document."""
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, found {type(record).__name__}")
    text, html = record.get("text"), record.get("html")
    if text in (None, "") and html in (None, ""):
        raise InputError("the record has neither `text` nor `html`")
    for key in ("text", "html", *FIELDS):
        value = record.get(key)
        if value is not None and not isinstance(value, str | int | float):
            raise InputError(f"`{key}` must be a string, found {type(value).__name__}")
    if text not in (None, ""):
        if not str(text).strip():
            raise InputError("`text` is only whitespace")
        doc = Document(check_text(str(text)), None, {})
    else:
        from unspin.ingest.html import extract_article

        doc = extract_article(str(html), source=where, url=record.get("url") or None)
        check_text(doc.text)
    fields = {k: record.get(k) for k in FIELDS}
    fields["source"] = fields["source"] or source or doc.meta.get("sitename")
    fields["title"] = fields["title"] or doc.meta.get("title")
    fields["published"] = fields["published"] or doc.meta.get("date")
    if fields["published"] not in (None, ""):
        from unspin.store.records import parse_date

        fields["published"] = parse_date(fields["published"]).isoformat()  # type: ignore[union-attr]
    extra = {k: v for k, v in record.items() if k not in {"text", "html", *FIELDS}}
    return Document(doc.text, None, {**extra, **_clean(fields)})


def read_jsonl(path: Path, report: Report, *, source: str | None = None) -> Iterator[Document]:
    """One JSON object per line; a bad line (JSON, UTF-8, fields) is reported and skipped."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; open errors are reported
    except OSError as err:
        report(Problem(str(path), None, str(err)))
        return
    with handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                yield record_document(json.loads(line), where=f"{path}:{number}", source=source)
            except UnicodeDecodeError as err:
                report(Problem(str(path), number, f"not UTF-8 ({err.reason} at byte {err.start})"))
            except json.JSONDecodeError as err:
                report(Problem(str(path), number, f"not valid JSON ({err.msg} at column {err.colno})"))
            except UnspinError as err:
                report(Problem(str(path), number, str(err)))


def read_csv(path: Path, report: Report, *, source: str | None = None) -> Iterator[Document]:
    """CSV (or TSV) with a header row naming `text` or `html` and optional FIELDS."""
    csv.field_size_limit(50_000_000)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle, dialect="excel-tab" if path.suffix.lower() == ".tsv" else "excel")
            columns = reader.fieldnames or []
            if "text" not in columns and "html" not in columns:
                report(Problem(str(path), 1, f"the header needs a `text` or `html` column, found {columns}"))
                return
            start = 2
            for row in reader:
                line = start
                start = reader.line_num + 1
                if None in row or any(v is None for v in row.values()):
                    report(Problem(str(path), line, f"expected {len(columns)} fields, found another number"))
                    continue
                try:
                    yield record_document(row, where=f"{path}:{line}", source=source)
                except UnspinError as err:
                    report(Problem(str(path), line, str(err)))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        report(Problem(str(path), None, f"cannot read the file: {err}"))
