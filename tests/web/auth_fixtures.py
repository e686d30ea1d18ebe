"""An app with accounts on over a real store (SQLite or PostgreSQL) with one user per role,
and helpers to log in and make clients."""

from __future__ import annotations

from typing import Any

import httpx

from unspin.web import WebSettings, create_app

PASSWORDS = {"ada": "admin-pass-1", "rev": "reviewer-pass-1", "rea": "reader-pass-1"}
ROLES = {"ada": "admin", "rev": "reviewer", "rea": "reader"}


def accounts_store(url: str) -> Any:
    from unspin.store import Store

    store = Store.open(url)
    for name, role in ROLES.items():
        store.add_user(name, role, PASSWORDS[name])
    return store


def auth_app(fake: Any, store: Any, **values: Any) -> Any:
    settings = WebSettings(max_body_bytes=64 * 1024, queue_size=4, auth="on", **values)
    return create_app(fake, store=store, settings=settings)


def client(app: Any, address: str = "10.1.2.3") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def log_in(c: httpx.AsyncClient, name: str, password: str | None = None) -> httpx.Response:
    return await c.post("/login", data={"name": name, "password": password or PASSWORDS[name.lower()],
                                        "next": "/history"})
