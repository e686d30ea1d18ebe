"""The pages in a real browser: Playwright driving Debian's Chromium (never a downloaded one)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

CHROMIUM = os.environ.get("UNSPIN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage"]
ARTICLE = (
    "The radical left mob staged a shameful, disgusting betrayal of our great nation. "
    "Everybody knows the truth about them. Officials declined to comment."
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def live_url() -> Iterator[str]:
    from web_fakes import FakeAnalyzer, serve_in_thread

    with serve_in_thread(create_app(FakeAnalyzer(), store=MemoryStore(), settings=WebSettings())) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("dialog", lambda d: (problems.append("dialog: " + d.message), d.dismiss()))
    pg.problems = problems
    yield pg
    context.close()


def analyze(page: Any, live_url: str, text: str = ARTICLE) -> None:
    page.goto(live_url + "/")
    page.fill("#text", text)
    page.click("button[type=submit]")
    page.wait_for_url("**/a/*")


def on_segment(page: Any, text: str) -> Any:
    return page.locator(".article .hl", has_text=text).first


def test_paste_submit_hover_and_focus(page: Any, live_url: str) -> None:
    analyze(page, live_url)
    assert page.locator(".article .hl.on").count() >= 5
    assert page.locator(".article").inner_text() == ARTICLE
    on_segment(page, "radical left mob").hover()
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    assert "Name calling" in tip.inner_text() and "Attaches a label" in tip.inner_text()
    assert "Confidence: 83%" in tip.inner_text() and "Triggered by: radical" in tip.inner_text()
    on_segment(page, "disgusting").focus()  # keyboard: nested spans explained together
    text = tip.inner_text()
    assert "Exaggeration" in text and "Loaded language" in text
    page.keyboard.press("Escape")
    assert tip.is_hidden()
    assert page.problems == []


def test_legend_toggle_and_slider(page: Any, live_url: str) -> None:
    analyze(page, live_url)
    shameful = on_segment(page, "shameful")
    assert "on" in shameful.get_attribute("class")
    before = shameful.evaluate("e => getComputedStyle(e).backgroundColor")
    button = page.locator('.tech[data-technique="Loaded_Language"]')
    button.click()
    assert button.get_attribute("aria-pressed") == "false"
    assert "on" not in shameful.get_attribute("class").split()
    assert shameful.evaluate("e => getComputedStyle(e).backgroundColor") != before
    assert "on" in on_segment(page, "disgusting").get_attribute("class").split()  # still Exaggeration
    button.press("Enter")  # keyboard toggles it back
    assert "on" in shameful.get_attribute("class").split()

    slider = page.locator(".min-score")
    slider.evaluate("e => { e.value = '0.5'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    assert page.locator(".min-score-out").inner_text() == "50%"
    assert "on" not in on_segment(page, "Everybody knows").get_attribute("class").split()  # 0.25
    disgusting = on_segment(page, "disgusting").get_attribute("class").split()
    assert "on" in disgusting and "multi" not in disgusting  # Exaggeration (0.42) hidden, Loaded kept
    assert "Showing 3 of 5 spans" in page.locator(".shown").inner_text()
    assert page.problems == []


def test_hostile_text_does_not_execute(page: Any, live_url: str) -> None:
    hostile = '<script>alert(1)</script> "><img src=x onerror=alert(2)> The radical left mob.'
    analyze(page, live_url, hostile)
    assert page.locator(".article").inner_text() == hostile
    assert page.locator(".article img, .article script").count() == 0
    assert page.problems == []


def test_compare_two_columns_and_phone(page: Any, live_url: str, browser: Any) -> None:
    page.goto(live_url + "/compare")
    page.fill("#text_a", ARTICLE)
    page.fill("#text_b", "Everybody knows it. A calm report with nothing else.")
    page.click("button[type=submit]")
    page.wait_for_url("**/compare?a=*")
    columns = page.locator(".columns .column")
    assert columns.count() == 2
    a, b = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert b["x"] > a["x"] + a["width"] - 1 and abs(a["y"] - b["y"]) < 5
    assert page.locator(".profile tbody tr").count() >= 2
    url = page.url
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True).new_page()
    phone.goto(url)
    cols = phone.locator(".columns .column")
    a, b = cols.nth(0).bounding_box(), cols.nth(1).bounding_box()
    assert b["y"] > a["y"] + a["height"] - 1  # stacked on a phone
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.context.close()
    assert page.problems == []
