"""Analysis jobs: long texts run in the background with progress (windows done / total), can
be polled, left and revisited, and cancelled.

Jobs live in the store (`unspin.store.jobs` in the database, `memjobs` without one), so every
server process on one database answers every poll and admits jobs against one capacity
(`queue_size`). Each process runs a dispatcher that claims queued jobs with a lease, renews it
while they run, and gives them back when it shuts down; a job whose process died is queued
again by the next claim. Results are saved analyses (permalinks), saved in the transaction
that finishes the job, so a job cancelled before then saves nothing.

Other kinds of work register a handler (`JobManager.register`) and are started with
`JobManager.submit(kind, payload, ...)` (`unspin.web.adapting` runs `adapt` so).

With accounts on, a job belongs to the user who submitted it: `get`, `cancel` and `active`
take the asking user (`viewer`) and show a job only to its submitter or an admin; anyone
else gets the same 404 as for a job that does not exist, so ids do not leak."""

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
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.doc import Document
from unspin.errors import FetchError, ModelNotFoundError, UnspinError
from unspin.web.jobinputs import FetchLater, fetch_for_job, job_title
from unspin.web.jobview import CANCELLED, DONE, FAILED, QUEUED, Job, JobProgress, Outcome, may_see
from unspin.web.runner import Busy
from unspin.web.service import Service

log = logging.getLogger("unspin.web")
INTERNAL = "Internal error; the server log has the details."
_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CURRENT_JOB: ContextVar[str] = ContextVar("unspin_job")  # the id of the job a handler runs


class JobCancelled(UnspinError):
    """Raised inside the worker (from the progress callback) when a job is cancelled."""


Handler = Callable[["JobManager", dict[str, Any], JobProgress], Awaitable[Outcome]]


def doc_payload(doc: Document | FetchLater) -> dict[str, Any]:
    if isinstance(doc, FetchLater):
        return doc.payload()
    return {"text": doc.text, "id": doc.id, "meta": dict(doc.meta)}


async def run_analysis(manager: JobManager, payload: dict[str, Any], progress: JobProgress) -> Outcome:
    """The `analyze` and `compare` handler: fetch the payload's URLs, analyze its documents;
    save them unless `save` is false."""
    docs = [await fetch_for_job(manager.service, d, lambda: progress(0, 0)) if "url" in d
            else Document(d["text"], d.get("id"), dict(d.get("meta") or {})) for d in payload["docs"]]
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

    async def start(self, docs: list[Document | FetchLater], *, kind: str = "analyze",
                    threshold: float | None = None, save: bool = True, user: str | None = None,
                    model: str | None = None) -> Job:
        """Admit an analysis job for `user` (`Busy` when `queue_size` jobs are queued or
        running; 422 for an unknown `model`) of `docs`: documents, or URLs the job fetches
        when it runs. The model's name goes into the payload: whichever process runs the job
        loads it."""
        self.service.model_loader(model)  # an unknown name is refused before the job is queued
        title = job_title(docs[0]) if docs else None
        payload = {"docs": [doc_payload(d) for d in docs], "threshold": threshold, "save": save,
                   "model": model}
        return await self.submit(kind, payload, title=str(title) if title else None, user=user,
                                 words=sum(d.word_count() for d in docs if isinstance(d, Document)))

    async def submit(self, kind: str, payload: dict[str, Any], *, title: str | None = None,
                     words: int = 0, user: str | None = None, info: dict[str, Any] | None = None) -> Job:
        """Queue a job of a registered `kind` with a JSON `payload` for its handler, submitted
        by `user` (a user name; None with accounts off); `Busy` when shutting down or when
        `queue_size` jobs are queued or running on this store. `info` (JSON) is answered with
        the job (see `Job.info`); `progress(..., info)` updates it."""
        if kind not in self.kinds:
            raise ValueError(f"No job handler for {kind!r}.")
        runner = self.service.runner
        if runner.closing or self._closing:
            raise Busy("The server is shutting down; try again in a moment.", retry_after=5)
        job = {"id": secrets.token_urlsafe(9), "kind": kind, "title": title, "words": words,
               "payload": payload, "info": info, "user": user}
        capacity, per_user = self.service.settings.queue_size, self.service.settings.jobs_per_user
        if not await run_in_threadpool(lambda: self.store.add_job(job, capacity=capacity, per_user=per_user)):
            runner.refused += 1
            if user is not None and per_user and len(await self.active({"name": user})) >= per_user:
                raise Busy(f"You have {per_user} jobs queued or running already (the limit for one user); "
                           f"try again in {runner.retry_after()} s.", retry_after=runner.retry_after(),
                           status=429)  # this client's share: 429; the server's whole queue: 503
            raise Busy(f"The server has {capacity} jobs queued or running already (its limit); "
                       f"try again in {runner.retry_after()} s.", retry_after=runner.retry_after())
        self.ensure_running()
        return await self.get(job["id"])

    async def get(self, job_id: str, viewer: dict[str, Any] | None = None) -> Job:
        """The job `job_id` as `viewer` may see it (see `may_see`): 404 when there is none
        or it is someone else's."""
        row = await run_in_threadpool(self.store.get_job, job_id) if _ID.match(job_id) else None
        if row is None or not may_see(row, viewer):
            raise HTTPException(404, f"No job with id {job_id[:64]!r} (finished jobs are "
                                     "forgotten after a while; their results stay saved).")
        self.ensure_running()
        return Job.from_row(row)

    async def cancel(self, job_id: str, viewer: dict[str, Any] | None = None) -> Job:
        """Cancel a queued or running job `viewer` may see (404 otherwise); a finished one
        answers 409."""
        await self.get(job_id, viewer)  # who submitted a job never changes: check it first
        found = await run_in_threadpool(self.store.cancel_job, job_id)
        job = await self.get(job_id, viewer)
        if not found:
            raise HTTPException(409, f"The job is already {job.status}; nothing to cancel.")
        self.service.runner.cancelled += 1  # /api/health counts it with the other cancels
        return job

    async def active(self, viewer: dict[str, Any] | None = None) -> list[Job]:
        """Jobs still queued or running that `viewer` may see, newest first."""
        mine = None if viewer is None or viewer.get("role") == "admin" else str(viewer.get("name"))
        rows = await run_in_threadpool(lambda: self.store.active_jobs(user=mine))
        return [Job.from_row(r) for r in rows]

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
