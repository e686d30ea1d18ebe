"""Accounts on (`--auth on`): anonymous requests get 401 or the login page, roles get 403,
logins are rate limited, sessions and tokens work and stop working, and the server refuses
to start without an admin; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from auth_fixtures import PASSWORDS, accounts_store, auth_app, client, log_in
from typer.testing import CliRunner
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.errors import InputError
from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def store(any_url: str) -> Any:
    s = accounts_store(any_url)
    yield s
    s.close()


@pytest.fixture
def app(fake: FakeAnalyzer, store: Any) -> Any:
    return auth_app(fake, store)


def routes(app: Any) -> list[tuple[str, str]]:
    """(method, path with every parameter filled) of every route the app serves."""
    found = []

    def walk(items: Any) -> None:
        for r in items:
            if hasattr(r, "original_router"):
                walk(r.original_router.routes)
            elif hasattr(r, "path") and getattr(r, "methods", None):
                path = re.sub(r"\{[^}]+\}", "x1", r.path)
                found.extend((m, path) for m in sorted(r.methods) if m != "HEAD")
    walk(app.routes)
    return found


async def test_anonymous_requests_are_refused_everywhere_but_login_health_and_static(app: Any) -> None:
    listed = routes(app)
    assert len(listed) > 40 and ("DELETE", "/api/analyses/x1") in listed
    public = {("GET", "/login"), ("POST", "/login"), ("GET", "/api/health"), ("GET", "/techniques.css")}
    async with client(app) as c:
        for method, path in listed:
            r = await c.request(method, path)
            if (method, path) in public:
                assert r.status_code in (200, 401, 422), (method, path, r.status_code)
                continue
            if path.startswith("/api/") or path.endswith((".json", ".jsonl", ".txt")):
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.json()["status"] == 401 and r.headers["www-authenticate"].startswith("Bearer")
            else:
                assert r.status_code == 303, (method, path, r.status_code)
                assert r.headers["location"].startswith("/login?next=")
        assert (await c.get("/static/app.css")).status_code == 200
        assert (await c.get("/api/health")).json()["ok"] is True
        r = await c.get("/history?q=a%20b")
        assert r.headers["location"] == "/login?next=%2Fhistory%3Fq%3Da%2520b"


async def test_login_sets_a_session_cookie_and_logout_ends_it(app: Any) -> None:
    async with client(app) as c:
        page = await c.get("/login?next=/history")
        assert page.status_code == 200
        assert 'name="password"' in page.text and 'value="/history"' in page.text
        assert 'autocomplete="current-password"' in page.text and "<label for=\"login-name\">" in page.text
        wrong = await log_in(c, "rea", "not-the-password")
        assert wrong.status_code == 401 and "Wrong name or password" in wrong.text
        assert "set-cookie" not in wrong.headers
        ok = await log_in(c, "REA")
        assert ok.status_code == 303 and ok.headers["location"] == "/history"
        cookie = ok.headers["set-cookie"]
        assert cookie.startswith("unspin_session=") and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie and "Secure" not in cookie and "Max-Age=43200" in cookie
        secret = c.cookies["unspin_session"]
        history = await c.get("/history")
        assert history.status_code == 200 and "rea" in history.text and 'action="/logout"' in history.text
        assert (await c.get("/api/me")).json()["user"] == {"name": "rea", "role": "reader"}
        out = await c.post("/logout")
        assert out.status_code == 303 and out.headers["location"] == "/login"
    async with client(app) as again:  # the old cookie replayed: the session is gone
        again.cookies.set("unspin_session", secret)
        assert (await again.get("/api/me")).status_code == 401


async def test_login_goes_only_to_paths_on_this_site(app: Any) -> None:
    async with client(app) as c:
        for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
            r = await c.post("/login", data={"name": "rea", "password": PASSWORDS["rea"], "next": target})
            assert r.status_code == 303 and r.headers["location"] == "/", target


async def test_failed_logins_are_rate_limited_per_name_and_address(app: Any) -> None:
    async with client(app, "10.9.9.9") as c:
        for _ in range(5):
            assert (await log_in(c, "rev", "guess-guess")).status_code == 401
        blocked = await log_in(c, "rev")  # even the right password waits
        assert blocked.status_code == 429
        assert 1 <= int(blocked.headers["retry-after"]) <= 301
        assert "Too many failed logins" in blocked.text
        assert (await log_in(c, "rea")).status_code == 303  # another name from this address
    async with client(app, "10.8.8.8") as other:  # the same name from another address
        assert (await log_in(other, "rev")).status_code == 303


ROLE_CASES = [  # (method, path, body): what needs which role
    ("POST", "/api/analyses/{id}/review", {"action": "accept", "span": "m0"}),
    ("POST", "/api/analyses/{id}/reviewed", {"reviewed": True}),
    ("GET", "/history/export.jsonl", None),
    ("GET", "/api/audit", None),
    ("GET", "/api/users", None),
    ("DELETE", "/api/analyses/{id}", None),
]
NEEDS = {"/api/analyses/{id}/review": "reviewer", "/api/analyses/{id}/reviewed": "reviewer"}


async def test_roles(app: Any) -> None:
    clients = {}
    for name in ("rea", "rev", "ada"):
        clients[name] = client(app)
        assert (await log_in(clients[name], name)).status_code == 303
    try:
        rea, rev, ada = clients["rea"], clients["rev"], clients["ada"]
        made = await rea.post("/api/analyze", json={"text": ARTICLE})  # readers analyze
        assert made.status_code == 200
        aid = made.json()["id"]
        assert (await rea.get(f"/api/analyses/{aid}")).status_code == 200
        assert (await rea.get("/history")).status_code == 200
        assert (await rea.get(f"/api/analyses/{aid}/review")).status_code == 200
        assert "review-tools" not in (await rea.get(f"/a/{aid}")).text  # nothing a reader may not use
        assert "review-tools" in (await rev.get(f"/a/{aid}")).text
        assert "delete-one" not in (await rev.get("/history")).text  # buttons only for who may
        assert "delete-one" in (await ada.get("/history")).text
        for method, path, body in ROLE_CASES:
            url = path.format(id=aid)
            r = await rea.request(method, url, json=body)
            assert r.status_code == 403, (url, r.status_code)
            assert "reader" in r.json()["error"]
            r = await rev.request(method, url, json=body)
            assert r.status_code == (200 if NEEDS.get(path) == "reviewer" else 403), (url, r.status_code)
        forms = await rev.post("/history/delete", data={"id": aid})
        assert forms.status_code == 403
        assert (await ada.get("/api/audit")).status_code == 200
        assert [u["name"] for u in (await ada.get("/api/users")).json()["users"]] == ["ada", "rea", "rev"]
        export = await ada.get("/history/export.jsonl")
        assert export.status_code == 200 and aid in export.text
        assert (await ada.delete(f"/api/analyses/{aid}")).status_code == 200
        assert (await rea.get(f"/api/analyses/{aid}")).status_code == 404
    finally:
        for c in clients.values():
            await c.aclose()


async def test_api_tokens_and_revocation(app: Any, store: Any) -> None:
    token = store.new_credential("rev", "token")
    async with client(app) as c:
        me = await c.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["user"] == {"name": "rev", "role": "reviewer"}
        bad = await c.get("/api/me", headers={"Authorization": "Bearer unspin_forged"})
        assert bad.status_code == 401 and "not valid" in bad.json()["error"]
        assert (await c.get("/api/me", headers={"Authorization": "Basic cmV2OnB3"})).status_code == 401
        assert (await c.get("/api/health", headers={"Authorization": "Bearer nope"})).status_code == 401
        store.revoke_tokens("rev")
        gone = await c.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 401
        store.new_credential("rea", "token")
        store.set_role("rea", "reviewer")  # a role change applies on the next request
    store.remove_user("rev")
    assert store.user_for(token, "token") is None


async def test_csrf_and_host_checks_stay_with_a_session(app: Any) -> None:
    async with client(app) as c:
        await log_in(c, "ada")
        cross = await c.post("/history/delete", data={"id": "x"}, headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403 and "Cross-site" in cross.json()["error"]
        host = await c.get("/history", headers={"Host": "evil.example"})
        assert host.status_code == 400
        login_cross = await c.post("/login", data={"name": "ada", "password": PASSWORDS["ada"]},
                                   headers={"Origin": "https://evil.example"})
        assert login_cross.status_code == 403


async def test_secure_cookies(fake: FakeAnalyzer, store: Any) -> None:
    async with client(auth_app(fake, store, secure_cookies=True)) as c:
        assert "Secure" in (await log_in(c, "rea")).headers["set-cookie"]


def test_auto_is_on_beyond_loopback_and_refuses_without_an_admin(fake: FakeAnalyzer, sqlite_url: str) -> None:
    assert WebSettings(host="0.0.0.0").auth_on() and WebSettings(host="192.168.1.5").auth_on()
    assert not WebSettings(host="127.0.0.1").auth_on() and not WebSettings(host="::1").auth_on()
    assert not WebSettings(host="0.0.0.0", auth="off").auth_on() and WebSettings(auth="on").auth_on()
    with pytest.raises(InputError, match="on, off or auto"):
        WebSettings(auth="maybe")
    with pytest.raises(InputError, match="not --memory"):
        create_app(fake, store=MemoryStore(), settings=WebSettings(host="0.0.0.0"))
    from unspin.store import Store

    with Store.open(sqlite_url) as empty:
        with pytest.raises(InputError, match=r"no admin exists yet: add one with `unspin users add NAME"):
            create_app(fake, store=empty, settings=WebSettings(host="0.0.0.0"))
        empty.add_user("someone", "reader", "password1")
        with pytest.raises(InputError, match="no admin"):
            create_app(fake, store=empty, settings=WebSettings(auth="on"))
        empty.add_user("boss", "admin", "password1")
        assert create_app(fake, store=empty, settings=WebSettings(host="0.0.0.0")).state.auth is True


def test_serve_refuses_to_start_without_an_admin(sqlite_url: str) -> None:
    from unspin.cli.main import app as cli

    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--db", sqlite_url, "--processes", "2"])
    assert result.exit_code == 2
    assert "no admin exists yet" in result.output and "unspin users add NAME --role admin" in result.output


def test_over_real_http(fake: FakeAnalyzer, store: Any) -> None:
    token = store.new_credential("rea", "token")
    with serve_in_thread(auth_app(fake, store)) as base:
        assert httpx.get(f"{base}/api/analyses").status_code == 401
        page = httpx.get(f"{base}/history", follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fhistory"
        auth = {"Authorization": f"Bearer {token}"}
        made = httpx.post(f"{base}/api/analyze", json={"text": ARTICLE}, headers=auth)
        assert made.status_code == 200
        denied = httpx.delete(f"{base}/api/analyses/{made.json()['id']}", headers=auth)
        assert denied.status_code == 403
        with httpx.Client(base_url=base) as browser:
            r = browser.post("/login", data={"name": "ada", "password": PASSWORDS["ada"], "next": "/history"})
            assert r.status_code == 303 and browser.get("/history").status_code == 200
            assert browser.delete(f"/api/analyses/{made.json()['id']}").status_code == 200
