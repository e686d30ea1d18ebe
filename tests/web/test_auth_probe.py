"""Issue 31's hostile probe, rerun as tests over real HTTP (uvicorn on 127.0.0.1, accounts on,
SQLite and PostgreSQL), for what tests/web/test_auth*.py do not already cover: raw paths that
try to slip past the login gate, a reader (by session and by token) refused every reviewer and
admin route with nothing changed, cross-site requests riding an admin session, the login limit
under forged forwarding headers and other spellings of a name, session fixation, a forged
SSO header, and a job URL aimed at the server itself."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from auth_fixtures import PASSWORDS, accounts_store, auth_app
from web_fakes import ARTICLE, FakeAnalyzer


@pytest.fixture
def store(any_url: str) -> Iterator[Any]:
    s = accounts_store(any_url)
    yield s
    s.close()


@pytest.fixture
def base(fake: FakeAnalyzer, store: Any) -> Iterator[str]:
    """The app served as `unspin serve` serves it: uvicorn trusting no forwarding headers."""
    import uvicorn

    config = uvicorn.Config(auth_app(fake, store), host="127.0.0.1", port=0, log_level="warning",
                            proxy_headers=False, server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


def logged_in(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30, headers={"Origin": base})
    assert c.post("/login", data={"name": name, "password": PASSWORDS[name], "next": "/"}).status_code == 303
    return c


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """GET `path` exactly as written (no client normalises it)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


RAW = ["/static/../api/analyses", "/static/%2e%2e/api/analyses", "/static/..%2fapi/analyses",
       "//api/analyses", "/api/health/../analyses", "/login/../api/analyses", "/API/analyses",
       "/api/analyses/",
       "/techniques.css/../api/analyses", "/login%2f..%2fapi%2fanalyses", "/static/%2e%2e/%2e%2e/unspin.db",
       "/static//etc/passwd", "/api/analyses%00", "/login;/../api/analyses"]


def test_raw_paths_do_not_slip_past_the_login_gate(base: str, store: Any) -> None:
    from unspin.doc import Analysis, Document, Span

    doc = Document(ARTICLE)
    store.save_analysis(Analysis(doc, (Span(doc, 4, 21, "Name_Calling,Labeling", 0.8),), "m"))
    for path in RAW:
        status, body = raw_get(base, path)
        assert status in (400, 401, 404) or (status in (303, 307) and b"items" not in body), (path, status)
        assert b"radical left mob" not in body and b'"items"' not in body and b"root:" not in body, path
    assert raw_get(base, "/api/analyses")[0] == 401


def reader_routes(aid: str) -> list[tuple[str, str, Any]]:
    """Every route a reader may not use: (method, path, JSON body)."""
    return [("DELETE", f"/api/analyses/{aid}", None),
            ("POST", f"/api/analyses/{aid}/review", {"action": "reject", "span": "m0"}),
            ("POST", f"/api/analyses/{aid}/reviewed", {"reviewed": True}),
            ("POST", f"/api/analyses/{aid}/corpus", None),
            ("GET", "/history/export.jsonl", None), ("GET", f"/history/export.jsonl?id={aid}", None),
            ("GET", "/api/users", None),
            ("POST", "/api/users", {"name": "mallory", "role": "admin", "password": "mallory-pass-1"}),
            ("POST", "/api/users/rea/role", {"role": "admin"}),
            ("POST", "/api/users/ada/password", {"password": "hijacked-pass-1"}),
            ("POST", "/api/users/ada/token", None), ("DELETE", "/api/users/ada", None),
            ("DELETE", "/api/users/ada/tokens", None), ("GET", "/api/audit", None)]


def test_a_reader_is_refused_every_reviewer_and_admin_route(base: str, store: Any) -> None:
    token = store.new_credential("rea", "token")
    ada_token = store.new_credential("ada", "token")
    rea = logged_in(base, "rea")
    try:
        aid = rea.post("/api/analyze", json={"text": ARTICLE}).json()["id"]  # readers analyze
        bearer = httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"})
        with bearer:
            for method, path, body in reader_routes(aid):
                for who in (rea, bearer):
                    r = who.request(method, path, json=body)
                    assert r.status_code == 403, (method, path, r.status_code)
                    assert "reader" in r.json()["error"], (method, path)
            assert rea.post("/history/delete", data={"id": aid}).status_code == 403
            assert bearer.get(f"/api/analyses/{aid}").status_code == 200  # reading is a reader's right
    finally:
        rea.close()
    assert store.get_analysis(aid) is not None and store.corrections(aid) == []
    assert store.review_mark(aid) is None
    assert [u["name"] for u in store.list_users()] == ["ada", "rea", "rev"]
    assert store.get_user("rea")["role"] == "reader" and store.check_password("ada", PASSWORDS["ada"])
    assert store.user_for(ada_token, "token")["name"] == "ada"
    assert [e for e in store.audit_log() if e["actor"] == "rea"] == []


