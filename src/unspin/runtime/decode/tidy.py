"""What readers see of a span: the tidy-up rules (`HYGIENE`) that trim and split decoded
spans, and the cue words that explain them."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from unspin.runtime.decode.words import WORD, expand_to_words, is_content_word

HYGIENE = ("edges", "blank_lines", "line_breaks", "stop_words", "dangling")  # every tidy-up rule, by name
_OPEN, _CLOSE = "\"“‘'([", "\"”’')]"
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LINE_BREAK = re.compile(r"\s*\n\s*")


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
    words = [m.group() for m in WORD.finditer(text, start, end)]
    if not any(is_content_word(w) for w in words) or is_content_word(words[-1]):
        return start, end
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    for n, m in enumerate(WORD.finditer(text, end, line_end)):
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
            if "stop_words" in rules and not any(is_content_word(w) for w in WORD.findall(text, a, b)):
                continue
            out.append((a, b, score))
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
