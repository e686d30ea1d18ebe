"""What Schemathesis found in the API (issue 33): integers past SQLite's range, the `Allow`
header of 405 answers, HEAD on GET routes, the strict review body, one body parser (415 for
non-JSON, 422 naming the field) on every JSON route, and health without paths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_api import ARTICLE, assert_error

from unspin.web import WebSettings, create_app

HUGE = "9223372036854775808"  # 2**63: one past SQLite's integers


@pytest.fixture
def db_client(tmp_path: Path, fake: Any) -> Iterator[Any]:
    pytest.importorskip("sqlalchemy")
    settings = WebSettings(db=str(tmp_path / "web.db"))
    with TestClient(create_app(fake, settings=settings), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("url,field", [
    (f"/api/analyses?offset={HUGE}", "offset"),
    (f"/api/analyses?limit={HUGE}", "limit"),
    (f"/history.json?page={HUGE}", "page"),
    (f"/corpus/documents.json?page={HUGE}", "page"),
    ("/corpus/documents.json?page=x", "page"),
])
def test_integers_past_the_database_range_are_422_naming_the_field(db_client: Any, url: str,
                                                                    field: str) -> None:
    assert_error(db_client.get(url), 422, field)


def test_pages_in_range_still_answer(db_client: Any) -> None:
    assert db_client.get("/history.json?page=3").json()["page_no"] == 3
    assert db_client.get("/corpus/documents.json?page=2").json()["page_no"] == 2
    assert db_client.get("/api/analyses?offset=1000000").json()["items"] == []


@pytest.mark.parametrize("method,path,allowed", [
    ("PUT", "/api/analyses/abc", {"GET", "HEAD", "DELETE"}),
    ("PATCH", "/api/jobs/abc", {"GET", "HEAD", "DELETE"}),
    ("PUT", "/api/jobs", {"POST"}),
    ("DELETE", "/api/analyze", {"POST"}),
    ("DELETE", "/api/users", {"GET", "HEAD", "POST"}),
    ("PUT", "/api/analyses/abc/review", {"GET", "HEAD", "POST"}),
])
def test_405_allow_lists_every_method_of_the_path(sync_client: Any, method: str, path: str,
                                                  allowed: set[str]) -> None:
    r = sync_client.request(method, path)
    assert_error(r, 405, f"{method} is not allowed")
    assert {m.strip() for m in r.headers["allow"].split(",")} == allowed


@pytest.mark.parametrize("path", ["/api/health", "/api/techniques", "/history.json", "/api/analyses"])
def test_head_answers_like_get_without_a_body(sync_client: Any, path: str) -> None:
    get = sync_client.get(path)
    head = sync_client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_on_a_post_route_is_405(sync_client: Any) -> None:
    r = sync_client.head("/api/analyze")
    assert r.status_code == 405 and r.headers["allow"] == "POST"


@pytest.mark.parametrize("body,fragment", [
    ({"action": "add", "start": "4", "end": 20, "technique": "Doubt"}, "start"),
    ({"action": "add", "start": 4, "end": 20.5, "technique": "Doubt"}, "end"),
    ({"action": "add", "start": True, "end": 20, "technique": "Doubt"}, "start"),
    ({"action": "accept", "span": "m0", "colour": "red"}, "colour"),
    ({"action": "accept", "span": 0}, "span"),
])
def test_review_body_is_strict(sync_client: Any, body: dict[str, Any], fragment: str) -> None:
    aid = sync_client.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    assert_error(sync_client.post(f"/api/analyses/{aid}/review", json={"reviewer": "Ana", **body}), 422,
                 fragment)
    assert_error(sync_client.post(f"/api/analyses/{aid}/reviewed", json={"reviewed": "yes"}), 422,
                 "reviewed")
    ok = sync_client.post(f"/api/analyses/{aid}/review", json={  # 20.0 is an integer in JSON Schema
        "reviewer": "Ana", "action": "add", "start": 4, "end": 20.0, "technique": "Doubt"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["correction"]["end"] == 20


JSON_ROUTES = ["/api/analyze", "/api/jobs", "/api/analyses/{aid}/review", "/api/analyses/{aid}/reviewed",
               "/api/users", "/api/users/ana/role", "/api/users/ana/password"]


@pytest.fixture
def admin_client(tmp_path: Path, fake: Any) -> Iterator[Any]:
    """A client logged in as an admin of an app with accounts on."""
    pytest.importorskip("sqlalchemy")
    from unspin.store import Store

    url = f"sqlite:///{tmp_path / 'auth.db'}"
    with Store.open(url) as store:
        store.add_user("boss", "admin", "correct horse battery")
    settings = WebSettings(db=url, auth="on")
    with TestClient(create_app(fake, settings=settings), raise_server_exceptions=False) as c:
        r = c.post("/login", data={"name": "boss", "password": "correct horse battery"},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        c.headers["Origin"] = "http://testserver"
        yield c


@pytest.mark.parametrize("route", JSON_ROUTES)
@pytest.mark.parametrize("content,ctype,status,fragment", [
    (b'{"text": "x"}', "text/plain", 415, "application/json"),
    (b"a=b", "application/x-www-form-urlencoded", 415, "application/json"),
    (b'{"text": ', "application/json", 422, "not valid JSON"),
    (b'["x"]', "application/json", 422, "must be an object"),
])
def test_one_body_parser_on_every_json_route(admin_client: Any, route: str, content: bytes, ctype: str,
                                             status: int, fragment: str) -> None:
    aid = admin_client.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    r = admin_client.post(route.format(aid=aid), content=content, headers={"Content-Type": ctype})
    assert_error(r, status, fragment)


@pytest.mark.parametrize("route,body,field", [
    ("/api/jobs", {"text": ARTICLE, "colour": 1}, "colour"),
    ("/api/jobs", {"text": ARTICLE, "save": "yes"}, "save"),
    ("/api/users", {"name": "x", "password": "y" * 9, "role": "king"}, "role"),
    ("/api/users", {"name": "x", "password": 123456789}, "password"),
])
def test_wrong_fields_are_422_naming_the_field(admin_client: Any, route: str, body: dict[str, Any],
                                                field: str) -> None:
    assert_error(admin_client.post(route, json=body), 422, field)


def test_health_shows_no_paths(tmp_path: Path, fake: Any) -> None:
    pytest.importorskip("sqlalchemy")
    settings = WebSettings(db=str(tmp_path / "secret-place.db"))
    with TestClient(create_app(fake, settings=settings)) as c:
        health = c.get("/api/health")
    assert health.status_code == 200
    assert health.json()["store"] == "sqlite"
    assert "secret-place" not in health.text and str(tmp_path) not in health.text


def test_user_rules_in_the_schema_are_the_store_s() -> None:
    pytest.importorskip("sqlalchemy")
    from unspin.store import users
    from unspin.web.routes import users_api

    assert users_api.MIN_PASSWORD == users.MIN_PASSWORD
    for name in ("ana", "Ana.B@x", "9-lives", "a" * 100):
        assert users.check_name(name) and re.match(users_api.NAME_PATTERN, name)
    for name in ("", "-ana", "a b", "a" * 101):
        assert not re.match(users_api.NAME_PATTERN, name)
