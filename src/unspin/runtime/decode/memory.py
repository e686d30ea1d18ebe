"""Span memory: the techniques annotators gave to the same words in the training articles.
A table from a span's normalised text (as a short hash: the corpus's text is never stored)
to how often each technique was marked on it; at prediction, a span whose text is in the
table gets a share of its technique probabilities from the table's counts (`blend`).

The table is built from the train split only (`unspin model calibrate` builds it with
`unspin.tuning.span_memory`; never from
the tuning or report split) and stored in a model's `config.json` settings
(`span_memory`: key -> "technique index:count,..." in the model's technique order)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_NOT_WORD = re.compile(r"[^\w\s]")
_POSSESSIVE = re.compile(r"['’]s\b")
_APOSTROPHE = re.compile(r"['’]")


def normalise(text: str) -> str:
    """Lowercased words of `text`, possessive "'s" and apostrophes dropped, punctuation
    and runs of white space as one space: "The “Deep State’s” LIES!" -> "the deep state lies"."""
    text = _APOSTROPHE.sub("", _POSSESSIVE.sub(" ", text.lower()))
    return " ".join(_NOT_WORD.sub(" ", text).split())


def key(text: str) -> str:
    """The table key of a span's text: the first 12 hex digits of the SHA-256 of its
    normalised form ("" for a span with no words)."""
    words = normalise(text)
    return hashlib.sha256(words.encode()).hexdigest()[:12] if words else ""


def counts(table: dict[str, str], text: str, n_techniques: int) -> np.ndarray | None:
    """The technique counts the table holds for a span's text, or None."""
    entry = table.get(key(text))
    if not entry:
        return None
    out = np.zeros(n_techniques, dtype=np.float32)
    for i, n in _pairs(entry):
        if i < n_techniques:
            out[i] += n
    return out


def renumbered(table: dict[str, str], index: dict[int, int]) -> dict[str, str]:
    """`table` in another technique order: technique i counted as `index[i]`; techniques
    `index` lacks are dropped, and entries left with none."""
    out = {}
    for k, entry in table.items():
        if kept := [f"{index[i]}:{n}" for i, n in _pairs(entry) if i in index]:
            out[k] = ",".join(kept)
    return out


def _pairs(entry: str) -> list[tuple[int, int]]:
    """An entry's (technique index, count) pairs: "3:1,5:2" -> [(3, 1), (5, 2)]."""
    return [(int(i), int(n)) for i, n in (part.split(":") for part in entry.split(",") if part)]


def blend(
    probs: Sequence[np.ndarray],
    texts: Sequence[str],
    table: dict[str, str] | None,
    share: float,
    min_count: int,
) -> list[np.ndarray]:
    """Each span's technique probabilities with `share` taken from the table's
    distribution where its text was marked at least `min_count` times; others unchanged."""
    if not share or not table:
        return list(probs)
    out = []
    for p, text in zip(probs, texts, strict=True):
        c = counts(table, text, len(p))
        if c is not None and c.sum() >= max(1, min_count):
            p = ((1 - share) * p + share * c / c.sum()).astype(np.float32)
        out.append(p)
    return out
