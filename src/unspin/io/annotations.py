"""Span annotations in Label Studio JSON and doccano JSONL, read and written with exact offsets.

Both tools store `[start, end)` offsets in Unicode code points, as Python `str` indices are,
so offsets pass through unchanged. Older Label Studio versions counted UTF-16 code units (an
emoji counts twice); when a span carries its text and the code-point offsets do not give that
text, the UTF-16 reading is tried, and if neither fits the span is skipped and counted
(`Loaded.skipped`), never silently moved. Unknown technique names are skipped the same way.

    Label Studio: [{"id": 1, "data": {"text": "..."}, "annotations": [{"result": [
        {"type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 0, "end": 8, "text": "Traitors", "labels": ["Name_Calling,Labeling"]}}]}]}]
    doccano:      {"id": 1, "text": "...", "label": [[0, 8, "Name_Calling,Labeling"]]}   (one per line)
                  (doccano's `entities` form, with start_offset / end_offset, is read too)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import FormatError, InputError, UnknownTechniqueError
from unspin.io.ptc import Label

FORMATS = ("label-studio", "doccano", "ptc")
Labels = Mapping[str, list[Label]]


@dataclass(slots=True)
class Loaded:
    """Documents, their labels by document id, and the spans skipped (with why)."""

    docs: list[Document]
    labels: dict[str, list[Label]]
    skipped: list[str] = field(default_factory=list)


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


def _utf16_to_index(text: str, units: int) -> int | None:
    """The str index at `units` UTF-16 code units into `text`, or None past the end / mid-pair."""
    count = 0
    for index, char in enumerate(text):
        if count == units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
        if count > units:
            return None
    return len(text) if count == units else None


def _span(text: str, start: Any, end: Any, name: Any, doc_id: str, quoted: str | None,
          skipped: list[str]) -> Label | None:
    where = f"document {doc_id} [{start}, {end})"
    try:
        technique = taxonomy.normalize(str(name))
    except UnknownTechniqueError as err:
        skipped.append(f"{where}: {err}")
        return None
    if not isinstance(start, int) or not isinstance(end, int):
        skipped.append(f"{where}: offsets must be whole numbers")
        return None
    if quoted is not None and text[start:end] != quoted:
        a, b = _utf16_to_index(text, start), _utf16_to_index(text, end)
        if a is None or b is None or text[a:b] != quoted:
            skipped.append(f"{where}: the offsets do not give the span's text {quoted[:40]!r}")
            return None
        start, end = a, b
    if not 0 <= start < end <= len(text):
        skipped.append(f"{where}: outside the text of length {len(text)} or empty")
        return None
    return Label(doc_id, start, end, technique)


# -- Label Studio ----------------------------------------------------------------------------------
def read_label_studio(path: str | Path) -> Loaded:
    """Tasks with annotations (the latest one not cancelled); tasks never annotated are skipped."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise FormatError(f"{path}: not a Label Studio JSON export ({err}).") from err
    tasks = [tasks] if isinstance(tasks, dict) else tasks
    if not isinstance(tasks, list):
        raise FormatError(f"{path}: expected a list of tasks, found {type(tasks).__name__}.")
    out = Loaded([], {})
    for number, task in enumerate(tasks, 1):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict):
            raise FormatError(f"{path}: task {number} has no `data` object.")
        text = data.get("text")
        if not isinstance(text, str):
            strings = [v for v in data.values() if isinstance(v, str)]
            if len(strings) != 1:
                raise FormatError(f"{path}: task {number} has no `data.text` (and not one string field).")
            text = strings[0]
        doc_id = str(data.get("unspin_id") or task.get("id") or number)
        done = [a for a in task.get("annotations") or task.get("completions") or []
                if isinstance(a, dict) and not a.get("was_cancelled")]
        if not done:
            out.skipped.append(f"task {doc_id}: not annotated")
            continue
        labels = []
        for item in done[-1].get("result") or []:
            value = item.get("value") or {}
            if item.get("type") not in (None, "labels") or "start" not in value:
                continue
            for name in value.get("labels") or []:
                found = _span(text, value.get("start"), value.get("end"), name, doc_id, value.get("text"),
                              out.skipped)
                if found is not None:
                    labels.append(found)
        meta = {k: v for k, v in data.items() if k not in ("text", "unspin_id")}
        out.docs.append(Document(text, doc_id, meta))
        out.labels[doc_id] = sorted(labels)
    return out


def label_studio_task(doc: Document, labels: Iterable[Label], *, scores: Mapping[Label, float] | None = None,
                      model: str | None = None) -> dict[str, Any]:
    """One task; with `scores` (or `model`) the spans are predictions to review, else annotations."""
    result = []
    for n, label in enumerate(sorted(labels)):
        value = {"start": label.start, "end": label.end, "text": doc.text[label.start:label.end],
                 "labels": [label.technique]}
        item: dict[str, Any] = {"id": f"s{n}", "from_name": "label", "to_name": "text", "type": "labels",
                                "value": value}
        if scores is not None and label in scores:
            item["score"] = round(float(scores[label]), 4)
        result.append(item)
    data = {"text": doc.text, "unspin_id": str(doc.id)}
    data.update({k: v for k, v in doc.meta.items() if isinstance(v, str | int | float) and k not in data})
    task: dict[str, Any] = {"data": data}
    if doc.id is not None and str(doc.id).isdigit():
        task["id"] = int(str(doc.id))
    if scores is not None or model is not None:
        task["predictions"] = [{"model_version": model or "unspin", "result": result}]
    else:
        task["annotations"] = [{"result": result}]
    return task


