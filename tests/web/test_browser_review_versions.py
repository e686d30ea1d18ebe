"""Two reviewers on one span in Chromium (issue 31): the page sends the span's version and,
when someone else changed the span meanwhile, shows the span as it is now instead of
overwriting it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import CHROMIUM, browser, on_segment, page  # noqa: F401 - fixtures
from test_browser_review import live, open_review, spans  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def test_a_span_changed_meanwhile_is_shown_as_it_is_now(page: Any, live: str) -> None:  # noqa: F811
    aid = open_review(page, live)
    mob = next(s for s in spans(live, aid) if s["text"] == "radical left mob")
    other = httpx.post(f"{live}/api/analyses/{aid}/review", headers={"If-Match": "0"},
                       json={"action": "reject", "span": mob["key"], "reviewer": "Bo"})
    assert other.status_code == 200  # Bo rejects it; Ana's page still shows the model's span
    assert "st-rejected" not in (page.locator(".span-item").first.get_attribute("class") or "")
    on_segment(page, "radical left mob").focus()
    page.keyboard.press("a")  # Ana accepts what she sees
    status = page.locator(".review-status")
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(status).to_contain_text("Someone else changed this span meanwhile (now rejected by Bo)")
    page.locator(".span-item.st-rejected").wait_for()  # the page shows Bo's version now
    assert page.evaluate("window.stillHere") is True
    log = httpx.get(f"{live}/api/analyses/{aid}/review").json()["corrections"]
    assert [(c["action"], c["reviewer"]) for c in log] == [("reject", "Bo")]  # nothing overwritten
    # the current version now travels with the span: Ana's second try goes through
    page.locator(".span-item.st-rejected .goto").first.focus()
    page.keyboard.press("a")
    page.locator(".span-item.st-accepted").wait_for()
    log = httpx.get(f"{live}/api/analyses/{aid}/review").json()["corrections"]
    assert [(c["action"], c["reviewer"]) for c in log] == [("reject", "Bo"), ("accept", "Ana")]
    # the browser itself logs the refused request; the page script logs no error of its own
    assert page.problems == ["Failed to load resource: the server responded with a status of 409 (Conflict)"]


def test_accept_all_leaves_a_span_changed_meanwhile_as_it_is_now(page: Any, live: str) -> None:  # noqa: F811
    aid = open_review(page, live)
    todo = spans(live, aid)
    taken = todo[0]
    assert httpx.post(f"{live}/api/analyses/{aid}/review", headers={"If-Match": "0"},
                      json={"action": "reject", "span": taken["key"], "reviewer": "Bo"}).status_code == 200
    page.click(".accept-rest")
    status = page.locator(".review-status")
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(status).to_contain_text(f"Accepted {len(todo) - 1} spans. Left 1 changed by someone else "
                                   "meanwhile as they are now.")
    now = {s["key"]: (s["status"], s["reviewer"]) for s in spans(live, aid)}
    assert now[taken["key"]] == ("rejected", "Bo")
    assert all(v == ("accepted", "Ana") for k, v in now.items() if k != taken["key"])
