"""Admins manage accounts over the API with accounts on (each change in the audit log);
nobody can with accounts off; SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from auth_fixtures import accounts_store, auth_app, client, log_in
from fastapi.testclient import TestClient
from web_fakes import FakeAnalyzer

from unspin.web import WebSettings, create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def store(any_url: str) -> Any:
    s = accounts_store(any_url)
    yield s
    s.close()


async def test_admins_manage_users(fake: FakeAnalyzer, store: Any) -> None:
    app = auth_app(fake, store)
    async with client(app) as ada, client(app) as rev, client(app) as new:
        await log_in(ada, "ada")
        await log_in(rev, "rev")
        refused = await rev.post("/api/users", json={"name": "x", "password": "password1"})
        assert refused.status_code == 403
        zoe = {"name": "Zoe", "role": "reviewer", "password": "zoe-pass-1"}
        made = await ada.post("/api/users", json=zoe)
        assert made.status_code == 201 and made.json()["user"]["name"] == "zoe"
        again = await ada.post("/api/users", json={"name": "zoe", "password": "zoe-pass-2"})
        assert again.status_code == 400 and "already exists" in again.json()["error"]
        short = await ada.post("/api/users", json={"name": "yan", "password": "short"})
        assert short.status_code == 422 and "password" in short.json()["error"]
        assert (await ada.post("/api/users", json={"name": "q", "role": "owner", "password": "password1"})
                ).status_code == 422
        assert (await log_in(new, "zoe", "zoe-pass-1")).status_code == 303
        role = await ada.post("/api/users/zoe/role", json={"role": "reader"})
        assert role.json()["user"]["role"] == "reader"
        assert (await new.get("/api/me")).json()["user"]["role"] == "reader"  # at once
        last = await ada.post("/api/users/ada/role", json={"role": "reader"})
        assert last.status_code == 400 and "only admin" in last.json()["error"]
        token = (await ada.post("/api/users/zoe/token")).json()["token"]
        assert (await new.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
        assert (await ada.delete("/api/users/zoe/tokens")).json()["revoked"] == 1
        assert (await new.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
        assert (await ada.post("/api/users/zoe/password", json={"password": "zoe-pass-2"})).status_code == 200
        assert (await new.get("/api/me")).status_code == 401  # the old session ended
        assert (await ada.delete("/api/users/zoe")).json()["removed"] == "zoe"
        assert (await log_in(new, "zoe", "zoe-pass-2")).status_code == 401
        log = (await ada.get("/api/audit")).json()["entries"]
        assert [(e["actor"], e["action"], e["target"]) for e in log] == [
            ("ada", "user-remove", "zoe"), ("ada", "user-password", "zoe"), ("ada", "token-revoke", "zoe"),
            ("ada", "token-add", "zoe"), ("ada", "user-role", "zoe"), ("ada", "user-add", "zoe")]


def test_nobody_manages_users_over_http_with_accounts_off(fake: FakeAnalyzer, store: Any) -> None:
    with TestClient(create_app(fake, store=store, settings=WebSettings(auth="off"))) as c:
        r = c.post("/api/users", json={"name": "mallory", "role": "admin", "password": "password1"})
        assert r.status_code == 403 and "unspin users" in r.json()["error"]
        assert c.get("/api/audit").status_code == 403
    assert store.get_user("mallory") is None
