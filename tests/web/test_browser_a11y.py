"""axe-core (vendored, tests/web/vendor) finds no violation on any page: home, analyses
(short, nested, 15,000 words), history, compare, dashboard and the API docs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import ARTICLE, CHROMIUM, browser  # noqa: F401 - fixtures

from unspin.web import WebSettings, create_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # axe-core 4.14.1
LONG = "\n\n".join(ARTICLE + " The committee met on Tuesday and adjourned without a vote on the budget." * 7
                   for _ in range(130))  # 14,820 words


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    pytest.importorskip("sqlalchemy")
    from web_fakes import FakeAnalyzer, serve_in_thread

    db = str(tmp_path_factory.mktemp("a11y") / "a11y.db")
    with serve_in_thread(create_app(FakeAnalyzer(), settings=WebSettings(db=db))) as url:
        ids = {}
        for name, text in (("short", "Everybody knows the truth about them. Officials declined to comment."),
                           ("nested", ARTICLE), ("long", LONG)):
            if name == "long":
                r = httpx.post(url + "/api/jobs", json={"text": text, "title": "Long"})
                assert r.status_code == 202, r.text
                job = r.headers["location"]
                for _ in range(600):
                    body = httpx.get(url + job).json()
                    if body["status"] == "done":
                        break
                    __import__("time").sleep(0.1)
                ids[name] = body["ids"][0] if "ids" in body else body["links"]["result"].rsplit("/", 1)[1]
            else:
                ids[name] = httpx.post(url + "/api/analyze", json={"text": text, "title": name}).json()["id"]
            assert httpx.post(f"{url}/api/analyses/{ids[name]}/corpus").json()["ok"]
        # a reviewer's span around the whole article: its later pieces lie past the 120 characters
        # an accessible name quotes, and nested spans cut it into many pieces
        r = httpx.post(f"{url}/api/analyses/{ids['nested']}/review",
                       json={"action": "add", "start": 0, "end": len(ARTICLE), "technique": "Doubt",
                             "reviewer": "Ana"})
        assert r.status_code == 200, r.text
        mark = httpx.post(f"{url}/api/analyses/{ids['nested']}/reviewed", json={"reviewer": "Ana"})
        assert mark.json()["ok"]  # the agreement table shows on the history page
        yield {"url": url, **ids}


def violations(page: Any) -> list[tuple[str, str, int]]:
    """axe's violations on the page: (rule, impact, nodes), with every default rule and the
    experimental `label-content-name-mismatch` (the name a speech user says must match)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""axe.run(document, {rules: {"label-content-name-mismatch": {enabled: true}}})
        .then(r => r.violations.map(v => [v.id, v.impact, v.nodes.length]))""")
    return [tuple(v) for v in found]


def test_the_vendored_axe_is_the_pinned_one() -> None:
    assert len(LONG.split()) == 14_820
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


@pytest.mark.parametrize("width", [1366, 390])
def test_no_axe_violations(browser: Any, live: dict[str, str], width: int) -> None:  # noqa: F811
    url = live["url"]
    pages = ["/", f"/a/{live['short']}", f"/a/{live['nested']}", f"/a/{live['long']}", "/history",
             "/compare", f"/compare?a={live['short']}&b={live['nested']}", "/corpus",
             "/corpus/documents?focus=Loaded_Language", "/techniques", "/docs"]
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        found = {}
        for path in pages:
            page.goto(url + path)
            if path == "/corpus":
                page.wait_for_selector(".chart canvas")
            bad = violations(page)
            if bad:
                found[path] = bad
        assert found == {}
    finally:
        context.close()


def test_no_axe_violations_while_reviewing(browser: Any, live: dict[str, str]) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live['url']}/a/{live['nested']}")
        page.locator(".article .hl[tabindex='0']").first.click()  # the review controls open
        assert page.locator(".editor").is_visible()
        assert violations(page) == []
    finally:
        context.close()
