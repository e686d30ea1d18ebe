"""Words in decoding: the function words tidy-up and cues skip, content words and their
plural-folded stems, and growing a character range to whole words."""

from __future__ import annotations

import re

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
WORD = re.compile(r"\w+(?:['’]\w+)*")
_APOSTROPHE = re.compile(r"['’]")


def is_content_word(word: str) -> bool:
    """A word that can carry meaning: has a letter and is not a stop word."""
    return any(c.isalpha() for c in word) and word.lower().strip("'’") not in STOP_WORDS


def expand_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow `[start, end)` so it neither starts nor ends inside a word."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


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
    words = (m for m in WORD.finditer(text, start, len(text) if end is None else end))
    return [(stem(_APOSTROPHE.sub("", m.group())), m.start()) for m in words if is_content_word(m.group())]
