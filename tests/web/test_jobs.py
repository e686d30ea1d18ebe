"""Jobs: `POST /api/jobs` answers 202 + Location, `GET` reports progress then the result,
`DELETE` cancels; the form flow goes through `/jobs/{id}`."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from test_api import ARTICLE, assert_error

pytestmark = pytest.mark.anyio

LONG = ARTICLE + " " + "The committee met on Tuesday and adjourned without a vote. " * 40


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def poll(client: httpx.AsyncClient, url: str, *, until: tuple[str, ...]) -> dict[str, Any]:
    for _ in range(2000):
        body = (await client.get(url)).json()
        if body["status"] in until:
            return body
        await asyncio.sleep(0.005)
    raise AssertionError(f"the job never reached {until}: {body}")


async def test_job_reports_progress_then_result(client: httpx.AsyncClient, fake: Any) -> None:
    fake.gate = threading.Event()
    r = await client.post("/api/jobs", json={"text": LONG, "title": "Minutes"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/api/jobs/{job['id']}" == job["links"]["api"]
    assert job["status"] in ("queued", "running") and job["title"] == "Minutes"
    await asyncio.to_thread(fake.waiting.wait, 10)
    running = await poll(client, r.headers["location"], until=("running",))
    assert running["progress"]["done"] == 1 and running["progress"]["total"] == 7
    assert "result" not in running
    fake.gate.set()
    done = await poll(client, r.headers["location"], until=("done", "failed"))
    assert done["status"] == "done", done
    assert done["progress"] == {"done": 7, "total": 7, "fraction": 1.0}
    result = done["result"]
    assert result["text"] == LONG and result["spans"] and result["meta"]["title"] == "Minutes"
    assert done["links"]["result"] == f"/a/{result['id']}" == result["links"]["page"]
    saved = (await client.get(f"/api/analyses/{result['id']}")).json()
    assert saved["spans"] == result["spans"]
    page = await client.get(f"/jobs/{job['id']}", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == f"/a/{result['id']}"


async def test_cancel_a_running_job(client: httpx.AsyncClient, fake: Any, app: Any) -> None:
    fake.gate = threading.Event()
    job = (await client.post("/api/jobs", json={"text": LONG})).json()
    await asyncio.to_thread(fake.waiting.wait, 10)
    r = await client.delete(f"/api/jobs/{job['id']}")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    fake.gate.set()
    ended = await poll(client, f"/api/jobs/{job['id']}", until=("cancelled", "done"))
    assert ended["status"] == "cancelled" and "result" not in ended
    for _ in range(2000):  # the worker gives its slot back once it stops
        if app.state.service.runner.pending == 0:
            break
        await asyncio.sleep(0.005)
    assert app.state.service.runner.pending == 0
    assert_error(await client.delete(f"/api/jobs/{job['id']}"), 409, "already cancelled")


async def test_job_errors(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/jobs/nope"), 404, "No job")
    assert_error(await client.delete("/api/jobs/nope"), 404, "No job")
    assert_error(await client.post("/api/jobs", json={}), 400, "Nothing to analyze")
    assert_error(await client.post("/api/jobs", json={"text": "  "}), 400, "empty")


async def test_full_queue_refuses_jobs(client: httpx.AsyncClient, fake: Any, app: Any) -> None:
    fake.gate = threading.Event()
    started = [(await client.post("/api/jobs", json={"text": LONG})).status_code for _ in range(4)]
    assert started == [202] * 4  # the queue holds 4 (settings fixture)
    r = await client.post("/api/jobs", json={"text": LONG})
    assert_error(r, 503, "try again")
    assert int(r.headers["retry-after"]) >= 1
    fake.gate.set()


def test_form_job_flow(sync_client: Any) -> None:
    r = sync_client.post("/jobs", data={"text": ARTICLE, "title": "Rally"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job_id = r.headers["location"].rsplit("/", 1)[1]
    for _ in range(2000):
        twin = sync_client.get(f"/jobs/{job_id}.json").json()["job"]
        if twin["status"] == "done":
            break
    assert twin["status"] == "done" and twin["links"]["result"].startswith("/a/")
    page = sync_client.get(f"/jobs/{job_id}", headers={"Accept": "text/html"}, follow_redirects=True)
    assert page.status_code == 200 and "<title>Rally" in page.text
    r = sync_client.post("/jobs/compare", data={"text_a": ARTICLE, "text_b": "A calm report."},
                         follow_redirects=False)
    job_id = r.headers["location"].rsplit("/", 1)[1]
    for _ in range(2000):
        twin = sync_client.get(f"/jobs/{job_id}.json").json()["job"]
        if twin["status"] == "done":
            break
    assert twin["links"]["result"].startswith("/compare?a=")


async def test_another_kind_of_job_runs_through_submit(client: httpx.AsyncClient, app: Any) -> None:
    from unspin.web.jobs import Outcome

    seen: list[dict[str, Any]] = []

    async def echo(manager: Any, payload: dict[str, Any], progress: Any) -> Outcome:
        seen.append(payload)
        await asyncio.to_thread(progress, 1, 2)
        return Outcome({"echo": payload["word"]})

    manager = app.state.jobs
    manager.register("echo", echo)
    job = await manager.submit("echo", {"word": "hello"}, title="Echo", words=1)
    # a quick job may already be done when submit returns (its record is the live one)
    assert job.kind == "echo" and job.status in ("queued", "running", "done") and job.title == "Echo"
    done = await poll(client, f"/api/jobs/{job.id}", until=("done", "failed"))
    assert done["status"] == "done" and done["result"] == {"echo": "hello"}, done
    assert done["progress"]["total"] == 2 and "result" not in done["links"]
    assert seen == [{"word": "hello"}]
    with pytest.raises(ValueError, match="No job handler"):
        await manager.submit("nope", {})
