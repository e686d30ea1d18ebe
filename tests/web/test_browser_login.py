"""The login page in Chromium with accounts on: reached by redirect, used from the keyboard
alone, no axe violation and no sideways scroll at 390 px or on a desktop, logout works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth_fixtures import PASSWORDS, accounts_store, auth_app
from test_browser import CHROMIUM, browser  # noqa: F401 - fixtures
from test_browser_a11y import violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("sqlalchemy")
    from web_fakes import FakeAnalyzer, serve_in_thread

    store = accounts_store(f"sqlite:///{tmp_path_factory.mktemp('login') / 'login.db'}")
    with serve_in_thread(auth_app(FakeAnalyzer(), store)) as url:
        yield url
    store.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_log_in_and_out_from_the_keyboard(browser: Any, live: str, width: int) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(live + "/history")
        assert page.url == live + "/login?next=%2Fhistory"
        assert violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.evaluate("document.activeElement.id") == "login-name"
        page.keyboard.type("rea")
        page.keyboard.press("Tab")
        page.keyboard.type("wrong-password")
        page.keyboard.press("Enter")
        page.wait_for_selector("#login-error")
        assert page.locator("#login-error").inner_text() == "Wrong name or password."
        assert page.locator("#login-name").get_attribute("aria-invalid") == "true"
        assert violations(page) == []
        page.locator("#login-password").focus()
        page.keyboard.type(PASSWORDS["rea"])
        page.keyboard.press("Enter")
        page.wait_for_url(live + "/history")
        who = page.locator("form.who")
        assert "rea" in who.inner_text() and "(reader)" in who.inner_text()
        assert violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        who.locator("button").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(live + "/login")
        page.goto(live + "/history")
        assert page.url.startswith(live + "/login?next=")
    finally:
        context.close()
