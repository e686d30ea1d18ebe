"""Adapting from the page and choosing models, in Chromium: the analyze form's model picker
(through the job the page script starts), the history page's "Adapt the model" form with its
progress page, and a reviewer adding a technique outside the list without a reload."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import ARTICLE, CHROMIUM, browser, page  # noqa: F401 - fixtures

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def live(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from web_fakes import FakeAnalyzer, serve_in_thread

    home = tmp_path_factory.mktemp("home")
    shutil.copytree(tiny_model_dir, home / "models" / "tiny")
    before = os.environ.get("UNSPIN_HOME")
    os.environ["UNSPIN_HOME"] = str(home)  # the app takes its models folder when created
    try:
        app = create_app(FakeAnalyzer(), store=MemoryStore(), settings=WebSettings())
    finally:
        os.environ.pop("UNSPIN_HOME") if before is None else os.environ.update(UNSPIN_HOME=before)
    app.state.adapter.options = {"epochs": 1, "replay": 0.0, "batch_size": 2, "held_out": 0.5}
    with serve_in_thread(app) as url:
        yield url


def test_the_model_picker_goes_through_the_job(page: Any, live: str) -> None:  # noqa: F811
    page.goto(live + "/")
    assert page.locator("#model option:checked").inner_text() == "fake-rules (default)"
    page.fill("#text", ARTICLE)
    page.select_option("#model", "tiny")
    page.click("button[type=submit]")
    page.wait_for_url("**/a/*")
    assert "model tiny-random" in page.locator(".model").first.inner_text()
    assert page.problems == []


def test_adapt_from_the_history_page(page: Any, live: str) -> None:  # noqa: F811
    for n in range(2):
        aid = httpx.post(live + "/api/analyze", json={"text": f"{ARTICLE} Part {n}."}).json()["id"]
        httpx.post(f"{live}/api/analyses/{aid}/reviewed", json={"reviewer": "Ana"}).raise_for_status()
    page.goto(live + "/history")
    page.select_option("#adapt-from", "tiny")
    page.focus("#adapt-heads")  # the keyboard picks "the heads only"
    page.keyboard.press("ArrowDown")
    assert page.input_value("#adapt-heads") == "true"
    page.click("text=Adapt the model >> xpath=self::button")
    page.wait_for_url("**/jobs/*")
    heading = page.locator("h1").inner_text()
    assert heading.startswith(("Adapting:", "Done:")) and "(heads only)" in heading
    page.wait_for_url("**/?model=tiny-adapted-*", timeout=120_000)  # done: the form, the model picked
    name = page.url.split("model=")[1]
    assert page.locator("#model option:checked").get_attribute("value") == name
    listed = [m["name"] for m in httpx.get(live + "/api/models").json()["models"]]
    assert name in listed
    assert page.problems == []


def test_a_reviewer_adds_a_technique_in_place(page: Any, live: str) -> None:  # noqa: F811
    aid = httpx.post(live + "/api/analyze", json={"text": ARTICLE, "title": "Review"}).json()["id"]
    page.goto(f"{live}/a/{aid}")
    page.fill("#reviewer", "Ana")
    page.locator("#reviewer").dispatch_event("change")
    page.evaluate("window.stillHere = true")
    page.click(".new-technique summary")
    page.fill("#new-technique-name", "Smear drive")
    page.fill("#new-technique-definition", "Attacks a person's reputation instead of their argument.")
    page.fill("#add-text", "Officials declined")
    page.click(".add-span button")
    page.locator(".span-item.st-added").wait_for()
    assert "Saved: add." in page.locator(".review-status").inner_text()
    assert page.locator("#relabel option[value='Smear drive']").count() == 1
    assert page.locator("#add-technique option[value='Smear drive']").count() == 1
    assert page.input_value("#new-technique-name") == ""
    state = httpx.get(f"{live}/api/analyses/{aid}/review").json()
    assert [s["technique"] for s in state["spans"] if s["status"] == "added"] == ["Smear drive"]
    assert state["techniques"][-1]["name"] == "Smear drive"
    assert page.evaluate("window.stillHere") is True
    assert page.problems == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_new_controls_pass_axe_and_fit_a_phone(browser: Any, live: str, width: int) -> None:  # noqa: F811
    from test_browser_a11y import violations

    for n in range(2):
        aid = httpx.post(live + "/api/analyze", json={"text": f"{ARTICLE} Axe {n}."}).json()["id"]
        httpx.post(f"{live}/api/analyses/{aid}/reviewed", json={"reviewer": "Ana"}).raise_for_status()
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    pg = context.new_page()
    try:
        found = {}
        for path in ("/", "/history", f"/a/{aid}"):
            pg.goto(live + path)
            if path.startswith("/a/"):
                pg.click(".new-technique summary")
            assert pg.evaluate("document.documentElement.scrollWidth") <= width, path
            if bad := violations(pg):
                found[path] = bad
        assert pg.goto(live + "/history") and pg.locator(".adapt-form").count() == 1
        assert found == {}
    finally:
        context.close()
