"""PDF and Word (.docx) files as Documents: the text layer of a PDF (pypdf) and the
paragraphs and tables of a .docx (python-docx), in reading order. Offsets index the
extracted text, which every output shows, so spans can be checked against it.

A PDF without a text layer (a scan: pictures of pages) is refused with a message that says
so; encrypted PDFs open only when they need no password. Limits keep a hostile file from
using the machine up: at most `MAX_PAGES` pages, and a .docx whose parts would unpack to more
than `MAX_UNPACKED` bytes is refused before it is read.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import PurePath
from typing import Any

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.normalize import clean_field, normalize_document

PDF_SUFFIXES = frozenset({".pdf"})
DOCX_SUFFIXES = frozenset({".docx"})
SUFFIXES = PDF_SUFFIXES | DOCX_SUFFIXES
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024  # files from the command line; the web app's body limit applies there
MAX_PAGES = 2_000
MAX_UNPACKED = 100 * 1024 * 1024
OCR_HINT = ("it has no text layer, so it looks like a scanned PDF (pictures of pages). Run OCR on it "
            "first (e.g. `ocrmypdf scan.pdf text.pdf`) or paste the text.")


def kind_of(data: bytes, name: str | None = None) -> str | None:
    """"pdf" or "docx" when `data` (named `name`) is one, by its first bytes or suffix; else None."""
    suffix = PurePath(name or "").suffix.lower()
    if data.startswith(b"%PDF-") or suffix in PDF_SUFFIXES:
        return "pdf"
    if suffix in DOCX_SUFFIXES or (data.startswith(b"PK\x03\x04") and b"word/" in data[:65536]):
        return "docx"
    return None


def read_document(data: bytes, *, source: str, kind: str | None = None) -> Document:
    """A PDF or .docx file's text as a Document (`meta`: source, format, title, pages for
    PDFs); `InputError` when it cannot be read or holds no text."""
    kind = kind or kind_of(data, source)
    if kind == "pdf":
        text, meta = pdf_text(data, source=source)
    elif kind == "docx":
        text, meta = docx_text(data, source=source)
    else:
        raise InputError(f"{source} is neither a PDF nor a .docx file.")
    meta = {"source": source, "format": kind, **{k: v for k, v in meta.items() if v not in (None, "")}}
    return normalize_document(Document(text.replace("\x00", ""), meta=meta))


def pdf_text(data: bytes, *, source: str) -> tuple[str, dict[str, Any]]:
    """The text layer of each page, pages separated by a blank line."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # malformed-but-readable files warn a lot
    if not data.startswith(b"%PDF-"):
        raise InputError(f"{source} is not a PDF file (it does not start with %PDF-).")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{source} is a password-protected PDF; save an unprotected copy or "
                             "paste the text.")
        pages = reader.pages
        if len(pages) > MAX_PAGES:
            raise InputError(f"{source} has {len(pages):,} pages; the limit is {MAX_PAGES:,}. Split it.")
        texts = [(page.extract_text() or "").strip() for page in pages]
        info = reader.metadata
        title = info.title if info is not None else None
    except InputError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, ZeroDivisionError) as err:
        raise InputError(f"{source} is not a readable PDF ({type(err).__name__}: "
                         f"{str(err)[:200]}).") from None
    if not any(t for t in texts):
        raise InputError(f"{source}: {OCR_HINT}")
    meta = {"title": _title(title), "pages": len(texts),
            "pages_without_text": sum(1 for t in texts if not t) or None}
    return "\n\n".join(t for t in texts if t), meta


def docx_text(data: bytes, *, source: str) -> tuple[str, dict[str, Any]]:
    """Paragraphs and table rows (cells joined by tabs) in document order, a blank line apart."""
    import docx
    from docx.table import Table

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            unpacked = sum(member.file_size for member in package.infolist())
    except zipfile.BadZipFile:
        raise InputError(f"{source} is not a .docx file (not a ZIP package); save it as .docx.") from None
    if unpacked > MAX_UNPACKED:
        raise InputError(f"{source} unpacks to {unpacked:,} bytes; the limit is {MAX_UNPACKED:,}.")
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                rows = ["\t".join(cell.text.strip() for cell in row.cells) for row in block.rows]
                blocks.append("\n".join(r for r in rows if r.strip()))
            else:
                blocks.append(block.text.strip())
        title = document.core_properties.title
    except Exception as err:  # python-docx raises many kinds on a damaged package
        raise InputError(f"{source} is not a readable .docx file ({type(err).__name__}: "
                         f"{str(err)[:200]}).") from None
    text = "\n\n".join(b for b in blocks if b)
    if not text.strip():
        raise InputError(f"{source} holds no text.")
    return text, {"title": _title(title)}


def _title(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return clean_field(" ".join(value.split()), max_chars=300)
