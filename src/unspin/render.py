"""Plain data for showing an analysis: the text cut at every span boundary into
segments, each with the spans that cover it (overlaps and nesting lose nothing)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from unspin.doc import Analysis, Span


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    spans: tuple[Span, ...]  # covering spans, shortest first


def segments(analysis: Analysis) -> list[Segment]:
    """Consecutive segments covering the whole text, in order."""
    text = analysis.text
    cuts = sorted({0, len(text)} | {s.start for s in analysis.spans} | {s.end for s in analysis.spans})
    out = []
    for a, b in itertools.pairwise(cuts):
        covering = tuple(
            sorted(
                (s for s in analysis.spans if s.start <= a and b <= s.end),
                key=lambda s: (s.end - s.start, s.technique),
            )
        )
        out.append(Segment(a, b, covering))
    return out
