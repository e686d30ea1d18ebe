"""Turning a document into encoder windows and back: tokens with character offsets,
line-packed windows (long lines split with overlap), BIO and span targets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from unspin.errors import InputError, ModelNotFoundError

O, B, I = 0, 1, 2  # noqa: E741  (the BIO tag ids)


@dataclass
class Tokens:
    """A whole document's word pieces: ids and `[start, end)` character offsets."""

    ids: np.ndarray  # (n,) int64
    offsets: np.ndarray  # (n, 2) int64

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Window:
    """Token positions `[lo, hi)` of the document that one encoder pass sees."""

    lo: int
    hi: int


LINE_MARK = "¶"  # in both verified encoders' vocabularies; one character, so offsets stay


def tokenize(tokenizer: Tokenizer, text: str, line_marks: bool = False) -> Tokens:
    """Word pieces of `text` without special tokens, offsets as Python str indices; with
    `line_marks`, each line break is a piece of its own (read as LINE_MARK)."""
    if tokenizer.truncation is not None or tokenizer.padding is not None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
    enc = tokenizer.encode(text.replace("\n", LINE_MARK) if line_marks else text, add_special_tokens=False)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    ids = np.asarray(enc.ids, dtype=np.int64)
    keep = offsets[:, 1] > offsets[:, 0]
    return Tokens(ids[keep], offsets[keep])


def make_windows(
    tokens: Tokens, text: str, *, size: int, stride: int, lead: int | None = None
) -> list[Window]:
    """Pack whole lines into windows of at most `size` tokens; a line longer than that
    is cut into windows that overlap by `size - stride` tokens. With `lead`, the first
    window holds at most `lead` tokens, so every later boundary moves: a second view of
    a text longer than one window, whose pieces then see other context."""
    n = len(tokens)
    if n == 0:
        return []
    starts = tokens.offsets[:, 0]
    line_breaks = {i for i in range(1, n) if "\n" in text[tokens.offsets[i - 1, 1] : starts[i]]}
    windows: list[Window] = []
    lo = 0
    short_first = lead is not None and n > size
    while lo < n:
        head = short_first and not windows
        hi = min(n, lo + ((lead or size) if head else size))
        if hi < n:
            cut = max((b for b in line_breaks if lo < b <= hi), default=None)
            if cut is not None:
                windows.append(Window(lo, cut))
                lo = cut
                continue
            windows.append(Window(lo, hi))
            if head:
                lo = hi  # the short first window hands over without overlap
                continue
            lo = lo + stride
            # restart at the next line break if the overlap reaches one
            nxt = min((b for b in line_breaks if lo < b < hi), default=None)
            if nxt is not None:
                lo = nxt
            continue
        windows.append(Window(lo, hi))
        break
    return windows


def token_range(tokens: Tokens, start: int, end: int) -> tuple[int, int] | None:
    """Token positions `[a, b)` overlapping characters `[start, end)`, or None."""
    a = int(np.searchsorted(tokens.offsets[:, 1], start, side="right"))
    b = int(np.searchsorted(tokens.offsets[:, 0], end, side="left"))
    return (a, b) if a < b else None


def word_ids(tokens: Tokens, text: str) -> np.ndarray:
    """For each token, the index of the word it belongs to: a token continues the word
    before it when they touch and the characters on both sides of the seam are letters
    or digits (the words `expand_to_words` grows spans to)."""
    ids = np.zeros(len(tokens), dtype=np.int64)
    word, prev_end = -1, -1
    for t, (start, end) in enumerate(tokens.offsets.tolist()):
        joined = start == prev_end and start > 0 and text[start - 1 : start + 1].isalnum()
        if not joined:
            word += 1
        ids[t] = word
        prev_end = end
    return ids


def bio_tags(tokens: Tokens, spans: list[tuple[int, int]]) -> np.ndarray:
    """BIO tag per token for (merged) character spans."""
    tags = np.zeros(len(tokens), dtype=np.int64)
    for start, end in sorted(spans):
        rng = token_range(tokens, start, end)
        if rng is None:
            continue
        a, b = rng
        if tags[a] == O or (a > 0 and tags[a - 1] == O):
            tags[a] = B
        else:
            tags[a] = I
        tags[a + 1 : b] = I
    return tags


def membership(tokens: Tokens, labelled: list[tuple[int, int, int]], n_labels: int) -> np.ndarray:
    """(n, n_labels) 0/1: whether each token lies inside a span of each technique."""
    out = np.zeros((len(tokens), n_labels), dtype=np.float32)
    for start, end, label in labelled:
        rng = token_range(tokens, start, end)
        if rng is not None:
            out[rng[0] : rng[1], label] = 1.0
    return out


@lru_cache(maxsize=4)
def _words_of(text: str) -> str:
    """`text` lowercased, its whitespace runs made single spaces (kept for the text's spans)."""
    return " ".join(text.lower().split())


def repeat_bucket(text: str, start: int, end: int) -> int:
    """How often a span's words occur in the whole text: 0 once, 1 twice, 2 three+ times."""
    needle = " ".join(text[start:end].lower().split())
    if len(needle) < 3:
        return 0
    return min(2, max(0, _words_of(text).count(needle) - 1))


def length_bucket(n_tokens: int) -> int:
    """Span length in tokens, bucketed on a log scale into 0..7."""
    return int(min(7, np.log2(max(1, n_tokens))))


def load_tokenizer(folder: Path, where: Path | str | None) -> Tokenizer:
    own = folder / "tokenizer.json"
    if own.exists():
        return Tokenizer.from_file(str(own))
    if isinstance(where, Path) and (where / "tokenizer.json").exists():
        return Tokenizer.from_file(str(where / "tokenizer.json"))
    if where is not None:
        return Tokenizer.from_pretrained(str(where))
    raise ModelNotFoundError(f"No tokenizer.json in {folder}.")


def special_id(tokenizer: Any, *names: str) -> int:
    """The id of the first of `names` (BERT or RoBERTa/MPNet spelling) in the vocabulary."""
    for name in names:
        found = tokenizer.token_to_id(name)
        if found is not None:
            return int(found)
    raise InputError(f"The tokenizer has none of the special tokens {names}.")
