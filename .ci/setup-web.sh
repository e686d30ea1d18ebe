#!/usr/bin/env bash
# What the web tests need: Debian's Chromium for the Playwright browser tests
# (tests/web/test_browser.py points Playwright at /usr/bin/chromium; no browser is downloaded)
# and the web extra in the venv. Run as root; safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y chromium
fi
/usr/bin/chromium --version || true

# Normally already installed with all extras; make sure the web ones are there.
if ! .venv/bin/python -c "import fastapi, uvicorn, jinja2, multipart, playwright, lxml_html_clean" 2>/dev/null; then
    .venv/bin/pip install -e ".[web]"
fi
# Never let Playwright fetch its own browsers.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
