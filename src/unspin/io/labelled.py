"""Labelled data in any format unspin reads, auto-detected, several sources at once: PTC
folders (and `unspin export-annotations` output), folders in ct24-en's layout (`articles/`,
`labels-flc-tc.tsv`, optional `ignore-spans.tsv`), Label Studio JSON, doccano JSONL and
SemEval-2021 memes JSON. Technique names are kept exactly as written; what cannot be used is
skipped with a line saying which record and why."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import InputError
from unspin.io.annotations import Loaded, read_annotations
from unspin.io.extra import TSV, layout, read_extra
from unspin.io.memes import looks_like_memes, read_memes
from unspin.io.ptc import Label


@dataclass
class Labelled:
    """Documents, labels and "don't care" spans by document id, where each came from, and
    what was skipped (one line each)."""

    docs: list[Document] = field(default_factory=list)
    labels: dict[str, list[Label]] = field(default_factory=dict)
    ignore: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # path -> format
    skipped: list[str] = field(default_factory=list)

    def names(self) -> list[str]:
        """Every technique name in the labels, as written, in order of first use."""
        seen: dict[str, None] = {}
        for doc in self.docs:
            for label in self.labels.get(str(doc.id), []):
                seen.setdefault(str(label.technique), None)
        return list(seen)

    def summary(self) -> str:
        spans = sum(len(v) for v in self.labels.values())
        return (f"{len(self.docs)} documents, {spans} spans, {len(self.names())} techniques from "
                f"{len(self.sources)} source(s); {len(self.skipped)} record(s) skipped")


def detect(path: Path) -> str:
    """The format of `path`: ptc, ct24 (folder layouts), memes, label-studio or doccano."""
    if path.is_dir():
        return "ct24" if layout(path) == TSV else "ptc"
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "doccano"
    if suffix in (".json", ".txt"):
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(f"{path} is not a readable JSON file: {err}.") from err
        return "memes" if looks_like_memes(value) else "label-studio"
    raise InputError(f"Cannot tell the format of {path}: expected a PTC or ct24-en folder, a Label "
                     "Studio or memes .json, or a doccano .jsonl.")


def _read(path: Path, fmt: str) -> tuple[Loaded, dict[str, list[tuple[int, int]]]]:
    if fmt == "ct24":
        corpus = read_extra(path)
        return Loaded(corpus.docs, dict(corpus.labels)), dict(corpus.ignore)
    if fmt == "memes":
        return read_memes(path), {}
    return read_annotations(path, "ptc" if fmt == "ptc" else fmt), {}


def read_labelled(paths: list[str | Path]) -> Labelled:
    """Read every source in `paths` with names as written; a document id that an earlier
    source used is renamed `<source number>-<id>` and reported."""
    if not paths:
        raise InputError("Give at least one source of labelled data.")
    out = Labelled()
    for number, raw in enumerate(paths, 1):
        path = Path(raw)
        if not path.exists():
            raise InputError(f"No such file or folder: {path}")
        fmt = detect(path)
        with taxonomy.as_written():
            loaded, ignore = _read(path, fmt)
        out.sources[str(path)] = fmt
        out.skipped += loaded.skipped
        for doc in loaded.docs:
            old = str(doc.id)
            ident = old
            if ident in out.labels:
                ident = f"{number}-{old}"
                out.skipped.append(f"{path}: document id {old} is also in an earlier source: read as {ident}")
                doc = Document(text=doc.text, id=ident, meta=doc.meta)
            out.docs.append(doc)
            out.labels[ident] = [Label(ident, lab.start, lab.end, lab.technique)
                                 for lab in loaded.labels.get(old, []) if lab.technique not in (None, "?")]
            if old in ignore:
                out.ignore[ident] = list(ignore[old])
    if not out.docs:
        raise InputError(f"No documents could be read from {', '.join(map(str, paths))}.")
    return out
