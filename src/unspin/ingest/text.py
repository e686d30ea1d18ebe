"""Decoding bytes from files or uploads into text, and telling HTML from plain text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.normalize import normalize_document

MAX_BYTES = 5 * 1024 * 1024
_HTML_HINT = re.compile(r"<\s*(!doctype\s+html|html|head|body|article|p|div)\b", re.IGNORECASE)


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text[:4096]))


def decode(data: bytes, *, source: str = "input") -> str:
    """UTF-8 (with or without BOM), else UTF-16 with BOM; binary data is refused."""
    if not data.strip():
        raise InputError(f"{source} is empty.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{source} starts with a UTF-16 byte order mark but is not valid UTF-16 ({err.reason} at "
                f"byte {err.start}); save it again as UTF-8."
            ) from None
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(f"{source} looks binary (it contains NUL bytes); give a text or HTML file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{source} is not valid UTF-8 (byte {err.start}: {data[err.start : err.start + 1]!r}); "
            "convert it to UTF-8 first, e.g. `iconv -f latin1 -t utf-8`."
        ) from err


def read_limited(stream: BinaryIO, *, max_bytes: int = MAX_BYTES, source: str = "input") -> bytes:
    """Read `stream` to its end, but stop with `InputError` as soon as it passes `max_bytes`
    (a file's reported size is not trusted: /dev/zero reports 0, pipes report nothing)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(1 << 16, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise InputError(f"{source} is larger than the limit of {max_bytes:,} bytes; split it into "
                             "parts.")
        chunks.append(chunk)


def read_input(path: str | Path, *, max_bytes: int = MAX_BYTES) -> Document:
    """A file as a Document: HTML goes through the article extractor, PDF and .docx files
    through `unspin.ingest.documents` (up to `DOCUMENT_MAX_BYTES`)."""
    from unspin.ingest.documents import DOCUMENT_MAX_BYTES, SUFFIXES

    path = Path(path)
    if path.suffix.lower() in SUFFIXES:
        max_bytes = max(max_bytes, DOCUMENT_MAX_BYTES)
    if not path.exists():
        raise InputError(f"No such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file (or use `unspin predict` for PTC folders).")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"{path} is {size:,} bytes; the limit is {max_bytes:,}.")
    try:
        with open(path, "rb") as handle:
            data = read_limited(handle, max_bytes=max_bytes, source=str(path))
    except OSError as err:
        raise InputError(f"Cannot read {path}: {err.strerror or err}.") from err
    return from_bytes(data, source=str(path))


def from_bytes(data: bytes, *, source: str = "input") -> Document:
    from unspin.ingest.documents import kind_of, read_document

    kind = kind_of(data, source)
    if kind is not None:
        return read_document(data, source=source, kind=kind)
    text = decode(data, source=source)
    return from_text(text, source=source)


def from_text(text: str, *, source: str = "input") -> Document:
    """Plain text as is (offsets into it); HTML through the article extractor."""
    if looks_like_html(text):
        from unspin.ingest.html import extract_article

        return extract_article(text, source=source)
    if not text.strip():
        raise InputError(f"{source} is empty or only whitespace.")
    return normalize_document(Document(text=text, meta={"source": source, "format": "text"}))
