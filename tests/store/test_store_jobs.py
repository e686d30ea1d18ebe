"""The job table (SQLite, PostgreSQL, and MemoryStore's in-memory one): capacity over the
store, claims with leases, a cancel that beats the save saves nothing, and jobs of a dead
process queued again, then failed with a reason."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from unspin.doc import Analysis, Document, Span
from unspin.store import Store
from unspin.store.jobs import MAX_ATTEMPTS
from unspin.web.memstore import MemoryStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "memory"])
def jobs_store(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        yield MemoryStore()
        return
    s = Store.open(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))
    yield s
    s.close()


def job(n: int) -> dict[str, Any]:
    return {"id": f"job{n}", "kind": "analyze", "title": f"T{n}", "words": 3,
            "payload": {"docs": [{"text": f"text {n}", "id": None, "meta": {}}], "save": True}}


def analysis() -> tuple[Analysis, dict[str, Any]]:
    doc = Document("A shameful betrayal.")
    return Analysis(doc, (Span(doc, 2, 10, "Loaded_Language", 0.9),), "m"), {"title": "T"}


def saved_count(store: Any) -> int:
    return int(store.saved_analyses(limit=100)["total"])


def test_capacity_claim_progress_and_finish(jobs_store: Any) -> None:
    assert jobs_store.add_job(job(1), capacity=2) and jobs_store.add_job(job(2), capacity=2)
    assert jobs_store.add_job(job(3), capacity=2) is False  # two queued: full
    assert jobs_store.get_job("job3") is None
    first = jobs_store.claim_job("me", lease=30)
    assert first["id"] == "job1" and first["status"] == "running" and first["attempts"] == 1
    assert first["payload"]["docs"][0]["text"] == "text 1"
    assert jobs_store.claim_job("other", lease=30)["id"] == "job2"
    assert jobs_store.claim_job("me", lease=30) is None
    assert jobs_store.job_progress("job1", "me", 2, 5) is True
    assert jobs_store.job_progress("job1", "other", 3, 5) is False  # not its job
    got = jobs_store.get_job("job1")
    assert (got["status"], got["done"], got["total"], got["title"]) == ("running", 2, 5, "T1")
    assert "payload" not in got
    result = [{"text": "A shameful betrayal.", "spans": []}]
    assert jobs_store.finish_job("job1", "me", status="done", result=result, saves=[analysis()]) == "done"
    done = jobs_store.get_job("job1")
    assert done["status"] == "done" and done["done"] == 5 and done["finished"]
    aid = done["result"][0]["id"]
    assert jobs_store.get_analysis(aid)["text"] == "A shameful betrayal."
    assert [j["id"] for j in jobs_store.active_jobs()] == ["job2"]
    assert jobs_store.add_job(job(3), capacity=2) is True  # one active again: room
    assert jobs_store.cancel_job("job1") is False and jobs_store.cancel_job("nope") is None


def test_a_job_cancelled_before_its_save_saves_nothing(jobs_store: Any) -> None:
    jobs_store.add_job(job(1), capacity=5)
    jobs_store.claim_job("me", lease=30)
    assert jobs_store.cancel_job("job1") is True
    assert jobs_store.job_progress("job1", "me", 1, 2) is False  # the worker is told to stop
    result = [{"text": "A shameful betrayal.", "spans": []}]
    ended = jobs_store.finish_job("job1", "me", status="done", result=result, saves=[analysis()])
    assert ended == "cancelled"
    gone = jobs_store.get_job("job1")
    assert gone["status"] == "cancelled" and gone["result"] is None
    assert saved_count(jobs_store) == 0
    assert jobs_store.cancel_job("job1") is False


def test_shutdown_gives_running_jobs_back(jobs_store: Any) -> None:
    jobs_store.add_job(job(1), capacity=5)
    jobs_store.claim_job("me", lease=30)
    assert jobs_store.release_jobs("me") == 1
    assert jobs_store.get_job("job1")["status"] == "queued"
    assert jobs_store.claim_job("next", lease=30)["attempts"] == 2
    assert jobs_store.finish_job("job1", "next", status="failed", error="bad", error_status=400) == "failed"
    assert jobs_store.get_job("job1")["error"] == "bad"


def test_an_expired_lease_is_claimed_again(jobs_store: Any) -> None:
    jobs_store.add_job(job(1), capacity=5)
    jobs_store.claim_job("gone", lease=-1)  # already expired
    again = jobs_store.claim_job("me", lease=30)
    assert again["id"] == "job1" and again["attempts"] == 2
    assert jobs_store.job_progress("job1", "gone", 1, 1) is False


def test_jobs_of_a_dead_process_are_queued_again_then_failed(any_url: str) -> None:
    store = Store.open(any_url)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    import socket

    owner = f"{socket.gethostname()[:100]}:{dead}:abc"
    store.add_job(job(1), capacity=5)
    assert store.claim_job(owner, lease=3600)["id"] == "job1"
    for attempt in range(2, MAX_ATTEMPTS + 1):  # its process is gone: taken at once
        assert store.claim_job(owner, lease=3600)["attempts"] == attempt
    assert store.claim_job(owner, lease=3600) is None  # started MAX_ATTEMPTS times: failed
    failed = store.get_job("job1")
    assert failed["status"] == "failed" and "stopped 3 times" in failed["error"]
    store.close()


def test_who_submitted_a_job(jobs_store: Any) -> None:
    jobs_store.add_job({**job(1), "user": "rea"}, capacity=5)
    jobs_store.add_job({**job(2), "user": "rev"}, capacity=5)
    jobs_store.add_job(job(3), capacity=5)  # accounts off: nobody
    assert [jobs_store.get_job(f"job{n}")["user"] for n in (1, 2, 3)] == ["rea", "rev", None]
    assert [j["id"] for j in jobs_store.active_jobs(user="rea")] == ["job1"]
    assert {j["id"] for j in jobs_store.active_jobs()} == {"job1", "job2", "job3"}
    assert jobs_store.claim_job("me", lease=30)["user"] == "rea"


def test_a_user_holds_at_most_per_user_jobs(jobs_store: Any) -> None:
    assert jobs_store.add_job({**job(1), "user": "rea"}, capacity=5, per_user=2)
    assert jobs_store.add_job({**job(2), "user": "rea"}, capacity=5, per_user=2)
    assert jobs_store.add_job({**job(3), "user": "rea"}, capacity=5, per_user=2) is False
    assert jobs_store.add_job({**job(4), "user": "rev"}, capacity=5, per_user=2)  # someone else: room
    assert all(jobs_store.add_job(job(n), capacity=5, per_user=2) for n in (5, 6))  # nobody's: no cap
    assert jobs_store.cancel_job("job1") is True  # a finished job frees its user's place
    assert jobs_store.add_job({**job(3), "user": "rea"}, capacity=5, per_user=2)


def test_a_job_saving_an_analysis_saved_before_or_deleted_keeps_one(jobs_store: Any) -> None:
    if isinstance(jobs_store, MemoryStore):
        pytest.skip("the memory store gives each save its own id")
    first = jobs_store.save_analysis(*analysis()[:1], meta=analysis()[1])
    for n in (1, 2):
        jobs_store.add_job(job(n), capacity=5)
        jobs_store.claim_job("me", lease=30)
        result = [{"spans": []}]
        ended = jobs_store.finish_job(f"job{n}", "me", status="done", result=result, saves=[analysis()])
        assert ended == "done"
        assert result[0]["id"] == first and saved_count(jobs_store) == 1
        jobs_store.delete_analysis(first)  # the second job saves it anew
    assert saved_count(jobs_store) == 0
