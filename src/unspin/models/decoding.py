"""Decoding: per-token probabilities in, labelled character spans out. Pure functions on
numpy arrays and the text (no backend, no model), with `Settings` holding every threshold
and its default once. The runtime (`predictor`) produces the arrays; calibration
(`calibration`) turns a span's raw score into the probability users see."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from unspin.models import span_memory
from unspin.models import windows as W

O, B, I = W.O, W.B, W.I  # noqa: E741  BIO columns

HYGIENE = ("edges", "blank_lines", "line_breaks", "stop_words", "dangling")  # every tidy-up rule, by name


@dataclass
class Settings:
    """Windowing and decoding settings, stored with a trained model (config.json)."""

    max_len: int = 256
    stride: int = 192
    threshold: float = 0.5  # span threshold for span identification (SI)
    flc_threshold: float | None = None  # for labelled spans (FLC, analyze); None: `threshold`
    token_threshold: float | None = None  # labelled spans also from the token technique head
    seed_threshold: float | None = None  # keep a span only where a piece reaches it (hysteresis)
    token_mix: float = 0.0  # share of the token head in a span's technique probabilities
    shifted_pass: bool = False  # also encode windows shifted by half a window; average
    word_level: bool = False  # decide per word: its pieces' BIO probabilities averaged
    merge_gap: int = 0  # join spans at most this many characters apart on one line
    second_threshold: float = 0.4  # a span's runner-up technique is kept from this probability
    hygiene: list[str] = field(default_factory=list)  # tidy-up rules applied (see HYGIENE)
    calibration: dict[str, list[list[float]]] | None = None  # technique -> [xs, ys]; see calibration
    min_score: float = 0.0  # the default `threshold` of analyze: the least calibrated score shown
    repetition_share: float = 0.0  # weight moved to Repetition where a span's words recur
    span_memory: dict[str, str] | None = None  # span text key -> technique counts (span_memory)
    memory_share: float = 0.0  # share of a span's technique probabilities from `span_memory`
    memory_min_count: int = 1  # ... where its text was marked at least this often in training
    recurrence_share: float = 0.0  # weight moved to Repetition where a span's words came earlier
    recurrence_min: int = 2  # ... and occur at least this many times in the text, it included
    n_cues: int = 3  # cue words per span
    cls_id: int = 101
    sep_id: int = 102
    pad_id: int = 0


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


def expand_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow `[start, end)` so it neither starts nor ends inside a word."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


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


def stem(word: str) -> str:
    """A lowercased word with a plural "s" folded (Harman's S-stemmer): "states" -> "state",
    "enemies" -> "enemy", "lies" -> "lie"; "press", "status" and short words stay."""
    word = word.lower()
    if len(word) <= 3:
        return word
    if word.endswith("ies") and word[-4] not in "ae" and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[-3] not in "aeo":
        return word[:-1]
    if word.endswith("s") and word[-2] not in "us":
        return word[:-1]
    return word


def content_stems(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int]]:
    """The stems of the content words in `text[start:end]`, with each word's start."""
    words = (m for m in _WORD.finditer(text, start, len(text) if end is None else end))
    return [(stem(_APOSTROPHE.sub("", m.group())), m.start()) for m in words if is_content_word(m.group())]


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


def techniques_for(raw: RawSpan, names: Sequence[str], second_threshold: float) -> list[tuple[str, float]]:
    """The top technique, and the runner-up when its probability reaches the threshold."""
    order = np.argsort(-raw.probs)
    out = [(names[order[0]], float(raw.probs[order[0]]))]
    if raw.probs[order[1]] >= second_threshold:
        out.append((names[order[1]], float(raw.probs[order[1]])))
    return out


# -- tidy-up rules -------------------------------------------------------------------------

STOP_WORDS = frozenset(  # function words only: "no", "never", "again" can carry a technique
    [
        "a",
        "am",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "during",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "my",
        "myself",
        "of",
        "on",
        "or",
        "our",
        "ours",
        "ourselves",
        "she",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "s",
        "t",
        "d",
        "ll",
        "m",
        "re",
        "ve",
        "us",
        "let",
        "may",
        "might",
        "must",
        "shall",
    ]
)
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_APOSTROPHE = re.compile(r"['’]")
_OPEN, _CLOSE = "\"“‘'([", "\"”’')]"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LINE_BREAK = re.compile(r"\s*\n\s*")


def is_content_word(word: str) -> bool:
    """A word that can carry meaning: has a letter and is not a stop word."""
    return any(c.isalpha() for c in word) and word.lower().strip("'’") not in STOP_WORDS


def _joined(text: str, i: int) -> bool:
    """Whether position `i` holds a hyphen or apostrophe inside a word ("hard-working")."""
    return 0 < i < len(text) - 1 and text[i] in "-'’" and text[i - 1].isalnum() and text[i + 1].isalnum()


def _edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Whole hyphenated words; whitespace and stray punctuation trimmed from both ends;
    an opening quote or bracket kept when its closer is in the span or right after it
    (then included)."""
    while start > 1 and _joined(text, start - 1):
        start = expand_to_words(text, start - 2, start - 1)[0]
    while end < len(text) - 1 and _joined(text, end):
        end = expand_to_words(text, end + 1, end + 2)[1]
    while start < end and not text[start].isalnum() and text[start] not in _OPEN:
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in _CLOSE + "!?":
        end -= 1
    if start < end and text[start] in _OPEN:
        closer = _CLOSE[_OPEN.index(text[start])]
        if closer not in text[start + 1 : end]:
            after = text[end : end + 3]
            if closer in after and "\n" not in after[: after.index(closer)]:
                end += after.index(closer) + 1
            else:
                start += 1
                while start < end and not text[start].isalnum():
                    start += 1
    return start, end


def _dangling(text: str, start: int, end: int) -> tuple[int, int]:
    """A span with content that ends on function words ("the elites of the") grown to the
    next content word on its line, at most three words on; left as it is when there is none."""
    words = [m.group() for m in _WORD.finditer(text, start, end)]
    if not any(is_content_word(w) for w in words) or is_content_word(words[-1]):
        return start, end
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    for n, m in enumerate(_WORD.finditer(text, end, line_end)):
        if n >= 3 or re.search(r"[.!?;:]", text[end : m.start()]):
            break
        if is_content_word(m.group()):
            return start, m.end()
    return start, end


def _split(text: str, start: int, end: int, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    """`[start, end)` cut where `pattern` matches inside it (the matches left out)."""
    bounds = [start] + [x for m in pattern.finditer(text, start, end) for x in m.span()] + [end]
    return [(a, b) for a, b in zip(bounds[::2], bounds[1::2], strict=True) if b > a]


def tidy(
    text: str, spans: list[tuple[int, int, float]], rules: Sequence[str]
) -> list[tuple[int, int, float]]:
    """Apply the named tidy-up `rules` (see `HYGIENE`) to decoded spans: `blank_lines`
    splits a span at blank lines, `line_breaks` at any line break, `edges` trims whitespace
    and stray punctuation (keeping a quoted phrase's quotes), `dangling` grows a span ending
    on function words to the word they qualify, `stop_words` drops spans with no content
    word."""
    if not rules:
        return spans
    unknown = set(rules) - set(HYGIENE)
    if unknown:
        raise ValueError(f"Unknown tidy-up rules {sorted(unknown)}: expected some of {HYGIENE}.")
    out = []
    for start, end, score in spans:
        parts = [(start, end)]
        for rule, pattern in (("blank_lines", _BLANK_LINE), ("line_breaks", _LINE_BREAK)):
            if rule in rules:
                parts = [piece for a, b in parts for piece in _split(text, a, b, pattern)]
        for a, b in parts:
            if "edges" in rules:
                a, b = _edges(text, a, b)
            if "dangling" in rules:
                a, b = _dangling(text, a, b)
            if b <= a:
                continue
            if "stop_words" in rules and not any(is_content_word(w) for w in _WORD.findall(text, a, b)):
                continue
            out.append((a, b, score))
    return out


def tidy_raws(text: str, raws: list[RawSpan], rules: Sequence[str]) -> list[RawSpan]:
    """`tidy` for spans already labelled (the token head's): each part keeps its labels."""
    out = []
    for r in raws:
        for a, b, _ in tidy(text, [(r.start, r.end, r.score)], rules):
            out.append(RawSpan(a, b, r.score, r.probs, r.cue_weights, r.cue_offsets))
    return out


def pick_cues(
    text: str, weights: np.ndarray, offsets: np.ndarray, span: tuple[int, int], n: int
) -> list[tuple[int, int, float]]:
    """Up to `n` cue words `(start, end, weight)` for a span, heaviest token weights first:
    whole content words inside the span, or on its line right beside it; never stop words."""
    line_start = text.rfind("\n", 0, span[0]) + 1
    line_end = text.find("\n", span[1])
    line_end = len(text) if line_end < 0 else line_end
    cues: dict[tuple[int, int], float] = {}
    for t in np.argsort(-weights, kind="stable"):
        start, end = expand_to_words(text, int(offsets[t, 0]), int(offsets[t, 1]))
        if start < line_start or end > line_end or not is_content_word(text[start:end]):
            continue
        cues[(start, end)] = max(cues.get((start, end), 0.0), float(weights[t]))
        if len(cues) >= n:
            break
    return [(s, e, w) for (s, e), w in sorted(cues.items())]
