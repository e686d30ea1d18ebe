"""The one normalisation step every input goes through (CLI, Python API, HTTP API, web form,
upload, corpus import), so all paths agree on the text that offsets index.

- Line endings: CRLF and lone CR become LF. The text analyzed (and every offset) is the
  converted one; `Document.meta["normalized"]` counts what changed and output shows it.
- Lone surrogates (possible in a Python str or JSON `"\\ud800"`, never in UTF-8) become
  U+FFFD, one character for one, so offsets do not move.
- NUL refuses the text (it is binary, not text); longer than `max_chars` refuses it too.
- Metadata (`source`, `title`, ...) is cleaned with `clean_field`: NUL and other characters
  PostgreSQL rejects are dropped or replaced before they reach a database.

Stdlib only; it raises `InputError` and nothing else for any str.
"""

from __future__ import annotations

import re
from typing import Any

from unspin.config import MAX_CHARS
from unspin.doc import Document
from unspin.errors import InputError

SURROGATE = re.compile("[\ud800-\udfff]")
_CR = re.compile(r"\r\n?")
NOTE_KEY = "normalized"


def normalize(text: Any, *, max_chars: int = MAX_CHARS, source: str = "input") -> tuple[str, dict[str, int]]:
    """(normalized text, counts of what changed) for `text`, or `InputError` saying why not.

    The counts have `line_endings` (CRLF/CR converted to LF) and `replaced_surrogates`
    when nonzero."""
    if not isinstance(text, str):
        raise InputError(f"{source}: expected text (str), got {type(text).__name__}.")
    if len(text) > max_chars:
        raise InputError(
            f"The document has {len(text):,} characters; the limit is {max_chars:,}. "
            "Split it into parts or raise the limit (UNSPIN_MAX_CHARS)."
        )
    if "\x00" in text:
        raise InputError(f"{source}: the text contains NUL characters, so it looks binary; give plain text.")
    notes: dict[str, int] = {}
    text, n = SURROGATE.subn("\ufffd", text)
    if n:
        notes["replaced_surrogates"] = n
    if "\r" in text:
        text, n = _CR.subn("\n", text)
        notes["line_endings"] = n
    return text, notes


def normalize_document(doc: Document, *, max_chars: int = MAX_CHARS) -> Document:
    """`doc` with normalized text; what changed is added to `meta["normalized"]`."""
    source = str(doc.meta.get("source") or doc.id or "input")
    text, notes = normalize(doc.text, max_chars=max_chars, source=clean_field(source))
    if not notes:
        return doc
    merged = dict(doc.meta.get(NOTE_KEY) or {})
    for key, n in notes.items():
        merged[key] = merged.get(key, 0) + n
    return Document(text, doc.id, {**doc.meta, NOTE_KEY: merged})


def note_text(notes: dict[str, int] | None) -> str | None:
    """A sentence for people saying what normalisation changed, or None."""
    if not notes:
        return None
    parts = []
    if notes.get("line_endings"):
        parts.append(f"{notes['line_endings']:,} Windows/old-Mac line endings (CRLF/CR) were converted to LF")
    if notes.get("replaced_surrogates"):
        parts.append(f"{notes['replaced_surrogates']:,} invalid characters (lone surrogates) were replaced "
                     "by U+FFFD")
    return "; ".join(parts) + "; offsets refer to the converted text." if parts else None


def clean_field(value: Any, *, max_chars: int | None = None) -> Any:
    """A metadata value safe for any database: in strings NUL (and other C0 controls but tab
    and newline) are dropped and lone surrogates become U+FFFD; other values pass as they are."""
    if not isinstance(value, str):
        return value
    value = SURROGATE.sub("\ufffd", value)
    value = _CONTROL.sub("", value)
    return value if max_chars is None else value[:max_chars]


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def web_link(url: Any) -> str | None:
    """`url` when it is an http(s) address with a host, else None: a page never links to a
    `javascript:`, `data:` or other scheme a stored URL might carry (whitespace and controls
    that browsers drop are dropped before the scheme is read)."""
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        return None
    text = _LINK_JUNK.sub("", url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.hostname else None


_LINK_JUNK = re.compile("[\x00-\x20\x7f]")  # browsers strip these anywhere in a URL (or percent-encode)
