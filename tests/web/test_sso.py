"""SSO through a trusted proxy's header (issue 31), over real HTTP on SQLite and PostgreSQL:
the header from the trusted peer is that identity (made on first sight, role from the
mapping, reader by default); from any other peer it is ignored (401); the server refuses to
start with the header but no trusted proxy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.errors import InputError
from unspin.web import WebSettings, create_app

HEADER = "X-Forwarded-User"


@pytest.fixture
def store(any_url: str) -> Iterator[Any]:
    from unspin.store import Store

    s = Store.open(any_url)
    yield s
    s.close()


def sso_app(fake: FakeAnalyzer, store: Any, proxy: str = "127.0.0.1") -> Any:
    settings = WebSettings(trusted_user_header=HEADER, trusted_proxies=(proxy,),
                           sso_roles=("Boss=admin", "rev@example.com=reviewer"), queue_size=8)
    return create_app(fake, store=store, settings=settings)


def from_address(base: str, address: str) -> httpx.Client:
    """A client whose connections come from `address` (another loopback address than the proxy's)."""
    return httpx.Client(base_url=base, timeout=60, transport=httpx.HTTPTransport(local_address=address))


def test_the_header_from_the_trusted_proxy_is_the_identity(fake: FakeAnalyzer, store: Any) -> None:
    assert store.admin_count() == 0  # the mapping names an admin: the server starts anyway
    app = sso_app(fake, store)
    assert app.state.auth is True  # auth auto: the header turns accounts on, even on loopback
    with serve_in_thread(app) as base, from_address(base, "127.0.0.1") as proxy:
        alice = {HEADER: "alice@example.com"}
        assert proxy.get("/api/analyses").status_code == 401  # no header: nobody
        made = proxy.post("/api/analyze", json={"text": ARTICLE}, headers=alice)
        assert made.status_code == 200, made.text
        aid = made.json()["id"]
        assert proxy.get("/history", headers=alice).status_code == 200
        assert proxy.delete(f"/api/analyses/{aid}", headers=alice).status_code == 403  # a reader
        fix = {"action": "reject", "span": "m0", "reviewer": "somebody else"}
        assert proxy.post(f"/api/analyses/{aid}/review", json=fix, headers=alice).status_code == 403
        rev = proxy.post(f"/api/analyses/{aid}/review", json=fix, headers={HEADER: "REV@example.com"})
        assert rev.status_code == 200 and rev.json()["correction"]["reviewer"] == "rev@example.com"
        boss = {HEADER: "boss"}
        log = proxy.get("/api/audit", params={"user": "sso"}, headers=boss).json()["entries"]
        assert [(e["action"], e["target"], e["detail"]) for e in reversed(log)] == [
            ("user-add", "alice@example.com", {"role": "reader", "via": "sso"}),
            ("user-add", "rev@example.com", {"role": "reviewer", "via": "sso"}),
            ("user-add", "boss", {"role": "admin", "via": "sso"})]
        assert proxy.delete(f"/api/analyses/{aid}", headers=boss).status_code == 200
        assert proxy.get("/api/analyses", headers={HEADER: "not a name!"}).status_code == 401
    roles = {u["name"]: (u["role"], u["password"]) for u in store.list_users()}
    assert roles == {"alice@example.com": ("reader", False), "rev@example.com": ("reviewer", False),
                     "boss": ("admin", False)}
    assert store.audit_log(action="delete")[0]["actor"] == "boss"


def test_the_header_from_any_other_peer_is_ignored(fake: FakeAnalyzer, store: Any) -> None:
    store.add_user("ada", "admin", "admin-pass-1")
    with serve_in_thread(sso_app(fake, store, proxy="127.0.0.2")) as base:
        with from_address(base, "127.0.0.1") as direct:  # a client that reaches unspin directly
            for claimed in ("boss", "ada", "mallory"):
                r = direct.get("/api/analyses", headers={HEADER: claimed})
                assert r.status_code == 401, (claimed, r.text)
            page = direct.get("/history", headers={HEADER: "boss"}, follow_redirects=False)
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
        with from_address(base, "127.0.0.2") as proxy:  # the proxy's own address
            assert proxy.get("/api/analyses", headers={HEADER: "mallory"}).status_code == 200
    assert sorted(u["name"] for u in store.list_users()) == ["ada", "mallory"]


def test_a_mapped_role_follows_the_settings(fake: FakeAnalyzer, store: Any) -> None:
    store.add_user("ada", "admin", "admin-pass-1")
    store.add_user("rev@example.com", "reader")  # known before; the mapping makes it a reviewer
    settings = WebSettings(trusted_user_header=HEADER, trusted_proxies=("127.0.0.0/8",),
                           sso_roles=("rev@example.com=reviewer", "*=reviewer"))
    app = create_app(fake, store=store, settings=settings)
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=60) as proxy:
        aid = proxy.post("/api/analyze", json={"text": ARTICLE}, headers={HEADER: "ada"}).json()["id"]
        fix = {"action": "accept", "span": "m0"}
        for name in ("rev@example.com", "newcomer"):  # mapped, and the default `*=reviewer`
            r = proxy.post(f"/api/analyses/{aid}/review", json=fix, headers={HEADER: name})
            assert r.status_code == 200, (name, r.text)
    assert store.get_user("rev@example.com")["role"] == "reviewer"
    assert store.get_user("newcomer")["role"] == "reviewer"


@pytest.mark.parametrize("values, message", [
    ({"trusted_user_header": HEADER}, "needs trusted_proxies"),
    ({"trusted_user_header": HEADER, "trusted_proxies": ("proxy.example",)}, "not an address"),
    ({"trusted_user_header": HEADER, "trusted_proxies": ("127.0.0.1",), "auth": "off"}, "not auth off"),
    ({"trusted_user_header": "X Forwarded", "trusted_proxies": ("127.0.0.1",)}, "not a header name"),
    ({"trusted_user_header": HEADER, "trusted_proxies": ("127.0.0.1",), "sso_roles": ("bob=owner",)},
     "NAME=ROLE"),
])
def test_bad_sso_settings_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        WebSettings(**values)


def test_serve_refuses_the_header_without_a_trusted_proxy(sqlite_url: str) -> None:
    from unspin.cli.main import app as cli

    result = CliRunner().invoke(cli, ["serve", "--db", sqlite_url, "--trusted-user-header", HEADER])
    assert result.exit_code == 2 and "needs trusted_proxies (--trusted-proxy ADDR" in result.output
    env = {"UNSPIN_WEB_TRUSTED_USER_HEADER": HEADER, "UNSPIN_WEB_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.2",
           "UNSPIN_WEB_SSO_ROLES": "boss=admin"}
    settings = WebSettings.from_env(env)
    assert settings.trusted_proxies == ("10.0.0.1", "10.0.0.2") and settings.sso_admins()
