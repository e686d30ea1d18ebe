"""The newsroom features in Chromium: a job's progress bar, history (list, delete, compare),
the slider updating figures, accessible names, the phone layout, and a review round trip
that ends in exported training labels."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import ARTICLE, CHROMIUM, browser, on_segment, page  # noqa: F401 - fixtures

from unspin.web import WebSettings, create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
LONG = ARTICLE + "\n\n" + "The committee met on Tuesday and adjourned without a vote. " * 40


class Live:
    """A served app on SQLite with a fake analyzer the test can hold part-way."""

    def __init__(self, url: str, fake: Any, db: str):
        self.url, self.fake, self.db = url, fake, db

    def save(self, text: str, title: str) -> str:
        r = httpx.post(self.url + "/api/analyze", json={"text": text, "title": title})
        assert r.status_code == 200, r.text
        return r.json()["id"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    pytest.importorskip("sqlalchemy")
    from web_fakes import FakeAnalyzer, serve_in_thread

    fake = FakeAnalyzer()
    db = str(tmp_path_factory.mktemp("web") / "newsroom.db")
    with serve_in_thread(create_app(fake, settings=WebSettings(db=db))) as url:
        yield Live(url, fake, db)


def test_progress_bar_on_a_long_text(page: Any, live: Live) -> None:  # noqa: F811
    page.goto(live.url + "/")
    disabled = page.evaluate("""() => {
        const form = document.querySelector('form.analyze');
        form.addEventListener('submit', e => e.preventDefault());
        form.requestSubmit();
        return [form.getAttribute('action'), form.querySelector('button[type=submit]').disabled];
    }""")
    assert disabled == ["/jobs", True]  # the form goes to a job; the button disables at once
    page.goto(live.url + "/")
    live.fake.gate, live.fake.waiting = threading.Event(), threading.Event()
    try:
        page.fill("#text", LONG)
        page.fill("#title", "Committee minutes")
        page.click("form.analyze button[type=submit]")
        page.wait_for_url("**/jobs/*")
        assert live.fake.waiting.wait(10)
        # a selector, not wait_for_function: polling a string predicate is an eval the page's CSP refuses
        page.wait_for_selector("#job-progress[value='1']")
        assert page.locator("#job-progress").evaluate("e => [e.value, e.max]") == [1, 7]
        assert "1 of 7 parts" in page.locator(".job-status").inner_text()
        assert page.title().startswith("Analyzing: Committee minutes")
        job_url = page.url
        page.goto(live.url + "/history")  # leave, find it under "Running now", come back
        page.get_by_role("link", name="Committee minutes").first.click()
        assert page.url == job_url
    finally:
        live.fake.gate.set()
    page.wait_for_url("**/a/*")
    assert page.title() == "Committee minutes · unspin"
    assert page.problems == []


def test_cancel_a_job_from_its_page(page: Any, live: Live) -> None:  # noqa: F811
    live.fake.gate, live.fake.waiting = threading.Event(), threading.Event()
    try:
        page.goto(live.url + "/")
        page.fill("#text", LONG + " Cancelled soon.")
        page.click("form.analyze button[type=submit]")
        page.wait_for_url("**/jobs/*")
        assert live.fake.waiting.wait(10)
        page.click(".cancel-job")
        page.locator(".job-status", has_text="Cancelled.").wait_for()
        assert page.locator(".cancel-job").is_hidden()
    finally:
        live.fake.gate.set()
    job = httpx.get(live.url + "/api/jobs/" + page.url.rsplit("/", 1)[1]).json()
    assert job["status"] == "cancelled"
    assert page.problems == []


def test_history_list_delete_and_compare(page: Any, live: Live) -> None:  # noqa: F811
    keep = live.save(ARTICLE, "Rally speech")
    other = live.save("Everybody knows it. A calm report with nothing else.", "Calm report")
    doomed = live.save("The radical left mob again. Nothing more to say here.", "Doomed piece")
    page.goto(live.url + "/history")
    rows = page.locator(".history-table tbody tr")
    assert rows.count() >= 3
    row = page.locator(f'tr[data-id="{doomed}"]')
    assert "Doomed piece" in row.inner_text() and "Name calling" in row.inner_text()
    delete = row.get_by_role("button", name="Delete Doomed piece")
    delete.click()
    assert delete.inner_text() == "Really delete?"  # no dialog: a second press confirms
    delete.click()
    row.wait_for(state="detached")
    assert httpx.get(f"{live.url}/api/analyses/{doomed}").status_code == 404

    page.fill("#q", "calm")
    page.click("form.search button")
    assert page.locator(".history-table tbody tr").count() == 1
    page.goto(live.url + "/history")
    compare = page.locator(".compare-ticked")
    assert compare.is_disabled()
    page.check(f'input[name=id][value="{keep}"]')
    page.check(f'input[name=id][value="{other}"]')
    compare.click()
    page.wait_for_url(f"**/compare?a={other}&b={keep}")  # newest first, as listed
    assert page.title() == "Compare: Calm report / Rally speech · unspin"
    page.goto(f"{live.url}/a/{keep}")  # "compare with…" from an analysis
    page.select_option("#compare-b", other)
    page.click(".compare-with button")
    page.wait_for_url(f"**/compare?a={keep}&b={other}")
    assert page.problems == []


def test_slider_updates_figures_bars_and_counts(page: Any, live: Live) -> None:  # noqa: F811
    aid = live.save(ARTICLE, "Slider")
    page.goto(f"{live.url}/a/{aid}")
    figures = page.locator(".figures")
    assert figures.locator(".nspans").inner_text() == "5"
    before = figures.locator(".density").inner_text()
    page.locator(".min-score").evaluate(
        "e => { e.value = '0.5'; e.dispatchEvent(new Event('input', {bubbles: true})); }")
    assert figures.locator(".nspans").inner_text() == "3"
    assert figures.locator(".per1k").inner_text() == "130.43"  # 3 spans in 23 words
    assert figures.locator(".density").inner_text() != before
    legend = page.locator('.tech[data-technique="Bandwagon,Reductio_ad_hitlerum"] .count')
    assert legend.inner_text() == "0"
    bar = page.locator('.bars tr[data-technique="Bandwagon,Reductio_ad_hitlerum"]')
    assert bar.locator("rect").get_attribute("width") == "0.0" and bar.locator(".num").inner_text() == "0"
    assert page.locator('.tech[data-technique="Loaded_Language"] .count').inner_text() == "1"
    assert page.locator(".span-item:not([hidden])").count() == 3
    assert page.problems == []


def test_highlights_have_accessible_names_and_tags(page: Any, live: Live) -> None:  # noqa: F811
    aid = live.save(ARTICLE, "Names")
    page.goto(f"{live.url}/a/{aid}")
    text = page.locator(".article")
    mob = text.get_by_role("button", name="radical left mob (Name calling / labeling, 83%)", exact=True)
    assert mob.count() == 1 and mob.get_attribute("data-tag") == "NC"
    nested = text.get_by_role("button", name="disgusting (Exaggeration / minimisation, 42%)", exact=True)
    assert nested.count() == 1
    assert text.get_by_role("button").count() == 5  # one tab stop per span: " betrayal" is none
    mob.hover()
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    assert "radical left mob" in tip.locator("q").inner_text() and "Confidence: 83%" in tip.inner_text()
    page.locator(".span-item", has_text="Everybody knows").locator(".goto").click()  # the side list
    target = on_segment(page, "Everybody knows")
    assert "selected" in target.get_attribute("class").split()
    assert target.evaluate("e => e === document.activeElement")
    assert page.problems == []


def test_phone_shows_the_article_first(browser: Any, live: Live) -> None:  # noqa: F811
    aid = live.save(LONG, "Phone")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    phone.goto(f"{live.url}/a/{aid}")
    box = phone.locator(".article").bounding_box()
    assert box["y"] < 844 * 0.5  # the article starts in the top half of the first screen
    first = phone.locator(".article .hl.on").first.bounding_box()
    assert first["y"] + first["height"] <= 844
    controls = phone.locator(".controls").bounding_box()
    assert controls["y"] > box["y"]
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone.context.close()


def test_review_round_trip_to_training_labels(page: Any, live: Live, tmp_path: Path) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from unspin.cli.main import app as cli
    from unspin.io import ptc

    aid = live.save(ARTICLE, "Reviewed rally")
    model = httpx.get(f"{live.url}/api/analyses/{aid}").json()["spans"]
    page.goto(f"{live.url}/a/{aid}")
    page.fill("#reviewer", "Ana")
    page.locator("#reviewer").dispatch_event("change")
    target = on_segment(page, "Everybody knows")
    target.focus()  # keyboard: select with Enter, reject with r
    page.keyboard.press("Enter")
    assert page.locator(".editor").is_visible()
    url = page.url
    page.keyboard.press("r")  # saved in place: no reload
    page.locator(".span-item.st-rejected", has_text="Everybody knows").wait_for()
    assert page.url == url
    assert "rejected by Ana" in page.locator(".span-item", has_text="Everybody knows").inner_text()
    assert page.locator(".article .hl.on", has_text="Everybody knows").count() == 0
    page.fill("#add-text", "Officials declined")  # add one (typed; a mouse selection fills it too)
    page.select_option("#add-technique", "Doubt")
    page.click(".add-span button")
    added = page.locator(".article").get_by_role("button", name="Officials declined (Doubt, reviewer added)",
                                                 exact=True)
    added.wait_for()
    assert added.count() == 1
    assert "2 corrections by Ana, not marked reviewed yet" in page.locator(".corrections-badge").inner_text()
    page.click(".accept-rest")
    page.locator(".corrections-badge", has_text="6 corrections").wait_for()
    statuses = {s["status"] for s in httpx.get(f"{live.url}/api/analyses/{aid}/review").json()["spans"]}
    assert statuses == {"accepted", "rejected", "added"}
    assert "6 corrections by Ana" in page.locator(".corrections-badge").inner_text()
    url = page.url
    page.click(".mark-reviewed")  # the whole article: in place, no reload
    page.locator(".reviewed-badge").wait_for()
    assert page.url == url and page.locator(".mark-reviewed").get_attribute("aria-pressed") == "true"
    assert page.locator(".reviewed-badge").inner_text().startswith("Reviewed by Ana, ")
    assert "Reviewed by Ana" in page.locator(".mark-status").inner_text()
    page.goto(f"{live.url}/history?reviewed=yes")
    assert page.locator(f'tr[data-id="{aid}"] .badge').inner_text() == "reviewed"
    assert page.problems == []

    out = tmp_path / "ptc"
    result = CliRunner().invoke(cli, ["export-annotations", "--db", live.db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    labels = ptc.read_labels(out / "train-labels-task-flc-tc")
    start = ARTICLE.index("Officials declined")
    expected = sorted([(s["technique"], s["start"], s["end"]) for s in model
                       if not s["text"].startswith("Everybody knows")]
                      + [("Doubt", start, start + len("Officials declined"))])
    mine = sorted((x.technique, x.start, x.end) for x in labels if x.article_id == str(int(aid, 16)))
    assert mine == expected
    [article] = [d for d in ptc.read_articles(out / "train-articles") if d.id == str(int(aid, 16))]
    assert article.text == ARTICLE
