"""Technique revision: a span's technique probabilities after decoding, blended with the
token head's, with the span memory's counts (`span_memory`), and moved to Repetition where
its words came earlier (`revise`, one path for every predictor)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from unspin.runtime import windows as W
from unspin.runtime.decode import memory as span_memory
from unspin.runtime.decode.bio import RawSpan
from unspin.runtime.decode.words import content_stems
from unspin.runtime.settings import Settings


def mix_token_head(raws: list[RawSpan], tokens: W.Tokens, tech: np.ndarray, share: float) -> list[RawSpan]:
    """Span technique probabilities blended with the token head's: `share` of the span's
    mean token-technique probabilities (normalised), the rest from the span classifier."""
    if not share:
        return raws
    out = []
    for r in raws:
        a, b = W.token_range(tokens, r.start, r.end) or (0, 0)
        mean = tech[a:b].mean(0) if b > a else np.zeros_like(r.probs)
        total = float(mean.sum())
        tok = mean / total if total > 0 else r.probs
        probs = ((1 - share) * r.probs + share * tok).astype(np.float32)
        out.append(RawSpan(r.start, r.end, r.score, probs, r.cue_weights, r.cue_offsets))
    return out


def boost_repetition(raws: list[RawSpan], text: str, names: Sequence[str], share: float) -> list[RawSpan]:
    """Where a span's words recur elsewhere in the text, `share` of its technique
    probability moves to Repetition (the rule the 2020 systems used beside their models)."""
    if not share or "Repetition" not in names:
        return raws
    k = list(names).index("Repetition")
    out = []
    for r in raws:
        probs = r.probs
        if W.repeat_bucket(text, r.start, r.end) > 0:
            probs = ((1 - share) * r.probs).astype(np.float32)
            probs[k] += share
        out.append(RawSpan(r.start, r.end, r.score, probs, r.cue_weights, r.cue_offsets))
    return out


def recurs_earlier(
    stems: list[tuple[str, int]], where: dict[str, list[int]], own: list[str], start: int, least: int
) -> bool:
    """Whether the stems `own` (a span's, in order) occur in `stems` (the whole text's;
    `where`: each stem's indices in it) at least `least` times, one of them before
    character `start` (where the span starts)."""
    n = len(own)
    if not n or sum(map(len, own)) < 3 or any(w not in where for w in own):
        return False
    a = min(range(n), key=lambda j: len(where[own[j]]))  # look where its rarest word is
    found = 0
    for i in where[own[a]]:  # in text order: stop as soon as the answer is known
        if 0 <= i - a <= len(stems) - n and all(stems[i - a + j][0] == own[j] for j in range(n)):
            if not found and stems[i - a][1] >= start:
                return False  # its first use is this one or a later one
            found += 1
            if found >= least:
                return True
    return False


def mark_recurrence(
    raws: list[RawSpan], text: str, names: Sequence[str], share: float, least: int = 2
) -> list[RawSpan]:
    """Where a span's content words (stemmed, in order) occurred earlier in the text and
    occur at least `least` times in all, `share` of its technique probability moves to
    Repetition: PTC marks a phrase's repeats as Repetition, its first use mostly not."""
    if not share or not raws or "Repetition" not in names:
        return raws
    k = list(names).index("Repetition")
    stems = content_stems(text)
    where: dict[str, list[int]] = {}
    for i, (word, _) in enumerate(stems):
        where.setdefault(word, []).append(i)
    out = []
    for r in raws:
        probs = r.probs
        own = [w for w, _ in content_stems(text, r.start, r.end)]
        if recurs_earlier(stems, where, own, r.start, least):
            probs = ((1 - share) * r.probs).astype(np.float32)
            probs[k] += share
        out.append(RawSpan(r.start, r.end, r.score, probs, r.cue_weights, r.cue_offsets))
    return out


def recall_spans(raws: list[RawSpan], text: str, settings: Settings) -> list[RawSpan]:
    """Technique probabilities blended with the span memory's counts (`span_memory.blend`)."""
    if not settings.memory_share or not settings.span_memory or not raws:
        return raws
    probs = span_memory.blend(
        [r.probs for r in raws],
        [text[r.start : r.end] for r in raws],
        settings.span_memory,
        settings.memory_share,
        settings.memory_min_count,
    )
    return [
        RawSpan(r.start, r.end, r.score, p, r.cue_weights, r.cue_offsets)
        for r, p in zip(raws, probs, strict=True)
    ]


def revise(raws: list[RawSpan], text: str, names: Sequence[str], settings: Settings) -> list[RawSpan]:
    """The rules applied to labelled spans' technique probabilities, in order, each off at
    its default: `repetition_share` (a span's words recur anywhere), the span memory
    (`memory_share`), then `recurrence_share` (its content words came earlier)."""
    raws = boost_repetition(raws, text, names, settings.repetition_share)
    raws = recall_spans(raws, text, settings)
    return mark_recurrence(raws, text, names, settings.recurrence_share, settings.recurrence_min)
