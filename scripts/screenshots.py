"""Retake the screenshots in README.md and docs/web.md (docs/screenshots/*.png).

Serves the web app on the shipped `fast` tier with a fresh SQLite store on 127.0.0.1, and
drives Debian's Chromium through Playwright: the example article analyzed on a desktop
and on a 390 px phone, and the history page with that analysis reviewed.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--model fast]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("UNSPIN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-dev-shm-usage", "--font-render-hinting=none"]


@contextmanager
def served(model: str, db: Path) -> Iterator[str]:
    """The app on `model` and a SQLite store at `db`, on a free loopback port."""
    import uvicorn

    import unspin
    from unspin.web import WebSettings, create_app

    app = create_app(unspin.load(model), settings=WebSettings(db=f"sqlite:///{db}", auth="off"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def take(base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        desktop = browser.new_context(viewport={"width": 1366, "height": 900}, device_scale_factor=1)
        page = desktop.new_page()
        page.set_default_timeout(120_000)
        page.goto(base + "/?example=1")
        page.click("form button[type=submit]")
        page.wait_for_url("**/a/*")
        page.wait_for_selector(".article .hl")
        analysis = page.url
        page.locator(".article .hl").first.hover()
        shots.append(out / "analysis-desktop.png")
        page.screenshot(path=str(shots[-1]))
        page.goto(base + "/history")
        page.wait_for_selector("main")
        shots.append(out / "history-desktop.png")
        page.screenshot(path=str(shots[-1]))
        desktop.close()
        phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                    is_mobile=True, has_touch=True)
        page = phone.new_page()
        page.set_default_timeout(60_000)
        page.goto(analysis)
        page.wait_for_selector(".article .hl")
        shots.append(out / "analysis-phone.png")
        page.screenshot(path=str(shots[-1]))
        phone.close()
        browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--model", default="fast")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, served(args.model, Path(tmp) / "shots.db") as base:
        for path in take(base, args.out):
            print(path)


if __name__ == "__main__":
    main()
