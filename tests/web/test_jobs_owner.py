"""Jobs have an owner (real HTTP on 127.0.0.1, SQLite and PostgreSQL): with accounts on, the
store records who submitted a job; a user polls, reads and cancels only their own jobs (404 for
anyone else's, the same answer as for no such job), admins any; the job pages and the history
page's running jobs follow the same rule; cancels go into the audit log. With accounts off a
job has no owner and everyone sees it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from auth_fixtures import PASSWORDS, accounts_store, auth_app
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.web import WebSettings, create_app

LONG = ARTICLE + " " + "The committee met on Tuesday and adjourned without a vote. " * 20


@pytest.fixture
def store(any_url: str) -> Iterator[Any]:
    s = accounts_store(any_url)
    yield s
    s.close()


@pytest.fixture
def held() -> Iterator[FakeAnalyzer]:
    """The fake analyzer holding every long text after its first window until the test ends."""
    fake = FakeAnalyzer()
    fake.gate = threading.Event()
    yield fake
    fake.gate.set()


def logged_in(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=30)
    r = c.post("/login", data={"name": name, "password": PASSWORDS[name], "next": "/history"})
    assert r.status_code == 303, r.text
    return c


def submit(c: httpx.Client, text: str = LONG, **headers: str) -> str:
    r = c.post("/api/jobs", json={"text": text}, headers=headers)
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_a_user_sees_and_cancels_only_their_own_jobs(held: FakeAnalyzer, store: Any) -> None:
    with serve_in_thread(auth_app(held, store)) as base:
        rea, rev, ada = (logged_in(base, n) for n in ("rea", "rev", "ada"))
        try:
            mine = submit(rea)
            theirs = submit(rev)
            assert store.get_job(mine)["user"] == "rea" and store.get_job(theirs)["user"] == "rev"
            own = rea.get(f"/api/jobs/{mine}")
            assert own.status_code == 200 and own.json()["user"] == "rea"
            missing = rev.get("/api/jobs/nosuchjob").json()["error"].replace("nosuchjob", "x")
            for method in ("GET", "DELETE"):  # someone else's job: the same 404 as none at all
                r = rev.request(method, f"/api/jobs/{mine}")
                assert r.status_code == 404, (method, r.status_code)
                assert r.json()["error"].replace(mine, "x") == missing
            assert rea.get(f"/api/jobs/{mine}").json()["status"] in ("queued", "running")  # not cancelled
            assert rev.get(f"/jobs/{mine}").status_code == 404
            assert rev.get(f"/jobs/{mine}.json").status_code == 404
            assert rea.get(f"/jobs/{mine}.json").json()["job"]["user"] == "rea"
            assert rea.get(f"/jobs/{mine}").status_code == 200
            assert [j["id"] for j in rev.get("/history.json").json()["jobs"]] == [theirs]
            assert [j["id"] for j in rea.get("/history.json").json()["jobs"]] == [mine]
            assert sorted(j["id"] for j in ada.get("/history.json").json()["jobs"]) == sorted([mine, theirs])
            token = store.new_credential("rea", "token")  # a token is the same user
            assert httpx.get(f"{base}/api/jobs/{mine}", headers={"Authorization": f"Bearer {token}"}
                             ).status_code == 200
            assert ada.get(f"/api/jobs/{theirs}").json()["user"] == "rev"  # admins see any
            cancelled = ada.delete(f"/api/jobs/{theirs}")
            assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
            assert rea.delete(f"/api/jobs/{mine}").json()["status"] == "cancelled"
            log = [(e["actor"], e["action"], e["target"], e["detail"]) for e in store.audit_log(limit=2)]
            assert log == [("rea", "job-cancel", mine, {"kind": "analyze", "user": "rea"}),
                           ("ada", "job-cancel", theirs, {"kind": "analyze", "user": "rev"})]
        finally:
            for c in (rea, rev, ada):
                c.close()


def test_a_form_job_is_its_submitters(held: FakeAnalyzer, store: Any) -> None:
    with serve_in_thread(auth_app(held, store)) as base:
        rea, rev = logged_in(base, "rea"), logged_in(base, "rev")
        try:
            r = rea.post("/jobs", data={"text": LONG}, headers={"Origin": base})
            assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
            job_id = r.headers["location"].removeprefix("/jobs/")
            assert store.get_job(job_id)["user"] == "rea"
            assert rea.get(f"/jobs/{job_id}").status_code == 200
            assert rev.get(f"/jobs/{job_id}").status_code == 404
        finally:
            rea.close()
            rev.close()


def test_one_user_cannot_take_every_place_in_the_queue(held: FakeAnalyzer, store: Any) -> None:
    with serve_in_thread(auth_app(held, store, jobs_per_user=2)) as base:  # queue_size 4
        rea, rev = logged_in(base, "rea"), logged_in(base, "rev")
        try:
            first, _ = submit(rea), submit(rea)
            third = rea.post("/api/jobs", json={"text": LONG})
            assert third.status_code == 429 and int(third.headers["retry-after"]) >= 1
            assert "You have 2 jobs queued or running already" in third.json()["error"]
            assert rea.post("/jobs", data={"text": LONG}, headers={"Origin": base}).status_code == 429
            submit(rev)  # another user still has room
            assert rea.delete(f"/api/jobs/{first}").status_code == 200
            submit(rea)  # a cancelled job gives its place back
        finally:
            rea.close()
            rev.close()


def test_with_accounts_off_a_job_has_no_owner(held: FakeAnalyzer, sqlite_url: str) -> None:
    from unspin.store import Store

    with Store.open(sqlite_url) as store:
        app = create_app(held, store=store, settings=WebSettings(auth="off", queue_size=4))
        with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as c:
            job_id = submit(c)
            assert store.get_job(job_id)["user"] is None
            got = c.get(f"/api/jobs/{job_id}")
            assert got.status_code == 200 and "user" not in got.json()
            assert c.delete(f"/api/jobs/{job_id}").json()["status"] == "cancelled"
        assert [(e["actor"], e["action"], e["target"]) for e in store.audit_log()] == [
            ("anonymous@127.0.0.1", "job-cancel", job_id)]
