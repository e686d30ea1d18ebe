"""The one normalisation step: line endings, lone surrogates, NUL, limits; decoding and
bounded reads; extraction without cross-document state."""

from __future__ import annotations

import io

import pytest

from unspin.doc import Document
from unspin.errors import InputError
from unspin.ingest.normalize import clean_field, normalize, normalize_document, note_text
from unspin.ingest.text import decode, from_bytes, read_input, read_limited
from unspin.pipeline import check_text


@pytest.mark.parametrize("raw,text,notes", [
    ("a\r\nb\rc\nd", "a\nb\nc\nd", {"line_endings": 2}),
    ("\r\n\r\n", "\n\n", {"line_endings": 2}),
    ("a\ud800b\udfff", "a\ufffdb\ufffd", {"replaced_surrogates": 2}),
    ("plain 🧱 naïve", "plain 🧱 naïve", {}),
])
def test_normalize(raw: str, text: str, notes: dict[str, int]) -> None:
    assert normalize(raw) == (text, notes)
    assert check_text(raw) == text


@pytest.mark.parametrize("raw,message", [
    ("a\x00b", "NUL"), (b"bytes", "expected text"), (12345, "expected text"), ("x" * 11, "limit is 10"),
])
def test_normalize_refuses(raw: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        normalize(raw, max_chars=10)


def test_normalize_document_keeps_id_and_adds_notes() -> None:
    doc = normalize_document(Document("a\r\nb", id="x", meta={"source": "s"}))
    assert (doc.text, doc.id, doc.meta) == ("a\nb", "x", {"source": "s", "normalized": {"line_endings": 1}})
    assert normalize_document(doc) is doc  # idempotent
    assert "converted to LF" in str(note_text(doc.meta["normalized"]))
    assert note_text({}) is None


def test_clean_field_for_databases() -> None:
    assert clean_field("Daily\x00 News\ud800\x07") == "Daily News\ufffd"
    assert clean_field("tab\tand\nline") == "tab\tand\nline"
    assert clean_field(5) == 5
    assert clean_field("abcdef", max_chars=3) == "abc"


@pytest.mark.parametrize("data", [b"\xff\xfeA\x00B", b"\xff\xfe\x00\xd8A\x00", b"\xfe\xff\xd8\x00\x00A"])
def test_malformed_utf16_is_one_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="not valid UTF-16") as err:
        decode(data, source="f.txt")
    assert "\n" not in str(err.value)


def test_utf16_with_crlf_is_normalized() -> None:
    doc = from_bytes("one\r\ntwo".encode("utf-16"), source="f.txt")
    assert doc.text == "one\ntwo" and doc.meta["normalized"] == {"line_endings": 1}


class Endless(io.RawIOBase):
    """Like /dev/zero: never ends, and reports no size."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        buffer[:] = b"a" * len(buffer)
        self.served += len(buffer)
        return len(buffer)


def test_reads_stop_at_the_limit() -> None:
    stream = Endless()
    with pytest.raises(InputError, match="larger than the limit of 1,000 bytes"):
        read_limited(stream, max_bytes=1000)
    assert stream.served <= 1001
    assert read_limited(io.BytesIO(b"x" * 1000), max_bytes=1000) == b"x" * 1000


def test_dev_zero_is_refused_not_a_memory_error() -> None:
    with pytest.raises(InputError, match="larger than the limit"):
        read_input("/dev/zero", max_bytes=4096)


SHARED = ("The minister said the reform would protect every family in the country from the crisis, "
          "and that the cost of the programme would be met without new taxes on working people.")


def page(i: int, *, same: bool) -> str:
    n = "" if same else f" {i}"
    return (f"<html><body><article><h1>Story{n}</h1><p>Opening paragraph{n} about the local council "
            f"and its budget meeting this week.</p><p>{SHARED}</p><p>Closing remarks{n} from residents "
            "who attended the hearing downtown.</p></article></body></html>")


@pytest.mark.parametrize("same", [True, False])
def test_extraction_has_no_memory_of_earlier_documents(same: bool) -> None:
    from unspin.ingest.html import extract_article

    texts = [extract_article(page(i, same=same), source=f"p{i}").text for i in range(6)]
    assert all(SHARED in t for t in texts)


def test_hostile_html_is_an_input_error_or_a_document() -> None:
    from unspin.ingest.html import extract_article

    for html in ["<p>\ud800 lone surrogate paragraph that is long enough to keep around here.</p>",
                 "<html>\x00\x01<body><p>NUL and controls " + "word " * 30 + "</p></body></html>",
                 "<" * 10_000, "<div>" * 5_000]:
        try:
            doc = extract_article(html)
        except InputError:
            continue
        assert "\x00" not in doc.text and normalize(doc.text)[0] == doc.text


def test_analyzer_replaces_surrogates_instead_of_crashing(tiny_analyzer) -> None:
    analysis = tiny_analyzer.analyze("They are traitors \ud800 and liars\r\nall of them.", threshold=0.0)
    assert analysis.text == "They are traitors \ufffd and liars\nall of them."
    assert analysis.to_dict()["normalized"] == {"replaced_surrogates": 1, "line_endings": 1}
    for span in analysis.spans:
        assert analysis.text[span.start:span.end] == span.text
