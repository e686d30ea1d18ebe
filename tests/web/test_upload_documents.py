"""PDF and Word uploads in the web app (issue 30): the analysis shows the extracted text the
offsets index, and says where it came from; a scanned PDF gets a clear message."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))
from office_files import make_docx, make_pdf

pytest.importorskip("pypdf")
pytest.importorskip("docx")
LINE = "The corrupt elites betrayed the hard-working people of this country."


def test_web_upload_pdf_and_docx(sync_client: Any) -> None:
    r = sync_client.post("/analyze", files={"file": ("rally.pdf", make_pdf([[LINE]], title="Rally"),
                                                     "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    twin = sync_client.get(r.headers["location"] + ".json").json()
    assert twin["analysis"]["text"] == LINE and twin["source"]["title"] == "Rally"
    assert twin["analysis"]["meta"]["format"] == "pdf" and "text layer (1 page)" in twin["extracted"]
    page = sync_client.get(r.headers["location"], headers={"Accept": "text/html"}).text
    assert 'id="extracted-note"' in page and "offsets refer to this text" in page
    r = sync_client.post("/analyze", files={"file": ("notes.docx", make_docx([LINE]))},
                         follow_redirects=False)
    assert r.status_code == 303
    r = sync_client.post("/api/analyze", json={"text": "x"})  # JSON bodies take no files: unchanged
    assert r.status_code == 200
    r = sync_client.post("/analyze", files={"file": ("scan.pdf", make_pdf([None]))},
                         headers={"Accept": "text/html"})
    assert r.status_code == 400 and "scanned PDF" in r.text
    assert ".pdf,.docx" in sync_client.get("/", headers={"Accept": "text/html"}).text
