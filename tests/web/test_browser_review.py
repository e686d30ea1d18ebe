"""Reviewing like an annotation tool, in Chromium (issue 30): the controls open next to the
selected span, corrections update the page in place (slider, filters and scroll kept), every
action has a key, a selection is added at its exact offsets, one tab stop per span after the
slider and legend, and the tooltip stays on screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import ARTICLE, CHROMIUM, browser, on_segment, page  # noqa: F401 - fixtures

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
TWICE = ARTICLE + " They call it the radical left mob, again.\n\n" + "A calm line of filler text. " * 60


@pytest.fixture(scope="module")
def live() -> Iterator[str]:
    from web_fakes import FakeAnalyzer, serve_in_thread

    with serve_in_thread(create_app(FakeAnalyzer(), store=MemoryStore(), settings=WebSettings())) as url:
        yield url


def open_review(pg: Any, live: str, text: str = TWICE) -> str:
    aid = httpx.post(live + "/api/analyze", json={"text": text, "title": "Review"}).json()["id"]
    pg.goto(f"{live}/a/{aid}")
    pg.fill("#reviewer", "Ana")
    pg.locator("#reviewer").dispatch_event("change")
    pg.evaluate("window.stillHere = true")  # gone if the page reloads
    return aid


def spans(live: str, aid: str) -> list[dict[str, Any]]:
    return httpx.get(f"{live}/api/analyses/{aid}/review").json()["spans"]


def test_controls_open_next_to_the_span_and_take_the_focus(page: Any, live: str) -> None:  # noqa: F811
    open_review(page, live)
    mob = on_segment(page, "radical left mob")
    mob.click()
    editor = page.locator(".editor")
    assert editor.is_visible()
    seg, box = mob.bounding_box(), editor.bounding_box()
    assert 0 <= box["y"] - (seg["y"] + seg["height"]) <= 20  # right under the span, not a column away
    assert abs(box["x"] - seg["x"]) < 400
    assert page.evaluate("document.activeElement.dataset.action") == "accept"
    assert "Name calling" in page.locator(".editor .sel-text").inner_text()
    page.keyboard.press("Escape")
    assert editor.is_hidden() and mob.evaluate("e => e === document.activeElement")
    assert page.problems == []


def test_corrections_update_in_place_keeping_slider_filters_and_scroll(page: Any, live: str) -> None:  # noqa: F811
    aid = open_review(page, live)
    page.locator(".min-score").evaluate(
        "e => { e.value = '0.3'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.locator('.tech[data-technique="Flag-Waving"]').click()  # hide one technique
    page.evaluate("window.scrollTo(0, 60)")
    before = page.evaluate("window.scrollY")
    assert before == 60
    on_segment(page, "radical left mob").focus()
    page.keyboard.press("r")
    page.locator(".span-item.st-rejected").first.wait_for()
    assert page.evaluate("window.stillHere") is True  # no reload
    assert page.locator(".min-score").input_value() == "0.3"
    assert page.locator('.tech[data-technique="Flag-Waving"]').get_attribute("aria-pressed") == "false"
    assert "on" not in on_segment(page, "great nation").get_attribute("class").split()
    assert abs(page.evaluate("window.scrollY") - before) < 5
    assert "1 correction by Ana" in page.locator(".corrections-badge").inner_text()
    # the rejected span left the text: the focus went on to the next span, ready for its key
    assert page.evaluate("document.activeElement.textContent").startswith("shameful")
    page.keyboard.press("a")
    page.locator(".span-item.st-accepted").wait_for()
    accepted = [s["text"] for s in spans(live, aid) if s["status"] == "accepted"]
    assert accepted == ["shameful, disgusting betrayal"]
    rejected = [s for s in spans(live, aid) if s["status"] == "rejected"]
    assert [s["text"] for s in rejected] == ["radical left mob"]
    assert page.problems == []


def test_keys_relabel_resize_next_and_undo(page: Any, live: str) -> None:  # noqa: F811
    aid = open_review(page, live)
    techniques = page.locator("#relabel option").evaluate_all("os => os.map(o => o.value)")
    mob = on_segment(page, "radical left mob")
    mob.focus()
    page.keyboard.press("Enter")  # select: the controls take the focus; keys act on the span
    page.keyboard.press("1")
    page.keyboard.press("2")  # technique 12, typed as two digits
    page.locator(".span-item.st-relabelled").wait_for()
    [changed] = [s for s in spans(live, aid) if s["status"] == "relabelled"]
    assert changed["technique"] == techniques[11] and changed["text"] == "radical left mob"
    new = page.locator(f'.tech[data-technique="{techniques[11]}"]')  # a technique new to the page
    assert new.get_attribute("aria-pressed") == "true" and new.locator(".count").inner_text() == "1"
    assert page.locator(f'.bars tr[data-technique="{techniques[11]}"] .num').inner_text() == "1"
    page.keyboard.press("Shift+ArrowRight")  # the end one word later
    page.locator(".span-item.st-resized").wait_for()
    [resized] = [s for s in spans(live, aid) if s["status"] == "resized"]
    assert resized["text"] == "radical left mob staged"
    page.keyboard.press("Alt+Shift+ArrowRight")  # the start one word later
    page.locator(".span-item.st-resized", has_text=re.compile(r": left mob staged")).wait_for()
    page.keyboard.press("u")  # undo: back to the model's span
    page.locator(".span-item.st-resized").wait_for(state="detached")
    assert page.locator(".span-item.st-relabelled").count() == 0
    page.keyboard.press("Escape")
    page.keyboard.press("n")  # next span in reading order
    assert page.evaluate("document.activeElement.textContent").startswith("shameful")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.textContent") == "disgusting"
    page.keyboard.press("p")
    assert page.evaluate("document.activeElement.textContent").startswith("shameful")
    assert page.locator(".editor").is_visible()  # the controls follow the selection
    assert page.evaluate("window.stillHere") is True
    assert page.problems == []


def test_add_the_selected_text_at_its_exact_offsets(page: Any, live: str) -> None:  # noqa: F811
    aid = open_review(page, live)
    second = TWICE.index("radical left mob", TWICE.index("radical left mob") + 1)
    page.fill("#add-text", "radical left mob")  # typed, it is ambiguous: refused, not the first match
    page.click(".add-span button")
    assert "occur 2 times" in page.locator(".review-status").inner_text()
    page.evaluate("document.activeElement.blur()")  # as a mouse selection in the article does
    page.evaluate("""([start, end]) => {
        const article = document.querySelector('.article');
        const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
        let seen = 0, range = document.createRange(), node;
        while ((node = walker.nextNode())) {
            const n = node.textContent.length;
            if (seen <= start && start < seen + n) range.setStart(node, start - seen);
            if (seen < end && end <= seen + n) range.setEnd(node, end - seen);
            seen += n;
        }
        const sel = getSelection(); sel.removeAllRanges(); sel.addRange(range);
    }""", [second, second + len("radical left mob")])
    page.select_option("#add-technique", "Doubt")
    page.keyboard.press("+")
    page.locator(".span-item.st-added").wait_for()
    [added] = [s for s in spans(live, aid) if s["status"] == "added"]
    assert (added["start"], added["end"], added["technique"]) == (second, second + 16, "Doubt")
    assert page.evaluate("window.stillHere") is True
    assert page.problems == []


def test_tab_order_one_stop_per_span_after_the_controls(page: Any, live: str) -> None:  # noqa: F811
    open_review(page, live, ARTICLE)
    order = page.evaluate("""() => Array.from(document.querySelectorAll(
        'a[href], button, input, select, textarea, [tabindex]'))
        .filter(e => e.tabIndex >= 0 && !e.hidden && !e.closest('[hidden]'))
        .map(e => e.classList.contains('hl') ? 'hl' : (e.className || e.tagName))""")
    first_hl = order.index("hl")
    assert order.index("min-score") < first_hl and order.index("tech") < first_hl
    assert order.count("hl") == 5  # five spans: " betrayal" (a later piece of one) is no stop
    page.locator(".min-score").focus()
    for _ in range(order.count("tech") + 1):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "radical left mob"


def test_the_tooltip_stays_on_screen(browser: Any, live: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 500}, is_mobile=True)
    pg = context.new_page()
    try:
        aid = httpx.post(live + "/api/analyze", json={"text": ARTICLE}).json()["id"]
        pg.goto(f"{live}/a/{aid}")
        seg = pg.locator(".article .hl", has_text="Everybody knows").first
        seg.evaluate("e => window.scrollBy(0, e.getBoundingClientRect().bottom - innerHeight + 4)")
        seg.focus()
        tip = pg.locator("#tip")
        tip.wait_for(state="visible")
        box = tip.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 500 + 1
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390 + 1
    finally:
        context.close()


def test_send_to_corpus_answers_in_place(page: Any, live: str) -> None:  # noqa: F811
    open_review(page, live, ARTICLE)
    page.click(".to-corpus")
    status = page.locator(".review-status")
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(status).to_contain_text("keeps analyses in memory")  # this app has no database
    assert page.locator(".to-corpus").is_enabled() and page.evaluate("window.stillHere") is True
