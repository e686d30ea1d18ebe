"""Where a new technique's class starts: the start model's own reading of its spans.

For each technique the start does not continue, the start model classifies that technique's
spans in the training part; the mean of its probabilities says which of the start's classes
the new one resembles (a team's "Smears" reads as Name_Calling and Doubt), and the new class's
rows start as that mix of theirs (`adapt_model.remap_heads`), rather than as the mean of all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from unspin.doc import Document
from unspin.io.ptc import Label

MAX_DOCS = 200  # documents read to place the new techniques (those holding their spans first)


def read_for(docs: list[Document], labels: dict[str, list[Label]], new: list[str]) -> list[Document]:
    """The documents `resemblance` reads: those holding spans of the new techniques (at most
    MAX_DOCS)."""
    wanted = set(new)
    return [d for d in docs if any(lab.technique in wanted for lab in labels.get(str(d.id), []))][:MAX_DOCS]


def resemblance(predictor: Any, docs: list[Document], labels: dict[str, list[Label]],
                new: list[str], each: Callable[[], None] | None = None) -> dict[str, dict[str, float]]:
    """Per new technique with spans in `docs`: the start's techniques and the mean probability
    `predictor` gives each on those spans (summing to 1). `each()` follows every document read."""
    wanted = set(new)
    picked = read_for(docs, labels, new)
    sums = {n: np.zeros(len(predictor.techniques)) for n in new}
    for doc, enc in zip(picked, predictor.encode(d.text for d in picked), strict=True):
        if each:
            each()
        rows = [lab for lab in labels[str(doc.id)] if lab.technique in wanted]
        spans = sorted({(lab.start, lab.end) for lab in rows})
        probs = {(r.start, r.end): r.probs for r in predictor.classify(enc, [(s, e, 1.0) for s, e in spans])}
        for lab in rows:
            sums[str(lab.technique)] += probs[(lab.start, lab.end)]
    return {n: {t: round(float(p), 4) for t, p in zip(predictor.techniques, total / total.sum(), strict=True)}
            for n, total in sums.items() if total.sum() > 0}


def strongest(like: dict[str, float], n: int = 3) -> dict[str, float]:
    """The `n` techniques a new one most resembles, for the report."""
    return dict(sorted(like.items(), key=lambda kv: -kv[1])[:n])
