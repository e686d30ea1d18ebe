"""Span annotations in Label Studio JSON, doccano JSONL and PTC folders, read and written
with exact offsets.

Both tools store `[start, end)` offsets in Unicode code points, as Python `str` indices are,
so offsets pass through unchanged (older Label Studio's UTF-16 offsets and its editor's
rewritten region text are handled in `unspin.io.spans`). A span that cannot be placed, an
unknown technique, a record skipped: each is listed (`Loaded.skipped`), never silently
dropped; ids are made unique (`Loaded.renamed`, with a note).

    Label Studio: see `unspin.io.label_studio`
    doccano:      {"id": 1, "text": "...", "label": [[0, 8, "Name_Calling,Labeling"]]}   (one per line)
                  (doccano's `entities` form, with start_offset / end_offset, is read too)
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from unspin.doc import Document
from unspin.errors import FormatError, InputError
from unspin.io.label_studio import (
    label_studio_config,
    label_studio_task,
    read_label_studio,
    write_label_studio,
)
from unspin.io.ptc import Label
from unspin.io.spans import Loaded, UniqueIds, place, present

__all__ = ["FORMATS", "Loaded", "detect", "label_studio_config", "label_studio_task", "read_annotations",
           "read_doccano", "read_label_studio", "read_ptc", "split_ids", "write_annotations",
           "write_doccano", "write_label_studio", "write_ptc"]

FORMATS = ("label-studio", "doccano", "ptc")
Labels = Mapping[str, list[Label]]
ID_MAP = "ids.json"  # written beside a PTC folder's articles when document ids had to become numbers


def detect(path: str | Path) -> str:
    """The format of `path`: a folder is PTC, `.jsonl` doccano, `.json` Label Studio."""
    path = Path(path)
    if path.is_dir():
        return "ptc"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "doccano"
    if suffix == ".json":
        return "label-studio"
    raise InputError(f"Cannot tell the format of {path}: expected a PTC folder, a Label Studio .json "
                     "or a doccano .jsonl file.")


# -- doccano ---------------------------------------------------------------------------------------
def read_doccano(path: str | Path) -> Loaded:
    """doccano sequence-labeling JSONL: `label` as [start, end, name] or `entities` objects."""
    out = Loaded([], {})
    ids = UniqueIds(out)
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise FormatError(f"{path}: cannot read it as UTF-8 JSONL ({err}).") from err
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise FormatError(f"{path}:{number}: not valid JSON ({err.msg}).") from err
        text = record.get("text") if isinstance(record, dict) else None
        if not isinstance(text, str):
            raise FormatError(f"{path}:{number}: the record has no `text`.")
        doc_id = ids.claim(present(record.get("unspin_id"), record.get("id"), number), f"{path}:{number}")
        labels = []
        for span in _doccano_spans(record, doc_id, out):
            found = place(text, *span, doc_id, None, out)
            if found is not None:
                labels.append(found)
        meta = {k: v for k, v in record.items() if k not in ("text", "label", "entities", "id", "unspin_id")}
        out.docs.append(Document(text, doc_id, meta))
        out.labels[doc_id] = sorted(labels)
    return out


def _doccano_spans(record: dict[str, Any], doc_id: str, out: Loaded) -> list[tuple[Any, Any, Any]]:
    """(start, end, name) of a record's `label` lists and `entities` objects; anything else
    in them is lost, said so."""
    spans = []
    raw = record.get("label")
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, list) and len(item) == 3:
            spans.append((item[0], item[1], item[2]))
        else:
            out.lose(doc_id, f"document {doc_id}: a `label` entry that is not [start, end, name]: "
                             f"{str(item)[:80]}")
    for item in record.get("entities") or []:
        if isinstance(item, dict):
            spans.append((item.get("start_offset"), item.get("end_offset"), item.get("label")))
        else:
            out.lose(doc_id, f"document {doc_id}: an `entities` entry that is not an object: "
                             f"{str(item)[:80]}")
    return spans


def write_doccano(docs: Iterable[Document], labels: Labels, path: str | Path) -> int:
    """Write doccano JSONL (`label` as [start, end, technique]); returns the number of records."""
    n = 0
    with open(path, "w", encoding="utf-8") as handle:
        for doc in docs:
            record: dict[str, Any] = {"text": doc.text, "label": [[x.start, x.end, x.technique]
                                                               for x in sorted(labels.get(str(doc.id), []))]}
            if doc.id is not None:
                record = {"id": int(doc.id) if NUMBER.fullmatch(str(doc.id)) else doc.id, **record}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


# -- PTC -------------------------------------------------------------------------------------------
NUMBER = re.compile(r"[0-9]+")


def read_ptc(root: str | Path) -> Loaded:
    """A PTC folder: `train-articles/` and `train-labels-task-flc-tc/` (or the files themselves).
    Labels naming no article, or lying outside its text, are skipped and listed."""
    from unspin.io import ptc

    root = Path(root)
    articles = root / "train-articles" if (root / "train-articles").is_dir() else root
    tc = root / "train-labels-task-flc-tc" if (root / "train-labels-task-flc-tc").is_dir() else root
    docs = ptc.read_articles(articles)
    grouped = ptc.group_by_article(ptc.read_labels(tc)) if list(tc.glob("*.labels")) else {}
    out = Loaded(docs, {})
    lengths = {str(d.id): len(d.text) for d in docs}
    for ident in sorted(set(grouped) - set(lengths)):
        out.skipped.append(f"{len(grouped[ident])} labels of article {ident}: {articles} has no "
                           f"article{ident}.txt")
    for ident, size in lengths.items():
        kept = []
        for label in grouped.get(ident, []):
            if label.end <= size:
                kept.append(label)
            else:
                out.lose(ident, f"document {ident} [{label.start}, {label.end}): outside the text of "
                                f"length {size}")
        out.labels[ident] = sorted(kept, key=lambda x: (x.start, x.end, x.technique or ""))
    return out


def ptc_ids(docs: list[Document]) -> dict[str, str]:
    """The PTC number of each document id: the id itself when it is a number, else its `ext_id`
    when that is a free number, else a stable 9-digit number from the id's sha256 (the next
    free one on a collision)."""
    given = [str(d.id) for d in docs]
    if len(set(given)) != len(given):
        twice = sorted({i for i in given if given.count(i) > 1})
        raise InputError(f"Document ids must be unique to write a PTC folder; repeated: "
                         f"{', '.join(twice[:5])}.")
    out = {i: i for i in given if NUMBER.fullmatch(i)}
    used = set(out.values())
    for doc in docs:
        ext = str(present(doc.meta.get("ext_id"), "") or "")
        if str(doc.id) not in out and NUMBER.fullmatch(ext) and ext not in used:
            out[str(doc.id)] = ext
            used.add(ext)
    for ident in given:
        if ident not in out:
            digest = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
            number = 100_000_000 + int(digest, 16) % 900_000_000
            while str(number) in used:
                number += 1
            out[ident] = str(number)
            used.add(str(number))
    return out


def write_ptc(docs: Iterable[Document], labels: Labels, root: str | Path) -> int:
    """Write `train-articles/article<ID>.txt` (text byte for byte) and one TC label file per
    article. Ids that are not numbers become numbers (`ptc_ids`), listed in `ids.json` (PTC
    number -> id) in `root`. On an error, nothing written is left behind."""
    from unspin.io import ptc

    docs = list(docs)
    numbers = ptc_ids(docs)
    root = Path(root)
    arts, tc = root / "train-articles", root / "train-labels-task-flc-tc"
    created = [p for p in (*reversed(root.parents), root, arts, tc) if not p.exists()]  # to remove on error
    written: list[Path] = []
    try:
        arts.mkdir(parents=True, exist_ok=True)
        tc.mkdir(parents=True, exist_ok=True)
        for doc in docs:
            number = numbers[str(doc.id)]
            written.append(arts / f"article{number}.txt")
            with open(written[-1], "w", encoding="utf-8", newline="") as handle:
                try:
                    handle.write(doc.text)
                except UnicodeEncodeError as err:
                    raise InputError(f"Document {doc.id}: its text cannot be written as UTF-8 "
                                     f"({err.reason} at character {err.start}).") from err
            rows = [Label(number, x.start, x.end, x.technique) for x in labels.get(str(doc.id), [])]
            written.append(tc / f"article{number}.task-flc-tc.labels")
            ptc.write_labels(rows, written[-1])
        renamed = {number: ident for ident, number in numbers.items() if number != ident}
        if renamed:
            written.append(root / ID_MAP)
            written[-1].write_text(json.dumps(renamed, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for folder in reversed(created):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    return len(docs)


READERS = {"label-studio": read_label_studio, "doccano": read_doccano, "ptc": read_ptc}
WRITERS = {"label-studio": write_label_studio, "doccano": write_doccano, "ptc": write_ptc}


def read_annotations(path: str | Path, fmt: str | None = None, *, keep_partial: bool = False) -> Loaded:
    """Documents and labels from a PTC folder, a Label Studio .json or a doccano .jsonl.

    A document that lost spans (listed in `skipped`) is left out, so it is never trained on as
    if those words were clean; `keep_partial=True` keeps it with the spans that could be
    placed (for `unspin convert`)."""
    fmt = fmt or detect(path)
    if fmt not in READERS:
        raise InputError(f"Unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    if not Path(path).exists():
        raise InputError(f"No such file or folder: {path}")
    found = READERS[fmt](path)
    return found if keep_partial else found.without_lost()


def write_annotations(docs: list[Document], labels: Labels, path: str | Path, fmt: str) -> int:
    if fmt not in WRITERS:
        raise InputError(f"Unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    return WRITERS[fmt](docs, labels, path)


def split_ids(ids: Iterable[str], share: float = 0.15) -> list[str]:
    """A fixed validation split for annotation files: the ids whose sha256 falls in the first
    `share` of the range (at least one when there are two or more documents)."""
    keyed = {i: int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) / 16**8 for i in ids}
    chosen = sorted(i for i, key in keyed.items() if key < share)
    if not chosen and len(keyed) >= 2:
        chosen = [min(keyed, key=keyed.__getitem__)]
    return chosen
