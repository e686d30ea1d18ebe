"""What the annotation readers share: the result they return (`Loaded`), placing one span
on its text exactly (or saying why not), and making document ids unique.

A span that carries its text is placed when its offsets give that text: as Python counts
(code points, today's Label Studio and doccano), as older Label Studio versions counted
(UTF-16 code units), or as Label Studio's editor rewrites the stored text of a region drawn
by hand (line breaks become the two characters backslash-n, runs of spaces collapse, the
ends are trimmed; the offsets stay right). Anything else is a true mismatch: skipped, said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from unspin import taxonomy
from unspin.doc import Document
from unspin.errors import UnknownTechniqueError
from unspin.io.ptc import Label


@dataclass(slots=True)
class Loaded:
    """Documents, their labels by document id, the spans and records skipped (with why),
    notes (which annotation was used, ids renamed), and the documents that lost spans
    (id -> how many)."""

    docs: list[Document]
    labels: dict[str, list[Label]]
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lost: dict[str, int] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)  # new id -> the id the record gave

    def lose(self, doc_id: str, why: str) -> None:
        """Record a span of `doc_id` that could not be kept."""
        self.skipped.append(why)
        self.lost[doc_id] = self.lost.get(doc_id, 0) + 1

    def without_lost(self) -> Loaded:
        """The documents that kept every span (for training: a document that lost spans would
        teach that they are not propaganda); the others are listed in `skipped`."""
        kept = [d for d in self.docs if str(d.id) not in self.lost]
        left_out = [f"document {i}: left out of training, {n} of its spans could not be placed "
                    "(listed above)" for i, n in self.lost.items()]
        return Loaded(kept, {str(d.id): self.labels.get(str(d.id), []) for d in kept},
                      [*self.skipped, *left_out], list(self.notes), {}, dict(self.renamed))


_LITERAL_BREAK = re.compile(r"\\r\\n|\\n|\\r")


def editor_form(text: str) -> str:
    """`text` as Label Studio's editor stores a region's text: line breaks as the two
    characters backslash-n, every run of white space as one space, the ends trimmed (both
    the original and the stored text map to the same form)."""
    return " ".join(_LITERAL_BREAK.sub(" ", text).split())


def utf16_to_index(text: str, units: int) -> int | None:
    """The str index at `units` UTF-16 code units into `text`, or None past the end / mid-pair."""
    count = 0
    for index, char in enumerate(text):
        if count == units:
            return index
        count += 2 if ord(char) > 0xFFFF else 1
        if count > units:
            return None
    return len(text) if count == units else None


def place(text: str, start: Any, end: Any, name: Any, doc_id: str, quoted: Any,
          out: Loaded) -> Label | None:
    """The label for `[start, end)` of `text`, or None with the reason added to `out`."""
    where = f"document {doc_id} [{start}, {end})"
    try:
        technique = taxonomy.normalize(str(name))
    except UnknownTechniqueError as err:
        out.lose(doc_id, f"{where}: {err}")
        return None
    if type(start) is not int or type(end) is not int:
        out.lose(doc_id, f"{where}: offsets must be whole numbers")
        return None
    candidates = [(start, end)]
    if isinstance(quoted, str):
        a, b = utf16_to_index(text, start), utf16_to_index(text, end)
        if a is not None and b is not None and (a, b) != (start, end):
            candidates.append((a, b))
    candidates = [(a, b) for a, b in candidates if 0 <= a < b <= len(text)]
    if not candidates:
        out.lose(doc_id, f"{where}: outside the text of length {len(text)} or empty")
        return None
    if isinstance(quoted, str):
        exact = [(a, b) for a, b in candidates if text[a:b] == quoted]
        loose = [(a, b) for a, b in candidates if editor_form(text[a:b]) == editor_form(quoted)]
        if not exact and not loose:
            out.lose(doc_id, f"{where}: the offsets give {text[start:end][:40]!r}, not the span's "
                             f"text {quoted[:40]!r}")
            return None
        start, end = (exact or loose)[0]
    return Label(doc_id, start, end, technique)


def present(*values: Any) -> Any:
    """The first value that is not None or the empty string (so id 0 counts), else None."""
    return next((v for v in values if v is not None and v != ""), None)


class UniqueIds:
    """Hands out each document id once: a record whose id is taken gets `ID-2`, `ID-3`, ...
    and the renaming is noted, so no record overwrites another."""

    def __init__(self, out: Loaded) -> None:
        self.out = out
        self.taken: set[str] = set()

    def claim(self, wanted: Any, record: str) -> str:
        ident = str(wanted)
        if ident in self.taken:
            n = 2
            while f"{ident}-{n}" in self.taken:
                n += 1
            new = f"{ident}-{n}"
            self.out.notes.append(f"{record}: id {ident!r} is already used by an earlier record; "
                                  f"renamed {new!r}")
            self.out.renamed[new] = ident
            ident = new
        self.taken.add(ident)
        return ident
