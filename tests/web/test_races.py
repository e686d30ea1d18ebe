"""Races between a delete and a review answer 404 or 409, never 500 (SQLite and PostgreSQL):
the interleavings forced one at a time, then many requests at once over real HTTP."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.errors import NotFoundError
from unspin.web import WebSettings, create_app


@pytest.fixture
def store(any_url: str) -> Any:
    from unspin.store import Store

    s = Store.open(any_url)
    yield s
    s.close()


def app_on(fake: FakeAnalyzer, store: Any) -> Any:
    return create_app(fake, store=store, settings=WebSettings(auth="off", reviewer="desk", queue_size=8))


def deleting_after(store: Any, method: str, analysis_id: str) -> None:
    """Make `store.<method>` delete the analysis right after it reads (as a concurrent delete would)."""
    real = getattr(store, method)

    def read_then_lose(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        store.delete_analysis(analysis_id)
        return found
    setattr(store, method, read_then_lose)


@pytest.mark.parametrize("route, body", [("review", {"action": "accept", "span": "m0"}),
                                         ("reviewed", {"reviewed": True})])
def test_a_delete_between_reading_and_writing_is_a_404(fake: FakeAnalyzer, store: Any, route: str,
                                                       body: dict[str, Any]) -> None:
    with TestClient(app_on(fake, store), raise_server_exceptions=False) as c:
        aid = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
        deleting_after(store, "corrections" if route == "review" else "get_analysis", aid)
        r = c.post(f"/api/analyses/{aid}/{route}", json=body)
        assert r.status_code == 404, r.text
        assert r.json() == {"ok": False, "status": 404, "error": r.json()["error"]}
        assert "deleted meanwhile" in r.json()["error"]
    assert store.corrections(aid) == [] and store.review_mark(aid) is None


def test_the_store_refuses_changes_to_a_deleted_analysis(fake: FakeAnalyzer, store: Any) -> None:
    with TestClient(app_on(fake, store)) as c:
        aid = c.post("/api/analyze", json={"text": ARTICLE}).json()["id"]
    assert store.delete_analysis(aid) is True
    assert store.delete_analysis(aid) is False
    fix = {"target": "m0", "action": "accept", "start": 4, "end": 20, "technique": "Doubt", "reviewer": "x"}
    with pytest.raises(NotFoundError):
        store.add_correction(aid, fix)
    with pytest.raises(NotFoundError):
        store.set_reviewed(aid, "x")


def test_concurrent_deletes_and_reviews_get_no_500(fake: FakeAnalyzer, store: Any) -> None:
    with serve_in_thread(app_on(fake, store)) as base, httpx.Client(base_url=base, timeout=60) as c:
        ids = [c.post("/api/analyze", json={"text": f"{ARTICLE} Number {n}."}).json()["id"]
               for n in range(8)]

        def hit(job: tuple[str, str]) -> int:
            kind, aid = job
            if kind == "delete":
                return c.delete(f"/api/analyses/{aid}").status_code
            if kind.startswith("review-"):  # review-m0, review-m1: two different spans
                fix = {"action": "reject", "span": kind.removeprefix("review-")}
                return c.post(f"/api/analyses/{aid}/review", json=fix).status_code
            return c.post(f"/api/analyses/{aid}/reviewed", json={"reviewed": True}).status_code

        jobs = [(kind, aid) for aid in ids
                for kind in ("review-m0", "delete", "reviewed", "delete", "review-m1")]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(hit, jobs))
    by_kind: dict[str, list[int]] = {}
    for (kind, _), status in zip(jobs, statuses, strict=True):
        by_kind.setdefault(kind.partition("-")[0], []).append(status)
    assert set(statuses) <= {200, 404, 409}, statuses
    assert by_kind["delete"].count(200) == len(ids)  # each analysis deleted exactly once
    assert all(store.get_analysis(aid) is None for aid in ids)
