"""SemEval-2021 Task 6 (persuasion techniques in memes) span files: a JSON list of
`{"id", "text", "labels": [{"start", "end", "technique", "text_fragment"}]}` with `[start, end)`
Python `str` offsets into `text`. A label whose offsets do not give its `text_fragment` is
skipped and reported (`Loaded.skipped`), never moved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import InputError, UnknownTechniqueError
from unspin.io.annotations import Loaded
from unspin.io.ptc import Label


def looks_like_memes(value: Any) -> bool:
    """Whether parsed JSON has the memes layout (a list of records with `text` and `labels`
    whose entries name a `technique`)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(r, dict) and "text" in r and isinstance(r.get("labels"), list) for r in value[:20])
    )


def read_memes(path: str | Path) -> Loaded:
    """The memes and their technique spans; records and spans that cannot be used are
    skipped, each with a line saying which and why."""
    path = Path(path)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(f"{path} is not a readable JSON file: {err}.") from err
    if not looks_like_memes(records):
        raise InputError(f"{path} is not a SemEval-2021 memes file (a list of {{id, text, labels}}).")
    docs: list[Document] = []
    labels: dict[str, list[Label]] = {}
    skipped: list[str] = []
    seen: set[str] = set()
    for number, record in enumerate(records):
        ident = str(record.get("id", number))
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            skipped.append(f"{path}: record {number} (id {ident}) has no text: skipped")
            continue
        if ident in seen:
            new = f"{ident}-{number}"
            skipped.append(f"{path}: record {number} repeats id {ident}: read as {new}")
            ident = new
        seen.add(ident)
        doc = Document(text=text, id=ident, meta={"source": path.name})
        docs.append(doc)
        rows = []
        for k, label in enumerate(record["labels"]):
            where = f"{path}: id {ident} label {k}"
            try:
                start, end = int(label["start"]), int(label["end"])
                technique = taxonomy.normalize(str(label["technique"]))
            except (KeyError, TypeError, ValueError, UnknownTechniqueError) as err:
                skipped.append(f"{where}: {err}: skipped")
                continue
            fragment = label.get("text_fragment")
            if not 0 <= start < end <= len(text):
                skipped.append(f"{where}: offsets {start}..{end} outside the text ({len(text)}): skipped")
            elif isinstance(fragment, str) and text[start:end] != fragment:
                skipped.append(f"{where}: offsets {start}..{end} give {text[start:end]!r}, "
                               f"not its text_fragment {fragment!r}: skipped")
            else:
                rows.append(Label(ident, start, end, technique))
        labels[ident] = sorted(rows, key=lambda r: (r.start, r.end, r.technique or ""))
    return Loaded(docs, labels, skipped)
