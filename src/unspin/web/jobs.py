"""Analysis jobs: long texts run in the background with progress (windows done / total), can
be polled, left and revisited, and cancelled. Jobs live in memory; their results are saved
analyses (permalinks), so nothing is lost when a finished job is forgotten."""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException

from unspin.doc import Document
from unspin.errors import FetchError, ModelNotFoundError, UnspinError
from unspin.web.runner import Busy
from unspin.web.service import Service

log = logging.getLogger("unspin.web")
QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
INTERNAL = "Internal error; the server log has the details."


class JobCancelled(UnspinError):
    """Raised inside the worker (from the progress callback) when a job is cancelled."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Job:
    """One background analysis of one text (`analyze`) or two (`compare`)."""

    id: str
    kind: str
    title: str | None
    words: int
    status: str = QUEUED
    done: int = 0
    total: int = 0
    created: str = field(default_factory=_now)
    finished: str | None = None
    error: str | None = None
    error_status: int | None = None
    ids: list[str] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)
    task: asyncio.Task[None] | None = None

    def progress(self, done: int, total: int) -> None:
        """The analyzer's progress callback (worker thread): record it, or stop if cancelled."""
        if self.cancel.is_set():
            raise JobCancelled("The job was cancelled.")
        self.status = RUNNING
        self.done, self.total = done, max(total, done)

    @property
    def page(self) -> str | None:
        """Where the result is shown, once done and saved."""
        if self.status != DONE or not self.ids:
            return None
        if self.kind == "compare" and len(self.ids) == 2:
            return f"/compare?a={self.ids[0]}&b={self.ids[1]}"
        return f"/a/{self.ids[0]}"

    def to_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        fraction = 1.0 if self.status == DONE else (self.done / self.total if self.total else 0.0)
        out: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "status": self.status, "title": self.title,
            "words": self.words, "created": self.created, "finished": self.finished,
            "progress": {"done": self.done, "total": self.total, "fraction": round(fraction, 4)},
            "links": {"api": f"/api/jobs/{self.id}", "page": f"/jobs/{self.id}"},
        }
        if self.page:
            out["links"]["result"] = self.page
        if self.error:
            out["error"] = {"message": self.error, "status": self.error_status}
        if with_result and self.status == DONE:
            out["result"] = self.records[0] if self.kind == "analyze" else self.records
        return out


class JobManager:
    """Starts jobs as asyncio tasks on the app's loop and keeps the newest `limit`."""

    def __init__(self, service: Service, *, limit: int = 100):
        self.service = service
        self.limit = limit
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def start(self, docs: list[Document], *, kind: str = "analyze", threshold: float | None = None,
              save: bool = True, model: str | None = None) -> Job:
        """Admit and start a job (`Busy` when the inference queue is full; 422 for an unknown
        `model`)."""
        self.service.model_loader(model)  # an unknown name is refused before the job starts
        self.service.runner.admit()
        title = docs[0].meta.get("title") if docs else None
        job = Job(secrets.token_urlsafe(9), kind, str(title) if title else None,
                  sum(d.word_count() for d in docs))
        job.task = asyncio.get_running_loop().create_task(self._run(job, docs, threshold, save, model))
        return self.track(job)

    def track(self, job: Job) -> Job:
        """Keep `job` (started by the caller, of any kind) for `get` and `cancel`, with the newest `limit`."""
        self._jobs[job.id] = job
        while len(self._jobs) > self.limit:
            old_id = next((k for k, j in self._jobs.items() if j.status in FINISHED), None)
            if old_id is None:
                break
            del self._jobs[old_id]
        return job

    async def _run(self, job: Job, docs: list[Document], threshold: float | None, save: bool,
                   model: str | None = None) -> None:
        try:
            records = await self.service.analyze(docs, threshold=threshold, save=save,
                                                 progress=job.progress, admitted=True, model=model)
        except JobCancelled:
            job.status = CANCELLED
        except (UnspinError, HTTPException) as err:
            job.status, job.error, job.error_status = FAILED, _message(err), _status(err)
        except Exception:  # a job must always end in a state
            log.exception("Job %s failed", job.id)
            job.status, job.error, job.error_status = FAILED, INTERNAL, 500
        else:
            if job.cancel.is_set():
                job.status = CANCELLED
            else:
                job.records = records
                job.ids = [r["id"] for r in records if r.get("id")]
                job.done = job.total = max(job.total, job.done)
                job.status = DONE
        job.finished = _now()

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise HTTPException(404, f"No job with id {job_id[:64]!r} (jobs are kept in memory "
                                     "until restart).")
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued or running job; a finished one answers 409."""
        job = self.get(job_id)
        if job.status in FINISHED:
            raise HTTPException(409, f"The job is already {job.status}; nothing to cancel.")
        job.cancel.set()
        job.status = CANCELLED
        self.service.runner.cancelled += 1  # /api/health counts it with the other cancels
        return job

    def active(self) -> list[Job]:
        """Jobs still queued or running, newest first."""
        return [j for j in reversed(self._jobs.values()) if j.status not in FINISHED]


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
