"""Corpus sources: folders of .txt/.html, JSONL, CSV and PTC folders, read as Documents.

Readers yield `Document`s and report bad records as `Problem`s (file:line and why), skipping
them; a whole file that cannot be read is one problem too. No record, however hostile (bad
UTF-8, lone surrogates, NUL, JSON nested 100,000 deep, a 1 GB line), stops its neighbours.
Every text goes through `unspin.ingest.normalize` (line endings become LF). In a folder,
links that lead outside it are skipped and reported, and so is anything that is not a regular
file (a FIFO, socket or device would block the read or never end).
"""

from __future__ import annotations

import csv
import json
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.doc import Document
from unspin.errors import InputError, UnspinError
from unspin.ingest.documents import DOCUMENT_MAX_BYTES, read_document
from unspin.ingest.documents import SUFFIXES as DOCUMENT_SUFFIXES
from unspin.ingest.normalize import clean_field, normalize_document
from unspin.ingest.text import MAX_BYTES, decode, from_text, read_limited
from unspin.io.ptc import ARTICLE_NAME, read_article

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
        text = f"{where}: {self.message}"  # file names may hold undecodable bytes: keep it printable
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


Report = Callable[[Problem], None]


def iter_documents(paths: Iterable[str | Path], report: Report, *,
                   source: str | None = None) -> Iterator[Document]:
    """Documents from files and folders; `source` fills in records that name none."""
    for path in map(Path, paths):
        if not path.exists():
            report(Problem(str(path), None, "no such file or folder"))
        elif path.is_dir():
            yield from _folder(path, report, source)
        elif _regular(path, report):
            yield from _file(path, report, source)


def _regular(path: Path, report: Report) -> bool:
    """Whether `path` (links followed) is a regular file; anything else is reported."""
    try:
        mode = path.stat().st_mode
    except OSError as err:
        report(Problem(str(path), None, f"cannot be read: {err.strerror or err}"))
        return False
    if stat.S_ISREG(mode):
        return True
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    report(Problem(str(path), None, f"{kind}, not a regular file; skipped"))
    return False


def _folder(folder: Path, report: Report, source: str | None) -> Iterator[Document]:
    root = folder.resolve()
    for path in _walk(folder, root, report):
        suffix = path.suffix.lower()
        known = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES | DOCUMENT_SUFFIXES
        if suffix in known and _regular(path, report):
            yield from _file(path, report, source)


def _walk(folder: Path, root: Path, report: Report) -> Iterator[Path]:
    """Files under `folder`, sorted, hidden ones left out; links are followed only when
    they stay inside `root` (a link out of the folder is reported and skipped)."""
    found: list[Path] = []
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in [*dirs, *files]:
            path = Path(top, name)
            if name.startswith(".") or not path.is_symlink():
                if name in files and not name.startswith("."):
                    found.append(path)
                continue
            target = path.resolve()
            if not target.is_relative_to(root):
                report(Problem(str(path), None, f"a link to {target}, outside the imported folder; skipped"))
            elif not target.is_dir():
                found.append(path)  # a link to a folder inside the root: its files are read there
    return iter(sorted(found))


def _file(path: Path, report: Report, source: str | None) -> Iterator[Document]:
    suffix = path.suffix.lower()
    if suffix == ".json" and _starts_with(path, b"["):
        yield from read_json_tasks(path, report, source=source)
    elif suffix in JSONL_SUFFIXES or suffix == ".json":
        yield from read_jsonl(path, report, source=source)
    elif suffix in CSV_SUFFIXES:
        yield from read_csv(path, report, source=source)
    else:
        doc = _single(path, report, source)
        if doc is not None:
            yield doc


