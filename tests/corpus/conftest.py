"""Store fixtures (SQLite and PostgreSQL; see store_fixtures.py) and the local feed site (feed_server.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))
sys.path.insert(0, str(Path(__file__).parent))

import feed_server
from store_fixtures import any_url, pg_url, sqlite_url, store  # noqa: F401


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd, base = feed_server.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base(site: str) -> str:
    feed_server.reset(site)
    return site
