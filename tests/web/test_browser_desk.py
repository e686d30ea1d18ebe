"""The review desk's first use in Chromium (issue 30): "Try an example", titles and history
rows, no sideways scrolling, confirmations, and messages people can act on."""

from __future__ import annotations

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
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("sqlalchemy")
    from web_fakes import FakeAnalyzer, serve_in_thread

    db = str(tmp_path_factory.mktemp("desk") / "desk.db")
    with serve_in_thread(create_app(FakeAnalyzer(), settings=WebSettings(db=db))) as url:
        yield url


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
