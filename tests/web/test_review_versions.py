"""Optimistic versioning of corrections (issue 31): two reviewers editing one span, the second
gets 409 with the current state; over real HTTP, on SQLite, PostgreSQL and the memory store."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.errors import StaleError
from unspin.web import WebSettings, create_app
from unspin.web.memstore import MemoryStore


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "memory":
        yield MemoryStore()
        return
    from unspin.store import Store

    s = Store.open(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield s
    s.close()


@pytest.fixture
def live(fake: FakeAnalyzer, any_store: Any) -> Iterator[httpx.Client]:
    app = create_app(fake, store=any_store, settings=WebSettings(auth="off", reviewer="desk", queue_size=8))
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


def review(c: httpx.Client, aid: str, body: dict[str, Any], version: Any = None) -> httpx.Response:
    headers = {} if version is None else {"If-Match": str(version)}
    return c.post(f"/api/analyses/{aid}/review", json=body, headers=headers)


def span(spans: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(s for s in spans if s["key"] == key)


def test_the_second_reviewer_of_a_span_gets_409_with_its_current_state(live: httpx.Client) -> None:
    aid = live.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    spans = live.get(f"/api/analyses/{aid}/review").json()["spans"]
    assert [s["version"] for s in spans] == [0] * len(spans) and len(spans) >= 2
    first = review(live, aid, {"action": "reject", "span": "m0", "reviewer": "Ana"}, version=0)
    assert first.status_code == 200, first.text
    assert span(first.json()["spans"], "m0")["version"] == 1
    second = review(live, aid, {"action": "accept", "span": "m0", "reviewer": "Bo"}, version=0)
    assert second.status_code == 409, second.text
    body = second.json()
    assert body["ok"] is False and body["status"] == 409 and "meanwhile" in body["error"]
    assert body["span"]["key"] == "m0" and body["span"]["status"] == "rejected"
    assert body["span"]["reviewer"] == "Ana" and body["span"]["version"] == 1
    assert [c["reviewer"] for c in body["corrections"]] == ["Ana"]
    assert span(body["spans"], "m0") == body["span"]
    # Bo saw the current state; with its version the change goes through
    third = review(live, aid, {"action": "accept", "span": "m0", "reviewer": "Bo"}, version='"1"')
    assert third.status_code == 200, third.text
    assert span(third.json()["spans"], "m0")["status"] == "accepted"
    # another span's version is its own: m1 was never corrected
    other = review(live, aid, {"action": "accept", "span": "m1", "reviewer": "Bo"}, version='W/"0"')
    assert other.status_code == 200
    log = live.get(f"/api/analyses/{aid}/review").json()["corrections"]
    assert [(c["target"], c["reviewer"]) for c in log] == [("m0", "Ana"), ("m0", "Bo"), ("m1", "Bo")]


def test_without_if_match_the_last_correction_wins_and_a_bad_one_is_400(live: httpx.Client) -> None:
    aid = live.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    assert review(live, aid, {"action": "reject", "span": "m0"}).status_code == 200
    assert review(live, aid, {"action": "accept", "span": "m0"}).status_code == 200
    assert review(live, aid, {"action": "accept", "span": "m0"}, version="*").status_code == 200
    bad = review(live, aid, {"action": "accept", "span": "m0"}, version="abc")
    assert bad.status_code == 400 and "If-Match" in bad.json()["error"]
    added = review(live, aid, {"action": "add", "start": 0, "end": 3, "technique": "Doubt"}, version=7)
    assert added.status_code == 200  # a new span has no version to check
    assert len(live.get(f"/api/analyses/{aid}/review").json()["corrections"]) == 4


def test_a_span_reset_away_meanwhile_is_a_409_with_no_span(live: httpx.Client) -> None:
    aid = live.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    added = review(live, aid, {"action": "add", "start": 0, "end": 3, "technique": "Doubt"}).json()
    key = added["correction"]["target"]
    assert span(added["spans"], key)["version"] == 1
    assert review(live, aid, {"action": "reset", "span": key}, version=1).status_code == 200
    late = review(live, aid, {"action": "relabel", "span": key, "technique": "Flag-waving"}, version=1)
    assert late.status_code == 409 and late.json()["span"] is None
    assert all(s["key"] != key for s in late.json()["spans"])


def test_many_reviewers_on_one_span_at_once_exactly_one_wins(live: httpx.Client) -> None:
    aid = live.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    names = [f"r{n}" for n in range(12)]
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda who: review(live, aid, {"action": "reject", "span": "m1",
                                                               "reviewer": who}, version=0), names))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * 11, statuses
    log = live.get(f"/api/analyses/{aid}/review").json()["corrections"]
    winner = next(a for a in answers if a.status_code == 200).json()["correction"]["reviewer"]
    assert [c["reviewer"] for c in log] == [winner]
    assert all(a.json()["span"]["reviewer"] == winner for a in answers if a.status_code == 409)


def test_a_delete_then_a_versioned_review_is_404(live: httpx.Client) -> None:
    aid = live.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    assert live.delete(f"/api/analyses/{aid}").status_code == 200
    assert review(live, aid, {"action": "accept", "span": "m0"}, version=0).status_code == 404


def test_the_store_checks_the_version_in_the_writing_statement(any_store: Any, fake: FakeAnalyzer) -> None:
    aid = any_store.save_analysis(fake.analyze(ARTICLE))
    fix = {"target": "m0", "action": "accept", "start": 4, "end": 20, "technique": "Doubt", "reviewer": "x"}
    any_store.add_correction(aid, fix, version=0)
    with pytest.raises(StaleError) as caught:
        any_store.add_correction(aid, {**fix, "reviewer": "y"}, version=0)
    assert caught.value.key == "m0"
    any_store.add_correction(aid, {**fix, "reviewer": "y"}, version=1)
    assert [c["reviewer"] for c in any_store.corrections(aid)] == ["x", "y"]
