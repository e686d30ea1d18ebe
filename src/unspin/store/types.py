"""Column types with one rule for strings longer than the column, the same on every database.

SQLite stores a VARCHAR(n) of any length, PostgreSQL refuses one character too many
(`StringDataRightTruncation`), so the rule is applied before either sees the value:
`Bounded(n)` clips to the first n characters, `Bounded(n, over="drop")` stores NULL instead
(for values that mean nothing cut, such as an ETag). NUL, C0 controls other than tab and
newline, and lone surrogates are cleaned first (PostgreSQL refuses them too). Columns holding
keys (hashes, tokens) and values unspin itself chooses stay plain `String`: a longer one is a
bug and is refused by the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.types import TypeDecorator

from unspin.ingest.normalize import clean_field

RULES = ("clip", "drop")


class Bounded(TypeDecorator[str]):
    """A VARCHAR(`length`) whose longer values are clipped (or dropped, `over="drop"`)."""

    impl = String
    cache_ok = True

    def __init__(self, length: int, over: str = "clip"):
        if over not in RULES:
            raise ValueError(f"over must be one of {RULES}, got {over!r}")
        super().__init__(length)
        self.length, self.over = length, over

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = clean_field(value)
        if len(value) <= self.length:
            return value
        return value[:self.length] if self.over == "clip" else None

    def __repr__(self) -> str:
        return f"Bounded({self.length}, over={self.over!r})"


class CleanText(TypeDecorator[str]):
    """TEXT for messages (errors): cleaned as `Bounded` cleans, never clipped."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return clean_field(value) if isinstance(value, str) else value