def _single(path: Path, report: Report, source: str | None) -> Document | None:
    """One .txt / .html / .pdf / .docx file; PTC `article<ID>.txt` files keep their id and exact text."""
    try:
        if ARTICLE_NAME.match(path.name):
            doc = normalize_document(read_article(path))
            return _with(doc, {"id": doc.id, "source": source})
        document = path.suffix.lower() in DOCUMENT_SUFFIXES
        with open(path, "rb") as handle:
            data = read_limited(handle, max_bytes=DOCUMENT_MAX_BYTES if document else MAX_BYTES,
                                source=str(path))
        if document:
            doc = read_document(data, source=str(path))
        else:
            doc = from_text(decode(data, source=str(path)), source=str(path))
    except (UnspinError, OSError, ValueError) as err:
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
    """A JSONL/CSV record (`text` or `html`, plus optional FIELDS) as a Document.

    `text` and `html` must be strings; `id` a string or an integer; the other FIELDS strings."""
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, found {type(record).__name__}")
    text, html = record.get("text"), record.get("html")
    if text in (None, "") and html in (None, ""):
        raise InputError("the record has neither `text` nor `html`")
    for key in ("text", "html", *FIELDS):
        value = record.get(key)
        allowed: tuple[type, ...] = (str, int) if key == "id" else (str,)
        if value is not None and (not isinstance(value, allowed) or isinstance(value, bool)):
            raise InputError(f"`{key}` must be a string, found {type(value).__name__}")
    if text not in (None, ""):
        if not text.strip():
            raise InputError("`text` is only whitespace")
        doc = normalize_document(Document(text, None, {}))
    else:
        from unspin.ingest.html import extract_article

        doc = extract_article(html, source=clean_field(where), url=record.get("url") or None)
    fields = {k: clean_field(record.get(k)) for k in FIELDS}
    fields["source"] = fields["source"] or clean_field(source) or doc.meta.get("sitename")
    fields["title"] = fields["title"] or doc.meta.get("title")
    fields["published"] = fields["published"] or doc.meta.get("date")
    if fields["published"] not in (None, ""):
        from unspin.store.records import parse_date

        fields["published"] = parse_date(fields["published"]).isoformat()  # type: ignore[union-attr]
    extra = {clean_field(k): v for k, v in record.items() if k not in {"text", "html", *FIELDS}}
    if doc.meta.get("normalized"):
        extra["normalized"] = doc.meta["normalized"]
    return Document(doc.text, None, {**extra, **_clean(fields)})


MAX_LINE = 2 * MAX_BYTES  # a JSONL line longer than this is skipped without being held whole


def _lines(handle: Any, limit: int = MAX_LINE) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of each line; bytes is None for a line longer than `limit`,
    which is skipped in pieces instead of read whole."""
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(1 << 20)
            yield number, None
            continue
        yield number, raw


def _starts_with(path: Path, prefix: bytes) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(prefix)
    except OSError:
        return False


def read_json_tasks(path: Path, report: Report, *, source: str | None = None) -> Iterator[Document]:
    """A Label Studio export (a JSON list of tasks): each task's `data` is read as a record
    (`text` or `html`, and the optional fields); the task id becomes the document's `ext_id`."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        report(Problem(str(path), None, f"not a JSON list of tasks ({err})"))
        return
    for number, task in enumerate(tasks, 1):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            report(Problem(str(path), number, "the task has no `data` object"))
            continue
        record = {k: v for k, v in data.items() if k != "unspin_id"}
        if "id" not in record and (data.get("unspin_id") or task.get("id")) is not None:
            record["id"] = data.get("unspin_id") or task.get("id")
        try:
            yield record_document(record, where=f"{path}:{number}", source=source)
        except UnspinError as err:
            report(Problem(str(path), number, str(err)))


def read_jsonl(path: Path, report: Report, *, source: str | None = None) -> Iterator[Document]:
    """One JSON object per line; a bad line (JSON, UTF-8, nesting, fields, length) is
    reported and skipped."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below; open errors are reported
    except OSError as err:
        report(Problem(str(path), None, str(err)))
        return
    with handle:
        for number, raw in _lines(handle):
            if raw is None:
                report(Problem(str(path), number, f"the line is longer than {MAX_LINE:,} bytes"))
                continue
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                doc = record_document(json.loads(line), where=f"{path}:{number}", source=source)
            except UnicodeDecodeError as err:
                report(Problem(str(path), number, f"not UTF-8 ({err.reason} at byte {err.start})"))
            except json.JSONDecodeError as err:
                report(Problem(str(path), number, f"not valid JSON ({err.msg} at column {err.colno})"))
            except RecursionError:
                report(Problem(str(path), number, "the JSON is nested too deeply"))
            except (UnspinError, ValueError) as err:
                report(Problem(str(path), number, str(err)))
            else:
                yield doc


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
                    doc = record_document(row, where=f"{path}:{line}", source=source)
                except (UnspinError, ValueError) as err:
                    report(Problem(str(path), line, str(err)))
                else:
                    yield doc
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        report(Problem(str(path), None, f"cannot read the file: {err}"))