def test_cross_site_requests_riding_an_admin_session_are_refused(base: str, store: Any) -> None:
    ada = logged_in(base, "ada")
    try:
        aid = ada.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
        evil = {"Origin": "https://evil.example"}
        mallory = {"name": "mallory", "role": "admin", "password": "mallory-pass-1"}
        attempts = [ada.delete(f"/api/analyses/{aid}", headers=evil),
                    ada.post("/api/users", json=mallory, headers=evil),
                    ada.post("/history/delete", data={"id": aid}, headers={"Origin": "null",
                                                                          "Sec-Fetch-Site": "cross-site"}),
                    ada.post("/logout", headers=evil)]
        no_origin = httpx.Client(base_url=base, timeout=30, cookies=ada.cookies)
        with no_origin:
            attempts.append(no_origin.post("/history/delete", data={"id": aid},
                                           headers={"Sec-Fetch-Site": "cross-site"}))
        assert [r.status_code for r in attempts] == [403] * 5
        assert all("Cross-site" in r.json()["error"] for r in attempts)
        assert ada.get("/history", headers={"Host": "evil.example"}).status_code == 400
        assert ada.get("/api/me").json()["user"]["name"] == "ada"  # the cross-site logout did nothing
    finally:
        ada.close()
    assert store.get_analysis(aid) is not None and store.get_user("mallory") is None


def test_logins_cannot_be_forged_fixed_or_hurried(base: str, store: Any) -> None:
    with httpx.Client(base_url=base, timeout=30) as c:
        wrong = c.post("/login", data={"name": "rev", "password": "wrong-guess"})
        unknown = c.post("/login", data={"name": "nobody-here", "password": "wrong-guess"})
        assert wrong.status_code == unknown.status_code == 401
        same = wrong.text.replace('value="rev"', "X") == unknown.text.replace('value="nobody-here"', "X")
        assert same and "Wrong name or password" in wrong.text  # no telling which names exist
        for n in range(4):
            c.post("/login", data={"name": "rev", "password": "wrong-guess"},
                   headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"203.0.113.{n}"})
        for name in ("rev", "REV", " rev "):  # a forged address or another spelling gets no new tries
            r = c.post("/login", data={"name": name, "password": PASSWORDS["rev"]},
                       headers={"X-Forwarded-For": "198.51.100.7", "Forwarded": "for=198.51.100.7"})
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1, (name, r.status_code)
    fixed = httpx.post(f"{base}/login", data={"name": "ada", "password": PASSWORDS["ada"], "next": "/"},
                       headers={"Cookie": "unspin_session=attacker-chosen"})
    assert fixed.status_code == 303
    issued = fixed.headers["set-cookie"].split(";")[0].removeprefix("unspin_session=")
    assert issued != "attacker-chosen" and len(issued) >= 40
    chosen = httpx.get(f"{base}/api/me", headers={"Cookie": "unspin_session=attacker-chosen"})
    assert chosen.status_code == 401
    for header in ("X-Forwarded-User", "X-Remote-User", "Remote-User", "X-Auth-Request-User"):  # no SSO
        r = httpx.get(f"{base}/api/users", headers={header: "ada"})
        assert r.status_code == 401, header


def test_a_job_url_cannot_reach_the_server_itself(base: str, store: Any) -> None:
    rea = logged_in(base, "rea")
    try:
        r = rea.post("/api/jobs", json={"url": f"{base}/api/users"})
        assert r.status_code == 202
        deadline = time.monotonic() + 30
        while (job := rea.get(f"/api/jobs/{r.json()['id']}").json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        rea.close()
    assert job["status"] == "failed" and job["error"]["status"] == 400
    assert "Refused to fetch" in job["error"]["message"] and "loopback" in job["error"]["message"]
