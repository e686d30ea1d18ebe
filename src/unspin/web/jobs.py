"""Analysis jobs: long texts run in the background with progress (windows done / total), can
be polled, left and revisited, and cancelled.

Jobs live in the store (`unspin.store.jobs` in the database, `memjobs` without one), so every
server process on one database answers every poll and admits jobs against one capacity
(`queue_size`). Each process runs a dispatcher that claims queued jobs with a lease, renews it
while they run, and gives them back when it shuts down; a job whose process died is queued
again by the next claim. Results are saved analyses (permalinks), saved in the transaction
that finishes the job, so a job cancelled before then saves nothing.

Other kinds of work register a handler (`JobManager.register`) and are started with
`JobManager.submit(kind, payload, ...)` (`unspin.web.adapting` runs `adapt` so)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.doc import Analysis, Document
from unspin.errors import FetchError, ModelNotFoundError, UnspinError
from unspin.web.runner import Busy
from unspin.web.service import Service

log = logging.getLogger("unspin.web")
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
INTERNAL = "Internal error; the server log has the details."
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CURRENT_JOB: ContextVar[str] = ContextVar("unspin_job")  # the id of the job a handler runs


class JobCancelled(UnspinError):
    """Raised inside the worker (from the progress callback) when a job is cancelled."""


@dataclass
class Outcome:
    """What a job handler returns: its `result` (JSON), and analyses to save with it: the id
    of `saves[i]` goes into `result[i]["id"]` (None: not saved)."""

    result: Any
    saves: list[tuple[Analysis, dict[str, Any]] | None] = field(default_factory=list)
    undo: Callable[[], None] | None = None  # run (in a thread) when a cancel came before the end


class JobProgress(Protocol):
    """A handler's `progress`: `done` of `total`, and the job's new `info` when given."""

    def __call__(self, done: int, total: int, info: dict[str, Any] | None = None) -> None: ...


Handler = Callable[["JobManager", dict[str, Any], JobProgress], Awaitable[Outcome]]
_OWN = ("links", "page")  # keys of a job's `info` that are not answered as they are


@dataclass
class Job:
    """One background job as the store has it: an analysis of one text (`analyze`), of two
    (`compare`), or another registered kind."""

    id: str
    kind: str
    title: str | None
    words: int
    status: str = QUEUED
    done: int = 0
    total: int = 0
    created: str | None = None
    finished: str | None = None
    error: str | None = None
    error_status: int | None = None
    result: Any = None
    info: dict[str, Any] | None = None  # a kind's own public fields (adapt: stage, start, model)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in row.items() if k in names})

    @property
    def ids(self) -> list[str]:
        """Ids of the analyses the job saved."""
        if self.status != DONE or not isinstance(self.result, list):
            return []
        return [r["id"] for r in self.result if isinstance(r, dict) and r.get("id")]

    @property
    def page(self) -> str | None:
        """Where the result is shown, once done and saved."""
        if self.status == DONE and self.info and isinstance(self.info.get("page"), str):
            return str(self.info["page"])
        ids = self.ids
        if not ids:
            return None
        if self.kind == "compare" and len(ids) == 2:
            return f"/compare?a={ids[0]}&b={ids[1]}"
        return f"/a/{ids[0]}" if self.kind in ("analyze", "compare") else None

    def to_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        fraction = 1.0 if self.status == DONE else (self.done / self.total if self.total else 0.0)
        info = self.info or {}
        out: dict[str, Any] = {
            **{k: v for k, v in info.items() if k not in _OWN},
            "id": self.id, "kind": self.kind, "status": self.status, "title": self.title,
            "words": self.words, "created": self.created, "finished": self.finished,
            "progress": {"done": self.done, "total": self.total, "fraction": round(fraction, 4)},
            "links": {"api": f"/api/jobs/{self.id}", "page": f"/jobs/{self.id}", **info.get("links", {})},
        }
        if self.page:
            out["links"]["result"] = self.page
        if self.error:
            out["error"] = {"message": self.error, "status": self.error_status}
        if with_result and self.status == DONE:
            result = self.result
            out["result"] = result[0] if self.kind == "analyze" and isinstance(result, list) else result
        return out


def doc_payload(doc: Document) -> dict[str, Any]:
    return {"text": doc.text, "id": doc.id, "meta": dict(doc.meta)}


async def run_analysis(manager: JobManager, payload: dict[str, Any], progress: JobProgress) -> Outcome:
    """The `analyze` and `compare` handler: analyze the payload's documents; save them
    unless `save` is false."""
    docs = [Document(d["text"], d.get("id"), dict(d.get("meta") or {})) for d in payload["docs"]]
    found = await manager.service.run(docs, threshold=payload.get("threshold"), progress=progress,
                                      model=payload.get("model"))
    records = [manager.service.record(analysis, meta) for analysis, meta in found]
    return Outcome(records, list(found) if payload.get("save", True) else [])


class JobManager:
    """Submits jobs to the store and runs this process's share of them (at most `workers`
    at once), holding each with a lease of `lease` seconds renewed every `lease / 3`."""

    def __init__(self, service: Service, *, lease: float = 30.0, poll: float = 1.0):
        self.service = service
        self.lease = lease
        self.poll = poll
        self.kinds: dict[str, Handler] = {"analyze": run_analysis, "compare": run_analysis}
        self.owner = ""
        self._running: dict[str, asyncio.Task[None]] = {}
        self._wake: asyncio.Event | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def store(self) -> Any:
        return self.service.store

    def register(self, kind: str, handler: Handler) -> None:
        """Run jobs of `kind` with `handler(manager, payload, progress) -> Outcome`; it calls
        `progress(done, total)` now and then (from any thread), which raises `JobCancelled`
        once the job is cancelled."""
        self.kinds[kind] = handler

    async def start(self, docs: list[Document], *, kind: str = "analyze", threshold: float | None = None,
                    save: bool = True, model: str | None = None) -> Job:
        """Admit an analysis job (`Busy` when `queue_size` jobs are queued or running; 422 for
        an unknown `model`). The model's name goes into the payload: whichever process runs the
        job loads it."""
        self.service.model_loader(model)  # an unknown name is refused before the job is queued
        title = docs[0].meta.get("title") if docs else None
        payload = {"docs": [doc_payload(d) for d in docs], "threshold": threshold, "save": save,
                   "model": model}
        return await self.submit(kind, payload, title=str(title) if title else None,
                                 words=sum(d.word_count() for d in docs))

    async def submit(self, kind: str, payload: dict[str, Any], *, title: str | None = None,
                     words: int = 0, info: dict[str, Any] | None = None) -> Job:
        """Queue a job of a registered `kind` with a JSON `payload` for its handler; `Busy`
        when shutting down or when `queue_size` jobs are queued or running on this store.
        `info` (JSON) is answered with the job (see `Job.info`); `progress(..., info)` updates it."""
        if kind not in self.kinds:
            raise ValueError(f"No job handler for {kind!r}.")
        runner = self.service.runner
        if runner.closing or self._closing:
            raise Busy("The server is shutting down; try again in a moment.", retry_after=5)
        job = {"id": secrets.token_urlsafe(9), "kind": kind, "title": title, "words": words,
               "payload": payload, "info": info}
        capacity = self.service.settings.queue_size
        if not await run_in_threadpool(self.store.add_job, job, capacity=capacity):
            runner.refused += 1
            raise Busy(f"The server has {capacity} jobs queued or running already (its limit); "
                       f"try again in {runner.retry_after()} s.", retry_after=runner.retry_after())
        self.ensure_running()
        return await self.get(job["id"])

    async def get(self, job_id: str) -> Job:
        row = await run_in_threadpool(self.store.get_job, job_id) if _ID.match(job_id) else None
        if row is None:
            raise HTTPException(404, f"No job with id {job_id[:64]!r} (finished jobs are "
                                     "forgotten after a while; their results stay saved).")
        self.ensure_running()
        return Job.from_row(row)

    async def cancel(self, job_id: str) -> Job:
        """Cancel a queued or running job; a finished one answers 409."""
        found = await run_in_threadpool(self.store.cancel_job, job_id) if _ID.match(job_id) else None
        job = await self.get(job_id)  # 404 when there is none
        if not found:
            raise HTTPException(409, f"The job is already {job.status}; nothing to cancel.")
        self.service.runner.cancelled += 1  # /api/health counts it with the other cancels
        return job

    async def active(self) -> list[Job]:
        """Jobs still queued or running, newest first."""
        return [Job.from_row(r) for r in await run_in_threadpool(self.store.active_jobs)]

    # -- this process's worker ---------------------------------------------------------------
    def ensure_running(self) -> None:
        """Start the dispatcher on the running loop (once; again if it died)."""
        if self._closing or (self._loop_task is not None and not self._loop_task.done()):
            if self._wake is not None:
                self._wake.set()
            return
        if not self.owner:
            self.owner = f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._wake = asyncio.Event()
        self._loop_task = asyncio.get_running_loop().create_task(self._dispatch())

    async def _dispatch(self) -> None:
        assert self._wake is not None
        renewed = time.monotonic()
        while not self._closing:
            try:
                await self._fill()
                if self._running and time.monotonic() - renewed > self.lease / 3:
                    await run_in_threadpool(self.store.renew_jobs, self.owner, lease=self.lease)
                    renewed = time.monotonic()
            except Exception:  # a database hiccup must not end the dispatcher
                log.exception("The job dispatcher failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            self._wake.clear()

    async def _fill(self) -> None:
        runner = self.service.runner
        while (len(self._running) < self.service.settings.workers and runner.pending < runner.capacity
               and not runner.closing and not self._closing):
            row = await run_in_threadpool(self.store.claim_job, self.owner, lease=self.lease)
            if row is None:
                return
            task = asyncio.get_running_loop().create_task(self._run(row))
            self._running[row["id"]] = task

    async def _run(self, row: dict[str, Any]) -> None:
        job_id = row["id"]
        store, owner = self.store, self.owner
        CURRENT_JOB.set(job_id)  # this task's own context: its handler's

        def progress(done: int, total: int, info: dict[str, Any] | None = None) -> None:
            if not store.job_progress(job_id, owner, done, total, info=info):
                raise JobCancelled("The job was cancelled.")

        end: dict[str, Any] = {}
        outcome: Outcome | None = None
        try:
            await run_in_threadpool(progress, 0, 0)  # cancelled while it waited: stop here
            outcome = await self.kinds[row["kind"]](self, row["payload"], progress)
        except JobCancelled:
            pass  # cancelled (the cancel ended it) or given back at shutdown
        except Busy:  # the runner filled up meanwhile, or is closing: back to the queue
            end = {"status": QUEUED}
        except (UnspinError, HTTPException) as err:
            end = {"status": FAILED, "error": _message(err), "error_status": _status(err)}
        except Exception:  # a job must always end in a state
            log.exception("Job %s failed", job_id)
            end = {"status": FAILED, "error": INTERNAL, "error_status": 500}
        else:
            end = {"status": DONE, "result": outcome.result, "saves": outcome.saves}
        try:
            if end:
                ended = await run_in_threadpool(lambda: store.finish_job(job_id, owner, **end))
                if outcome is not None and outcome.undo is not None and ended == CANCELLED:
                    await run_in_threadpool(outcome.undo)  # cancelled after its work was done
        except Exception:
            log.exception("Job %s could not be finished", job_id)
        finally:
            self._running.pop(job_id, None)
            if self._wake is not None:
                self._wake.set()

    async def close(self) -> None:
        """Stop claiming jobs and give this process's running ones back to the queue (another
        process, or this server after a restart, runs them again)."""
        self._closing = True
        if self._loop_task is not None:
            self._loop_task.cancel()
        if self.owner:
            given = await run_in_threadpool(self.store.release_jobs, self.owner)
            if given:
                log.info("Gave %d running job(s) back to the queue", given)


def _message(err: Exception) -> str:
    return str(err.detail) if isinstance(err, HTTPException) else str(err)


def _status(err: Exception) -> int:
    if isinstance(err, HTTPException):
        return err.status_code
    if isinstance(err, (Busy, ModelNotFoundError)):
        return 503
    if isinstance(err, FetchError):
        return int(getattr(err, "status", 502))
    return 400
