"""PDF and Word files (issue 30): their text through `unspin.ingest.documents`, the CLI
(`unspin analyze file.pdf`) and `corpus import` (the web upload: tests/web/test_upload_documents.py);
offsets index the extracted text, scanned PDFs and damaged or oversized files get clear messages."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unspin.errors import InputError
from unspin.ingest import documents
from unspin.ingest.documents import kind_of, read_document
from unspin.ingest.text import read_input

sys.path.insert(0, str(Path(__file__).parent))
from office_files import make_docx, make_pdf

pytest.importorskip("pypdf")
pytest.importorskip("docx")
LINE = "The corrupt elites betrayed the hard-working people of this country."


def test_pdf_text_layer_pages_and_title() -> None:
    data = make_pdf([[LINE, "Every true patriot knows it."], None, ["They are traitors (all of them)."]],
                    title="Rally")
    doc = read_document(data, source="rally.pdf")
    assert doc.text == f"{LINE}\nEvery true patriot knows it.\n\nThey are traitors (all of them)."
    assert doc.meta == {"source": "rally.pdf", "format": "pdf", "title": "Rally", "pages": 3,
                        "pages_without_text": 1}
    assert kind_of(data) == "pdf" and kind_of(b"plain", "x.PDF") == "pdf"


def test_scanned_pdf_says_it_needs_ocr() -> None:
    with pytest.raises(InputError, match=r"no text layer, so it looks like a scanned PDF.*OCR"):
        read_document(make_pdf([None, None]), source="scan.pdf")


@pytest.mark.parametrize("data,message", [
    (b"%PDF-1.4\ngarbage without objects", "not a readable PDF"),
    (b"hello", "not a PDF file"),
])
def test_broken_pdfs(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_document(data, source="x.pdf", kind="pdf")


def test_docx_paragraphs_tables_and_title() -> None:
    data = make_docx([LINE, "Every true patriot knows it."], table=[["Name", "Role"], ["Ana", "Editor"]],
                     title="Minutes")
    doc = read_document(data, source="minutes.docx")
    assert doc.text == f"{LINE}\n\nName\tRole\nAna\tEditor\n\nEvery true patriot knows it."
    assert doc.meta == {"source": "minutes.docx", "format": "docx", "title": "Minutes"}
    assert kind_of(data) == "docx"


def test_broken_and_oversized_docx(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="not a ZIP package"):
        read_document(b"not a zip", source="x.docx")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("word/other.xml", "<x/>")
    with pytest.raises(InputError, match=r"not a readable \.docx"):
        read_document(packed.getvalue(), source="x.docx")
    monkeypatch.setattr(documents, "MAX_UNPACKED", 1000)
    with pytest.raises(InputError, match="unpacks to"):
        read_document(make_docx([LINE * 40]), source="big.docx")
    with pytest.raises(InputError, match="holds no text"):
        monkeypatch.setattr(documents, "MAX_UNPACKED", 10**8)
        read_document(make_docx([" "]), source="empty.docx")


def test_read_input_takes_pdf_and_docx(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(make_pdf([[LINE]]))
    (tmp_path / "b.docx").write_bytes(make_docx([LINE]))
    assert read_input(tmp_path / "a.pdf").text == LINE
    assert read_input(tmp_path / "b.docx").meta["format"] == "docx"


def test_cli_analyze_pdf_offsets_index_the_extracted_text(tiny_model_dir: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from unspin.cli.main import app

    monkeypatch.setenv("UNSPIN_MODEL", str(tiny_model_dir))
    path = tmp_path / "rally.pdf"
    path.write_bytes(make_pdf([[LINE], ["They are traitors and liars, all of them!"]]))
    result = CliRunner().invoke(app, ["analyze", str(path), "-f", "json", "-t", "0"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout.splitlines()[0])
    assert doc["text"] == f"{LINE}\n\nThey are traitors and liars, all of them!"
    assert doc["spans"] and all(doc["text"][s["start"]:s["end"]] == s["text"] for s in doc["spans"])
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(make_pdf([None]))
    result = CliRunner().invoke(app, ["analyze", str(scan)])
    assert result.exit_code != 0 and "scanned PDF" in result.output


def test_corpus_import_reads_pdf_and_docx(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    from unspin.cli.main import app
    from unspin.store import Store

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(make_pdf([[LINE]], title="From PDF"))
    (folder / "b.docx").write_bytes(make_docx(["Word text about the budget."], title="From Word"))
    (folder / "scan.pdf").write_bytes(make_pdf([None]))
    db = tmp_path / "c.db"
    result = CliRunner().invoke(app, ["corpus", "import", str(folder), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["skipped"]) == (2, 1)
    assert "scanned PDF" in result.stderr
    with Store.open(str(db)) as store:
        titles = sorted(d.meta.get("title") or "" for d in store.pending("m"))
        texts = sorted(d.text for d in store.pending("m"))
    assert texts == sorted([LINE, "Word text about the budget."])
    assert titles == ["From PDF", "From Word"]