def write_label_studio(docs: Iterable[Document], labels: Labels, path: str | Path) -> int:
    """Write a Label Studio import file (annotations); returns the number of tasks."""
    tasks = [label_studio_task(d, labels.get(str(d.id), [])) for d in docs]
    Path(path).write_text(json.dumps(tasks, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(tasks)


def label_studio_config() -> str:
    """The labeling interface for unspin's 14 techniques (paste it into the project settings)."""
    labels = "\n".join(f'    <Label value="{t.name}" background="{t.color}"/>' for t in taxonomy.TECHNIQUES)
    return (f'<View>\n  <Labels name="label" toName="text">\n{labels}\n  </Labels>\n'
            '  <Text name="text" value="$text" granularity="symbol"/>\n</View>\n')


# -- doccano ---------------------------------------------------------------------------------------
def read_doccano(path: str | Path) -> Loaded:
    """doccano sequence-labeling JSONL: `label` as [start, end, name] or `entities` objects."""
    out = Loaded([], {})
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
        doc_id = str(record.get("unspin_id") or record.get("id") or number)
        raw = record.get("label") if isinstance(record.get("label"), list) else []
        spans = [(s[0], s[1], s[2]) for s in raw if isinstance(s, list) and len(s) == 3]
        spans += [(e.get("start_offset"), e.get("end_offset"), e.get("label"))
                  for e in record.get("entities") or [] if isinstance(e, dict)]
        labels = [found for a, b, name in spans
                  if (found := _span(text, a, b, name, doc_id, None, out.skipped)) is not None]
        meta = {k: v for k, v in record.items() if k not in ("text", "label", "entities", "id", "unspin_id")}
        out.docs.append(Document(text, doc_id, meta))
        out.labels[doc_id] = sorted(labels)
    return out


def write_doccano(docs: Iterable[Document], labels: Labels, path: str | Path) -> int:
    """Write doccano JSONL (`label` as [start, end, technique]); returns the number of records."""
    n = 0
    with open(path, "w", encoding="utf-8") as handle:
        for doc in docs:
            record: dict[str, Any] = {"text": doc.text, "label": [[x.start, x.end, x.technique]
                                                               for x in sorted(labels.get(str(doc.id), []))]}
            if doc.id is not None:
                record = {"id": int(doc.id) if str(doc.id).isdigit() else doc.id, **record}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n


# -- any format ------------------------------------------------------------------------------------
def read_ptc(root: str | Path) -> Loaded:
    """A PTC folder: `train-articles/` and `train-labels-task-flc-tc/` (or the files themselves)."""
    from unspin.io import ptc

    root = Path(root)
    articles = root / "train-articles" if (root / "train-articles").is_dir() else root
    tc = root / "train-labels-task-flc-tc" if (root / "train-labels-task-flc-tc").is_dir() else root
    docs = ptc.read_articles(articles)
    grouped = ptc.group_by_article(ptc.read_labels(tc)) if list(tc.glob("*.labels")) else {}
    return Loaded(docs, {str(d.id): sorted(grouped.get(str(d.id), [])) for d in docs})


def write_ptc(docs: Iterable[Document], labels: Labels, root: str | Path) -> int:
    """Write `train-articles/article<ID>.txt` (text byte for byte) and one TC label file per article."""
    from unspin.io import ptc

    root = Path(root)
    arts, tc = root / "train-articles", root / "train-labels-task-flc-tc"
    arts.mkdir(parents=True, exist_ok=True)
    tc.mkdir(parents=True, exist_ok=True)
    n = 0
    for doc in docs:
        if not str(doc.id).isdigit():
            raise InputError(f"PTC article files are named article<number>.txt; document id {doc.id!r} "
                             "is not a number.")
        with open(arts / f"article{doc.id}.txt", "w", encoding="utf-8", newline="") as handle:
            handle.write(doc.text)
        ptc.write_labels(labels.get(str(doc.id), []), tc / f"article{doc.id}.task-flc-tc.labels")
        n += 1
    return n


READERS = {"label-studio": read_label_studio, "doccano": read_doccano, "ptc": read_ptc}
WRITERS = {"label-studio": write_label_studio, "doccano": write_doccano, "ptc": write_ptc}


def read_annotations(path: str | Path, fmt: str | None = None) -> Loaded:
    """Documents and labels from a PTC folder, a Label Studio .json or a doccano .jsonl."""
    fmt = fmt or detect(path)
    if fmt not in READERS:
        raise InputError(f"Unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}.")
    if not Path(path).exists():
        raise InputError(f"No such file or folder: {path}")
    return READERS[fmt](path)


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
