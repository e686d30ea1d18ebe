"""Which techniques a team's annotations mark on whole texts: those tried as whole-text spans
(`runtime.decode.whole`) when the decoding is tuned."""

from __future__ import annotations

from collections import Counter

from unspin.doc import Document
from unspin.io.ptc import Label
from unspin.runtime.decode.whole import COVER

SHARE = 0.3  # a technique whose training spans cover a whole text at least this often
LEAST = 3  # ... and at least this many times


def whole_text_techniques(docs: list[Document], labels: dict[str, list[Label]]) -> list[str]:
    """The techniques of `labels` whose spans in `docs` cover the whole (trimmed) text in at
    least SHARE of their spans, and at least LEAST times, in order of first appearance."""
    spans, whole = Counter(), Counter()
    for doc in docs:
        length = len(doc.text.strip())
        for lab in labels.get(str(doc.id), []):
            spans[lab.technique] += 1
            whole[lab.technique] += length > 0 and lab.end - lab.start >= COVER * length
    return [str(t) for t in spans if whole[t] >= LEAST and whole[t] >= SHARE * spans[t]]
