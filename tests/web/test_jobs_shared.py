"""Jobs shared by server processes on one database (real uvicorn processes on 127.0.0.1,
SQLite and PostgreSQL): every process answers every poll, capacity is global, a restarted
server finishes the jobs it had accepted, and a job cancelled before it is saved never is."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_fakes import ARTICLE, FakeAnalyzer, serve_in_thread

from unspin.store import Store
from unspin.web import WebSettings, create_app

SERVER = Path(__file__).parent / "job_server.py"
SRC = Path(__file__).parents[2] / "src"
LONG = ARTICLE + " " + "The committee met on Tuesday and adjourned without a vote. " * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """One `job_server.py` process."""

    def __init__(self, url: str, hold: Path, queue: int = 4):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        self.proc = subprocess.Popen([sys.executable, str(SERVER), url, str(self.port), str(hold),
                                      str(queue)], env=env)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the job server did not start")
            time.sleep(0.1)
        self.client = httpx.Client(base_url=self.base, timeout=30)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture
def servers(any_url: str, tmp_path: Path) -> Iterator[Any]:
    started: list[Server] = []

    def start(queue: int = 4) -> Server:
        Store.open(any_url).close()  # migrate once, before two processes race to
        server = Server(any_url, tmp_path / "hold", queue)
        started.append(server)
        return server

    start.hold = tmp_path / "hold"  # type: ignore[attr-defined]
    yield start
    for server in started:
        server.stop(signal.SIGKILL)


def poll(client: httpx.Client, job_id: str, until: tuple[str, ...], seconds: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        r = client.get(f"/api/jobs/{job_id}")
        assert r.status_code == 200, r.text
        if r.json()["status"] in until or time.monotonic() > deadline:
            return r.json()
        time.sleep(0.05)


def test_two_processes_share_jobs_polls_and_capacity(servers: Any) -> None:
    servers.hold.touch()
    a, b = servers(queue=3), servers(queue=3)
    ids = [a.client.post("/api/jobs", json={"text": LONG, "title": "From A"}).json()["id"],
           b.client.post("/api/jobs", json={"text": LONG, "title": "From B"}).json()["id"],
           a.client.post("/api/jobs", json={"text": LONG}).json()["id"]]
    full = b.client.post("/api/jobs", json={"text": LONG})
    assert full.status_code == 503 and int(full.headers["retry-after"]) >= 1  # 3 in the whole store
    assert "3 jobs queued or running" in full.json()["error"]
    running = [poll(a.client, job_id, ("running",)) for job_id in ids[:2]]  # one per process
    assert [j["status"] for j in running] == ["running", "running"]
    for job_id in ids:  # every process answers every poll, with the same state
        seen_a, seen_b = a.client.get(f"/api/jobs/{job_id}"), b.client.get(f"/api/jobs/{job_id}")
        assert seen_a.status_code == seen_b.status_code == 200
        assert seen_a.json()["status"] == seen_b.json()["status"]
        assert seen_a.json()["title"] == seen_b.json()["title"]
    history = b.client.get("/history.json").json()
    assert sorted(j["id"] for j in history["jobs"]) == sorted(ids)
    servers.hold.unlink()
    done = [poll((b, a)[n % 2].client, job_id, ("done", "failed")) for n, job_id in enumerate(ids)]
    assert [j["status"] for j in done] == ["done"] * 3, done
    assert done[0]["title"] == "From A" and done[1]["title"] == "From B"
    for job in done:
        aid = job["result"]["id"]
        assert a.client.get(f"/api/analyses/{aid}").json()["text"] == LONG
        assert a.client.get(f"/api/jobs/{job['id']}").json()["result"]["id"] == aid
    assert b.client.post("/api/jobs", json={"text": LONG}).status_code == 202  # room again


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_a_restarted_server_finishes_accepted_jobs(servers: Any, sig: int, any_url: str) -> None:
    servers.hold.touch()
    first = servers(queue=4)
    ids = [first.client.post("/api/jobs", json={"text": LONG, "title": f"Job {n}"}).json()["id"]
           for n in range(3)]
    assert poll(first.client, ids[0], ("running",))["status"] == "running"
    first.stop(sig)
    assert first.proc.returncode is not None
    with Store.open(any_url) as store:  # SIGTERM gave it back; after SIGKILL it waits for a claim
        left = [store.get_job(job_id)["status"] for job_id in ids]
    assert left == ["queued" if sig == signal.SIGTERM else "running", "queued", "queued"]
    servers.hold.unlink()
    second = servers(queue=4)
    ended = [poll(second.client, job_id, ("done", "failed", "cancelled")) for job_id in ids]
    assert [j["status"] for j in ended] == ["done"] * 3, ended
    assert [j["title"] for j in ended] == ["Job 0", "Job 1", "Job 2"]
    assert second.client.get(f"/api/analyses/{ended[0]['result']['id']}").json()["text"] == LONG


def test_cancelled_jobs_are_never_saved(any_url: str) -> None:
    """Cancel each job at a different moment, some as it finishes, some after: every cancel answered
    200 leaves the job cancelled and nothing saved; the saved analyses are exactly the done
    jobs' results."""
    store = Store.open(any_url)
    fake = FakeAnalyzer(delay=0.02)
    app = create_app(fake, store=store, settings=WebSettings(auth="off", queue_size=40, workers=2))
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as c:
        def one(n: int) -> tuple[str, int]:
            job_id = c.post("/api/jobs", json={"text": f"{ARTICLE} Number {n}."}).json()["id"]
            if n % 4 == 3:  # after it ended: 409
                poll(c, job_id, ("done", "failed"))
            time.sleep(0.004 * n)
            return job_id, c.delete(f"/api/jobs/{job_id}").status_code

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(one, range(24)))
        ended = {job_id: poll(c, job_id, ("done", "failed", "cancelled")) for job_id, _ in answers}
    for job_id, code in answers:
        assert code in (200, 409)
        assert ended[job_id]["status"] == ("cancelled" if code == 200 else "done"), (code, ended[job_id])
    saved = {item["id"] for item in store.saved_analyses(limit=100)["items"]}
    done_ids = {j["result"]["id"] for j in ended.values() if j["status"] == "done"}
    assert saved == done_ids
    assert sum(code == 200 for _, code in answers) > 0 and sum(code == 409 for _, code in answers) >= 6
    store.close()
