"""Decoding: per-token probabilities in, labelled character spans out. Pure functions on
numpy arrays and the text (no backend, no model), with `unspin.runtime.settings.Settings`
holding every threshold and its default once. The runtime (`predictor`) produces the arrays; calibration
(`calibration`) turns a span's raw score into the probability users see."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from unspin.runtime import windows as W
from unspin.runtime.decode.tidy import tidy
from unspin.runtime.decode.words import expand_to_words
from unspin.runtime.settings import Settings

O, B, I = W.O, W.B, W.I  # noqa: E741  BIO columns


@dataclass
class RawSpan:
    """A predicted span before it becomes a `doc.Span`."""

    start: int
    end: int
    score: float
    probs: np.ndarray  # (n_techniques,) softmax over techniques
    cue_weights: np.ndarray  # (n_techniques, n_cue_tokens)
    cue_offsets: np.ndarray  # (n_cue_tokens, 2)


def labelled_threshold(settings: Settings) -> float:
    """The span threshold for labelled spans (FLC output and `analyze`)."""
    return settings.threshold if settings.flc_threshold is None else settings.flc_threshold


def softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(-1, keepdims=True))
    return z / z.sum(-1, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def decode_bio(
    probs: np.ndarray, threshold: float, seed: float | None = None, words: np.ndarray | None = None
) -> list[tuple[int, int, float]]:
    """Token runs `[a, b)` with mean inside-probability, from (n, 3) BIO probabilities.
    A token is inside when P(B) + P(I) > threshold; a confident B starts a new span. With
    `seed` (hysteresis), a run is kept only where some token's P(B) + P(I) reaches it.
    With `words` (each token's word index, ascending), the decision is taken per word on
    the mean of its tokens' probabilities and runs cover whole words."""
    if words is not None and len(words):
        n = int(words[-1]) + 1
        total = np.zeros((n, probs.shape[1]), dtype=np.float64)
        np.add.at(total, words, probs)
        per_word = total / np.bincount(words, minlength=n)[:, None]
        first = np.searchsorted(words, np.arange(n + 1))  # word w: tokens [first[w], first[w+1])
        return [
            (int(first[a]), int(first[b]), score) for a, b, score in decode_bio(per_word, threshold, seed)
        ]
    inside = 1.0 - probs[:, O]
    runs: list[tuple[int, int, float]] = []
    a = None
    for t in range(len(probs)):
        if inside[t] > threshold:
            if a is not None and probs[t, B] > probs[t, I] and probs[t, B] > 0.5:
                runs.append((a, t, float(inside[a:t].mean())))
                a = t
            elif a is None:
                a = t
        elif a is not None:
            runs.append((a, t, float(inside[a:t].mean())))
            a = None
    if a is not None:
        runs.append((a, len(probs), float(inside[a:].mean())))
    if seed is not None:
        runs = [r for r in runs if inside[r[0] : r[1]].max() >= seed]
    return runs


_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*\s|\n")


def merge_close(text: str, spans: list[tuple[int, int, float]], gap: int) -> list[tuple[int, int, float]]:
    """Spans (in order) joined where at most `gap` characters, and no line break or sentence
    end, separate them; a joined span's score is its parts' scores averaged by their lengths."""
    out: list[list[float]] = []  # start, end, sum of score × length, summed length
    for start, end, score in spans:
        between = text[int(out[-1][1]) - 1 : start + 1] if out else ""
        if out and start - out[-1][1] <= gap and not _SENTENCE_END.search(between):
            out[-1][1] = max(out[-1][1], end)
            out[-1][2] += score * (end - start)
            out[-1][3] += end - start
        else:
            out.append([start, end, score * (end - start), end - start])
    return [(int(a), int(b), total / length if length else 0.0) for a, b, total, length in out]


def spans_from_bio(
    text: str,
    offsets: np.ndarray,
    bio: np.ndarray,
    threshold: float,
    settings: Settings | None = None,
    words: np.ndarray | None = None,
) -> list[tuple[int, int, float]]:
    """Character spans `(start, end, score)` decoded from per-token BIO probabilities
    (tokens at character `offsets`) with `settings`' seed threshold, word-level decision
    (`words`: each token's word index, needed then), merge gap and tidy-up rules."""
    s = settings or Settings()
    found = []
    for a, b, score in decode_bio(bio, threshold, s.seed_threshold, words if s.word_level else None):
        start, end = expand_to_words(text, int(offsets[a, 0]), int(offsets[b - 1, 1]))
        found.append((start, end, score))
    found = merge_close(text, found, s.merge_gap) if s.merge_gap > 0 else found
    return tidy(text, found, s.hygiene)


def token_spans(text: str, offsets: np.ndarray, tech: np.ndarray, threshold: float) -> list[RawSpan]:
    """Per technique, the runs of word pieces whose token-head probability for it exceeds
    `threshold`, grown to whole words: spans with that one technique (probability 1) and
    the run's mean probability as score."""
    out = []
    for k in range(tech.shape[1] if tech.ndim == 2 else 0):
        on = np.flatnonzero(tech[:, k] > threshold)
        if not len(on):
            continue
        breaks = np.flatnonzero(np.diff(on) > 1)
        for a, last in zip(np.r_[on[0], on[breaks + 1]], np.r_[on[breaks], on[-1]], strict=True):
            b = int(last) + 1
            start, end = expand_to_words(text, int(offsets[a, 0]), int(offsets[b - 1, 1]))
            probs = np.zeros(tech.shape[1], dtype=np.float32)
            probs[k] = 1.0
            lo, hi = max(0, int(a) - 1), min(len(tech), b + 1)
            score = float(tech[a:b, k].mean())
            out.append(RawSpan(start, end, score, probs, tech[lo:hi].T.copy(), offsets[lo:hi]))
    return out


def with_token_spans(found: list[RawSpan], extra: list[RawSpan]) -> list[RawSpan]:
    """`found` plus the token-head spans in `extra` that overlap no span of `found`
    whose top technique is theirs."""
    by_top: dict[int, tuple[list[int], list[int]]] = {}  # per technique: starts, running max end
    for r in sorted(found, key=lambda r: r.start):
        starts, ends = by_top.setdefault(int(np.argmax(r.probs)), ([], []))
        starts.append(r.start)
        ends.append(max(r.end, ends[-1]) if ends else r.end)
    kept = []
    for t in extra:
        starts, ends = by_top.get(int(np.argmax(t.probs)), ([], []))
        n = bisect.bisect_left(starts, t.end)  # the spans that start before t ends
        if not (n and ends[n - 1] > t.start):  # none of them reaches into t
            kept.append(t)
    return sorted(found + kept, key=lambda r: (r.start, r.end))


def tidy_raws(text: str, raws: list[RawSpan], rules: Sequence[str]) -> list[RawSpan]:
    """`tidy` for spans already labelled (the token head's): each part keeps its labels."""
    out = []
    for r in raws:
        for a, b, _ in tidy(text, [(r.start, r.end, r.score)], rules):
            out.append(RawSpan(a, b, r.score, r.probs, r.cue_weights, r.cue_offsets))
    return out


def techniques_for(raw: RawSpan, names: Sequence[str], second_threshold: float) -> list[tuple[str, float]]:
    """The top technique, and the runner-up when its probability reaches the threshold."""
    order = np.argsort(-raw.probs)
    out = [(names[order[0]], float(raw.probs[order[0]]))]
    if raw.probs[order[1]] >= second_threshold:
        out.append((names[order[1]], float(raw.probs[order[1]])))
    return out
