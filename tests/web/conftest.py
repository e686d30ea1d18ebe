"""Web fixtures: the fake analyzer (see web_fakes.py), an app around it with an in-memory
store, and in-process clients."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

sys.path.insert(0, str(Path(__file__).parent))

from web_fakes import FakeAnalyzer


@pytest.fixture
def fake() -> FakeAnalyzer:
    return FakeAnalyzer()


@pytest.fixture
def settings() -> WebSettings:
    return WebSettings(max_body_bytes=64 * 1024, queue_size=4)


@pytest.fixture
def app(fake: FakeAnalyzer, settings: WebSettings) -> Any:
    return create_app(fake, store=MemoryStore(), settings=settings)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app), \
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c  # the lifespan's end stops the job dispatcher, so no test's loop keeps it running


@pytest.fixture
def sync_client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


sys.path.insert(0, str(Path(__file__).parents[1] / "store"))

from store_fixtures import any_url, pg_url, sqlite_url  # noqa: E402, F401
