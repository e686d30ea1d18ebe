"""Documents, technique spans and analyses, all on `[start, end)` character offsets."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from unspin import taxonomy

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# One flat row per span, as `Analysis.to_records()` gives them and `unspin corpus export --table
# spans` writes them (docs/corpus.md, "Data frames", has the types).
RECORD_FIELDS = ("document_id", "ext_id", "model", "source", "url", "title", "published", "technique",
                 "start", "end", "text", "score")


@dataclass(frozen=True, slots=True)
class Document:
    """A text to analyze, with optional metadata. Offsets index `text` (a Python str)."""

    text: str
    id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def word_count(self) -> int:
        return sum(1 for _ in _WORD.finditer(self.text))


@dataclass(frozen=True, slots=True)
class Cue:
    """A word that weighed for a span's technique: offsets and its weight in [0, 1]."""

    start: int
    end: int
    weight: float


@dataclass(frozen=True, slots=True)
class Span:
    """A fragment of `doc.text` that uses `technique`; its text is derived, never stored."""

    doc: Document = field(repr=False, compare=False)
    start: int
    end: int
    technique: str
    score: float = 1.0
    why: tuple[Cue, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= len(self.doc.text):
            raise ValueError(
                f"Span [{self.start}, {self.end}) is outside the text of length "
                f"{len(self.doc.text)} or empty."
            )
        object.__setattr__(self, "technique", taxonomy.normalize(self.technique))

    @property
    def text(self) -> str:
        return self.doc.text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "technique": self.technique,
            "score": round(self.score, 4),
            "why": [
                {
                    "text": self.doc.text[c.start : c.end],
                    "start": c.start,
                    "end": c.end,
                    "weight": round(c.weight, 4),
                }
                for c in self.why
            ],
        }


def covered_chars(spans: list[tuple[int, int]]) -> int:
    """Number of characters inside at least one of `spans`."""
    total, reach = 0, -1
    for start, end in sorted(spans):
        if end <= reach:
            continue
        total += end - max(start, reach)
        reach = end
    return total


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the analyzer found in one document."""

    doc: Document
    spans: tuple[Span, ...]
    model: str = "unknown"

    @property
    def text(self) -> str:
        return self.doc.text

    def counts(self) -> dict[str, int]:
        """Spans per technique, most frequent first."""
        return dict(Counter(s.technique for s in self.spans).most_common())

    def figures(self) -> dict[str, Any]:
        """Document figures: propaganda density, spans per 1,000 words, counts."""
        n_chars = len(self.doc.text)
        words = self.doc.word_count()
        inside = covered_chars([(s.start, s.end) for s in self.spans])
        return {
            "characters": n_chars,
            "words": words,
            "spans": len(self.spans),
            "density": round(inside / n_chars, 4) if n_chars else 0.0,
            "spans_per_1k_words": round(1000 * len(self.spans) / words, 2) if words else 0.0,
            "counts": self.counts(),
        }

    def filter(self, threshold: float) -> Analysis:
        """The same analysis keeping only spans scored at least `threshold`."""
        kept = tuple(s for s in self.spans if s.score >= threshold)
        return Analysis(self.doc, kept, self.model)

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per span (keys: RECORD_FIELDS), ready for pandas, Polars or DuckDB:
        `pandas.DataFrame(analysis.to_records())`. Document fields come from `doc.meta`."""
        meta = self.doc.meta
        shared = {"document_id": self.doc.id, "ext_id": meta.get("ext_id"), "model": self.model,
                  **{key: meta.get(key) for key in ("source", "url", "title", "published")}}
        return [{**shared, "technique": s.technique, "start": s.start, "end": s.end, "text": s.text,
                 "score": round(float(s.score), 4)} for s in self.spans]

    def to_dict(self) -> dict[str, Any]:
        """Plain data; `normalized` (what input normalisation changed, e.g. line endings
        converted to LF) is present only when something was."""
        out = {
            "id": self.doc.id,
            "model": self.model,
            "text": self.doc.text,
            "figures": self.figures(),
            "spans": [s.to_dict() for s in self.spans],
        }
        if self.doc.meta.get("normalized"):
            out["normalized"] = dict(self.doc.meta["normalized"])
        return out


SNIPPET_CHARS = 160


def snippet(text: str | None, limit: int = SNIPPET_CHARS) -> str:
    """The start of `text` on one line, cut at a word before `limit` characters (with …)."""
    flat = " ".join((text or "")[: limit * 4].split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"
