"""Line endings through a real browser: a textarea sends CRLF, which the server turns back
into the LF the writer typed without a note; an uploaded CRLF file is converted with a note;
and the page shows the same offsets as `unspin analyze` gives for the same file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import ARGS, CHROMIUM
from typer.testing import CliRunner

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]
TEXT = ("The corrupt elites betrayed the hard-working people of this country.\n"
        "Every true patriot knows it.\n\nThey are traitors and liars, all of them!\n")


@pytest.fixture(scope="module")
def live(tiny_analyzer: Any) -> Iterator[str]:
    from web_fakes import serve_in_thread

    with serve_in_thread(create_app(tiny_analyzer, store=MemoryStore(), settings=WebSettings())) as url:
        yield url


def cli_offsets(path: Path, model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> set[tuple[int, int]]:
    from unspin.cli.main import app

    monkeypatch.setenv("UNSPIN_MODEL", str(model_dir))
    result = CliRunner().invoke(app, ["analyze", str(path), "-f", "json", "-t", "0"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["text"] == TEXT and doc["normalized"] == {"line_endings": 4}
    return {(s["start"], s["end"]) for s in doc["spans"]}


@pytest.mark.parametrize("how", ["paste", "upload"])
def test_web_offsets_equal_cli_offsets(how: str, live: str, tmp_path: Path, tiny_model_dir: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    path = tmp_path / "crlf.txt"
    path.write_bytes(TEXT.replace("\n", "\r\n").encode("utf-8"))
    expected = cli_offsets(path, tiny_model_dir, monkeypatch)
    assert expected, "threshold 0 should give spans to compare"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(20_000)
            page.goto(live + "/")
            if how == "paste":
                page.fill("#text", TEXT)  # a textarea submits its newlines as CRLF
            else:
                page.set_input_files("#file", str(path))
            page.fill("#threshold", "0")
            page.click("button[type=submit]")
            page.wait_for_url("**/a/*")  # through the job page when scripts run
            if how == "upload":
                assert "4 Windows/old-Mac line endings (CRLF/CR) were converted to LF" in \
                    page.locator("#normalized-note").inner_text()
            else:  # a text box always sends CRLF: nothing the writer did, so nothing to report
                assert page.locator("#normalized-note").count() == 0
                assert "line endings" not in page.locator("main").inner_text()
            record = page.evaluate("fetch(location.pathname + '.json').then(r => r.json())")
            assert record["analysis"]["text"] == TEXT
            shown = {(s["start"], s["end"]) for s in record["analysis"]["spans"]}  # the page's twin
            assert shown == expected
            assert page.locator(".hl").count() > 0
        finally:
            browser.close()
