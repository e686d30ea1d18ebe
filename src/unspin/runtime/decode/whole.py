"""Spans over a whole short text: a technique that a team's annotations mark on a whole text
(a meme's Smears, a post's Whataboutism) rather than on a phrase in it, found from the token
head's probabilities averaged over the text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unspin.runtime.decode.bio import RawSpan

COVER = 0.8  # a span covering this share of a text's trimmed characters covers the whole text


def whole_spans(text: str, offsets: np.ndarray, tech: np.ndarray, names: Sequence[str],
                whole: Sequence[str], threshold: float, max_tokens: int) -> list[RawSpan]:
    """One span over `text` (its outer whitespace trimmed) for each technique in `whole` whose
    token-head probability, averaged over the text's pieces, exceeds `threshold`; none for a
    text longer than `max_tokens` pieces (an article is not one span). Its score puts the
    threshold at 0.5 and 1 at 1, so that it reads like the other spans' scores."""
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    if not len(tech) or len(tech) > max_tokens or end <= start:
        return []
    mean, index = tech.mean(0), {n: k for k, n in enumerate(names)}
    out = []
    for name in whole:
        k = index.get(name)
        if k is None or mean[k] <= threshold:
            continue
        probs = np.zeros(tech.shape[1], dtype=np.float32)
        probs[k] = 1.0
        score = 0.5 + 0.5 * (float(mean[k]) - threshold) / (1.0 - threshold)  # the threshold at 0.5
        out.append(RawSpan(start, end, score, probs, tech.T.copy(), offsets.copy()))
    return out


def with_whole_spans(found: list[RawSpan], extra: list[RawSpan]) -> list[RawSpan]:
    """`found` plus the whole-text spans in `extra` whose technique no span of `found`, as its
    top technique, already covers the whole text with."""
    kept = [w for w in extra if not any(
        int(np.argmax(r.probs)) == int(np.argmax(w.probs)) and r.end - r.start >= COVER * (w.end - w.start)
        for r in found)]
    return sorted(found + kept, key=lambda r: (r.start, r.end))
