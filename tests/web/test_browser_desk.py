"""The review desk's first use in Chromium (issue 30): "Try an example", titles and history
rows, no sideways scrolling, confirmations, and messages people can act on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import ARTICLE, CHROMIUM, browser, page  # noqa: F401 - fixtures

from unspin.web import WebSettings, create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """(base URL, fake analyzer) of an app on SQLite."""
    pytest.importorskip("sqlalchemy")
    from web_fakes import FakeAnalyzer, serve_in_thread

    fake = FakeAnalyzer()
    db = str(tmp_path_factory.mktemp("desk") / "desk.db")
    with serve_in_thread(create_app(fake, settings=WebSettings(db=db))) as url:
        yield url, fake


@pytest.fixture(scope="module")
def live(desk: tuple[str, Any]) -> str:
    return desk[0]


def save(url: str, **body: Any) -> str:
    r = httpx.post(url + "/api/analyze", json=body)
    assert r.status_code == 200, r.text
    return r.json()["id"]


def test_try_an_example_fills_the_text_and_analyzes(page: Any, live: str) -> None:  # noqa: F811
    page.goto(live + "/")
    page.get_by_role("button", name="Try an example").click()
    text = page.input_value("#text")
    assert text.startswith("Corrupt Elites Betray Our Nation Again\n") and len(text) > 300
    assert page.input_value("#title") == "Corrupt Elites Betray Our Nation Again"
    page.click("form.analyze button[type=submit]")
    page.wait_for_url("**/a/*")
    assert page.locator("h1").inner_text() == "Corrupt Elites Betray Our Nation Again"
    assert page.problems == []


LONG_TITLE = "A very long headline about the council budget vote " * 5


def test_no_page_scrolls_sideways(browser: Any, live: str) -> None:  # noqa: F811
    ids = [save(live, text=ARTICLE, title=LONG_TITLE.strip()), save(live, text=ARTICLE + " More.")]
    for aid in ids:
        assert httpx.post(f"{live}/api/analyses/{aid}/corpus").json()["ok"]
    pages = ["/", f"/a/{ids[0]}", f"/a/{ids[1]}", "/history", "/compare", f"/compare?a={ids[0]}&b={ids[1]}",
             "/corpus", "/corpus/documents?focus=Loaded_Language", "/techniques", "/docs"]
    for width, height in ((390, 844), (1366, 768)):
        context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 500)
        pg = context.new_page()
        try:
            wide = []
            for path in pages:
                pg.goto(live + path)
                if path == "/corpus":
                    pg.wait_for_selector(".chart canvas")
                scroll = pg.evaluate("document.documentElement.scrollWidth")
                if scroll > width + 1:
                    wide.append((path, scroll))
            assert wide == [], f"at {width} px"
        finally:
            context.close()


def test_a_refused_form_comes_back_filled(page: Any, live: str) -> None:  # noqa: F811
    page.goto(live + "/")
    page.fill("#text", "My draft\nwith two lines.")
    page.fill("#url", "https://example.com/story")
    page.fill("#title", "Draft")
    page.click("form.analyze button[type=submit]")
    alert = page.get_by_role("alert")
    assert alert.inner_text() == ("Give only one thing to analyze: you gave an article text and a URL. "
                                  "Clear all but one of them.")
    assert page.input_value("#text") == "My draft\nwith two lines."
    assert page.input_value("#url") == "https://example.com/story" and page.input_value("#title") == "Draft"
    page.fill("#url", "")
    page.click("form.analyze button[type=submit]")  # fixed in place, sent again
    page.wait_for_url("**/a/*")
    assert page.locator("h1").inner_text() == "Draft"


def test_first_screen_explains_and_fits(browser: Any, live: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    try:
        pg.goto(live + "/")
        assert "propaganda technique" in pg.locator("#what").inner_text()
        box = pg.locator("form.analyze button[type=submit]").bounding_box()
        assert box["y"] + box["height"] <= 768  # Analyze is on the first screen
    finally:
        context.close()


def test_slider_starts_at_the_threshold_used(page: Any, live: str) -> None:  # noqa: F811
    aid = save(live, text=ARTICLE, title="Slider start")
    page.goto(f"{live}/a/{aid}")
    assert page.locator(".min-score").input_value() == "0.2"  # the fake model's own least score
    assert page.locator(".min-score-out").inner_text() == "20%"
    assert "less than 20% sure of were left out" in page.locator(".controls .hint").inner_text()
    assert "Showing 5 of 5 spans" in page.locator(".shown").inner_text()


def test_a_cancelled_job_says_so(page: Any, desk: tuple[str, Any]) -> None:  # noqa: F811
    url, fake = desk
    fake.gate, fake.waiting = threading.Event(), threading.Event()
    before = httpx.get(url + "/api/health").json()["queue"]["cancelled"]
    try:
        page.goto(url + "/")
        page.fill("#text", ARTICLE + "\n\n" + "The committee met on Tuesday and adjourned. " * 60)
        page.fill("#title", "Minutes")
        page.click("form.analyze button[type=submit]")
        page.wait_for_url("**/jobs/*")
        assert fake.waiting.wait(10)
        expect = pytest.importorskip("playwright.sync_api").expect  # polls without eval (the CSP forbids it)
        expect(page.locator(".job-status")).to_have_text("1 of 7 parts of the text read.")
        assert page.title() == "Analyzing: Minutes · unspin"
        page.click(".cancel-job")
        expect(page.locator(".job-status")).to_have_text("Cancelled.")
        assert page.locator("h1").inner_text() == "Cancelled: Minutes"
        assert page.title() == "Cancelled: Minutes · unspin"
        page.reload()
        assert page.locator("h1").inner_text() == "Cancelled: Minutes"
    finally:
        fake.gate.set()
        fake.gate = None
    assert httpx.get(url + "/api/health").json()["queue"]["cancelled"] == before + 1
    assert page.problems == []


def test_delete_ticked_asks_first_and_the_count_follows(page: Any, live: str) -> None:  # noqa: F811
    a = save(live, text="First throwaway text for deleting.", title="Throwaway one")
    b = save(live, text="Second throwaway text for deleting.", title="Throwaway two")
    c = save(live, text="Third throwaway text for deleting.", title="Throwaway three")
    total = httpx.get(live + "/api/analyses").json()["total"]
    page.goto(live + "/history")
    count = page.locator(".saved-count")
    assert count.inner_text() == f"{total:,} saved analyses"
    page.locator(f'tr[data-id="{c}"]').get_by_role("button", name="Delete Throwaway three").click()
    page.locator(f'tr[data-id="{c}"]').get_by_role("button", name="Delete Throwaway three").click()
    page.locator(f'tr[data-id="{c}"]').wait_for(state="detached")
    assert count.inner_text() == f"{total - 1:,} saved analyses"
    page.check(f'input[name=id][value="{a}"]')
    page.check(f'input[name=id][value="{b}"]')
    bulk = page.locator(".delete-ticked")
    bulk.click()
    assert bulk.inner_text() == "Really delete 2 analyses? Press again"
    assert httpx.get(f"{live}/api/analyses/{a}").status_code == 200  # nothing deleted yet
    bulk.click()
    page.wait_for_url("**/history")
    assert httpx.get(f"{live}/api/analyses/{a}").status_code == 404
    left = total - 3
    shown = page.locator(".saved-count").inner_text()
    assert shown == f"{left:,} saved analys" + ("is" if left == 1 else "es")
    assert page.problems == []


def test_upload_a_pdf(page: Any, live: str, tmp_path: Path) -> None:  # noqa: F811
    pytest.importorskip("pypdf")
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "ingest"))
    from office_files import make_pdf

    path = tmp_path / "rally.pdf"
    path.write_bytes(make_pdf([["The radical left mob staged a shameful, disgusting betrayal."]],
                              title="Rally in print"))
    page.goto(live + "/")
    assert ".pdf" in page.locator("#file").get_attribute("accept")
    page.set_input_files("#file", str(path))
    page.click("form.analyze button[type=submit]")
    page.wait_for_url("**/a/*")
    assert page.locator("h1").inner_text() == "Rally in print"
    shown = page.locator(".article").inner_text()
    assert shown == "The radical left mob staged a shameful, disgusting betrayal."
    assert "text layer (1 page)" in page.locator("#extracted-note").inner_text()
    assert page.locator(".article .hl.on").count() >= 3
    assert page.problems == []


def test_dashboard_drill_down_by_keyboard(page: Any, live: str) -> None:  # noqa: F811
    aid = save(live, text=ARTICLE + " Dashboard copy.", title="Dashboard copy")
    assert httpx.post(f"{live}/api/analyses/{aid}/corpus").json()["ok"]
    page.goto(live + "/corpus")
    page.wait_for_selector(".chart canvas")
    summary = page.locator("#h-mix ~ details summary").first
    summary.focus()
    page.keyboard.press("Enter")  # open the chart's data table
    link = page.locator("#h-mix ~ details a", has_text="documents").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/corpus/documents?**")
    lead = page.locator(".lead").inner_text()
    import re

    assert re.match(r"(1 document|[2-9]\d* documents) with [A-Z][^_]* from ", lead), lead
    assert page.problems == []


def test_docs_page_methods_on_one_line_and_code_as_code(browser: Any, live: str) -> None:  # noqa: F811
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 800}, is_mobile=width < 500)
        pg = context.new_page()
        try:
            pg.goto(live + "/docs")
            method = pg.locator(".routes td:first-child code", has_text="POST").first
            line = method.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
            assert method.bounding_box()["height"] < 1.6 * line  # "POST", never "POS/T"
            assert pg.locator(".routes td code", has_text="html").count() >= 1  # from `html` in a docstring
            assert all("`" not in t for t in pg.locator(".routes").all_inner_texts())
        finally:
            context.close()
