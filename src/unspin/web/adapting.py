"""Adapting a model from the page: a job of kind `adapt` (run by the store's job system, like
analyses: `GET`/`DELETE /api/jobs/{id}` from any process) runs `unspin.training.adapt.adapt`
over the articles marked reviewed in the store, in a worker thread, with progress (stage,
steps done of total, in the job's `info`) and cancel, and writes the adapted model into the
models folder under a new name. It is written under a hidden name first and renamed when
complete, so `GET /api/models` never lists half a model; a cancelled or failed run leaves
nothing behind. A job whose server stopped is queued again like any other (up to the store's
`MAX_ATTEMPTS` starts) and starts over; one whose model was already published is done."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.errors import InputError, UnspinError
from unspin.web.jobs import (
    CANCELLED,
    CURRENT_JOB,
    DONE,
    FAILED,
    INTERNAL,
    Job,
    JobCancelled,
    JobManager,
    JobProgress,
    Outcome,
)
from unspin.web.models import NAME, ModelRegistry
from unspin.web.service import StoreLike

log = logging.getLogger("unspin.web")
KIND = "adapt"
MIN_ARTICLES = 2  # adapt needs one document to train on and one to check on
REVIEWED = "the articles marked reviewed in the web app's store"
EVERY = 0.25  # seconds between progress writes within one stage
Step = Callable[[str, int, int], None]  # adapt's progress: (stage, done, total)


def new_name(folder: Path, start: str) -> str:
    """A fresh model name: the start's, "-adapted-", and the time (a counter if taken)."""
    stem = f"{start[:36]}-adapted-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    name, n = stem, 1
    while (folder / name).exists():
        n += 1
        name = f"{stem}-{n}"
    assert NAME.match(name), name
    return name


def published_report(folder: Path, start: str) -> dict[str, Any]:
    """adapt's report as the published model's config records it (no server paths)."""
    from unspin.catalog import ModelFolder

    return {**ModelFolder.read(folder).config["adapted"], "start": {"model": start}}


class Adapter:
    """Starts adapt jobs (one at a time over the store) and runs them (the `adapt` handler of
    `jobs`); `options` are further `AdaptArguments` fields for every run (epochs, replay, batch
    size ...; adapt's defaults where unset)."""

    def __init__(self, jobs: JobManager, models: ModelRegistry, store: StoreLike,
                 options: dict[str, Any] | None = None):
        self.jobs = jobs
        self.models = models
        self.store = store
        self.options = dict(options or {})
        self._starting = asyncio.Lock()  # this process's starts, one after the other
        jobs.register(KIND, self.run)

    async def start(self, start: str, *, taxonomy: str, minutes: float | None, actor: str,
                    user: str | None = None, heads_only: bool = False) -> Job:
        """Check and queue a job adapting the model `start` for `user` (its owner): 422 unknown
        model or too few reviewed articles, 409 while another adaptation is queued or running on this store,
        503 when the models folder cannot be written or the job queue is full."""
        self.models.path(start)  # 422 for an unknown name
        async with self._starting:
            active = await run_in_threadpool(self.store.active_jobs)
            other = next((j for j in active if j["kind"] == KIND), None)
            if other is not None:
                raise HTTPException(409, f"A model is being adapted already (job {other['id']}); "
                                         "wait for it or cancel it first.")
            reviewed = len(await run_in_threadpool(self.store.reviewed_ids))
            if reviewed < MIN_ARTICLES:
                raise InputError(f"Adapting needs at least {MIN_ARTICLES} articles marked reviewed (one to "
                              f"train on, one to check on); {reviewed} {'is' if reviewed == 1 else 'are'}. "
                              "Review articles and press \"Mark reviewed\" first.")
            try:
                self.models.folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise HTTPException(503, f"The models folder cannot be written ({err.strerror}): set "
                                         "UNSPIN_HOME to a writable folder.") from None
            name = new_name(self.models.folder, start)
            payload = {"start": start, "model": name, "taxonomy": taxonomy, "minutes": minutes,
                       "heads_only": heads_only, "actor": actor}
            how = " (heads only)" if heads_only else ""
            title = f"Adapt {start}{how} to {reviewed} reviewed articles"
            return await self.jobs.submit(KIND, payload, title=title, user=user,
                                          info=self._info(payload, "export"))

    @staticmethod
    def _info(payload: dict[str, Any], stage: str) -> dict[str, Any]:
        """The job's public fields: `stage`, `start`, the new `model`; once done its page."""
        return {"stage": stage, "start": payload["start"], "model": payload["model"],
                "page": f"/?model={payload['model']}", "links": {"models": "/api/models"}}

    async def run(self, manager: JobManager, payload: dict[str, Any], progress: JobProgress) -> Outcome:
        """The `adapt` handler: adapt in a worker thread, then answer the new model's name and
        adapt's report; the audit log records how it ended (`adapted`)."""
        job_id = CURRENT_JOB.get("")
        stopped = threading.Event()
        last = {"at": 0.0, "stage": ""}

        def step(stage: str, done: int, total: int) -> None:  # worker thread
            now = time.monotonic()
            if stage == last["stage"] and done < total and now - last["at"] < EVERY:
                return  # at most a few writes a second
            last.update(at=now, stage=stage)
            try:
                progress(done, total, self._info(payload, stage))
            except JobCancelled:
                stopped.set()  # adapt stops at its next step (cancelled, or given back)

        try:
            report = await asyncio.to_thread(self.work, payload, step, stopped.is_set)
        except Exception as err:
            if stopped.is_set():
                status = await run_in_threadpool(self._status, job_id)
                if status == CANCELLED:  # given back at shutdown: it runs again, and says so then
                    await run_in_threadpool(self._log, payload, job_id, CANCELLED, None, None)
                raise JobCancelled("The job was cancelled.") from None
            said = str(err.detail) if isinstance(err, HTTPException) else str(err)
            said = said if isinstance(err, (UnspinError, HTTPException)) else INTERNAL  # as the job says
            await run_in_threadpool(self._log, payload, job_id, FAILED, None, said)
            raise
        await run_in_threadpool(self._log, payload, job_id, DONE, report, None)
        return Outcome({"model": payload["model"], "report": report},
                       undo=lambda: self._unpublish(payload, job_id, report))

    def work(self, payload: dict[str, Any], step: Step, stopped: Callable[[], bool]) -> dict[str, Any]:
        """Export the reviewed articles, adapt, then publish the folder (worker thread)."""
        from unspin import catalog
        from unspin.store.annotations import export_annotations

        name, start = payload["model"], payload["start"]
        final = self.models.folder / name
        partial = self.models.folder / f".partial-{name}"
        if final.is_dir():  # published by a run whose server stopped before it could say so
            return published_report(final, start)
        path = self.models.path(start)
        shutil.rmtree(partial, ignore_errors=True)  # a run whose server died left it: start over
        try:
            with tempfile.TemporaryDirectory(prefix="unspin-adapt-") as data:
                step("export", 0, 1)
                export_annotations(self.store, data, fmt="ptc")
                step("export", 1, 1)
                options = dict(self.options)
                if payload.get("heads_only"):  # a job queued before the field existed lacks it
                    options["heads_only"] = True
                args = catalog.AdaptArguments(data=[data], out=str(partial), start=str(path),
                                      taxonomy=payload["taxonomy"], minutes=payload["minutes"],
                                      **options)
                catalog.adapt(args, progress=step, cancel=stopped)
            step("save", 0, 1)
            if stopped():
                raise JobCancelled("The job was cancelled.")
            folder = catalog.ModelFolder.read(partial)
            folder.config["name"] = name  # analyses record this name
            # the data was a temporary export: say what it was instead of where
            said = json.dumps(data)[1:-1]
            adapted = json.loads(json.dumps(folder.config["adapted"]).replace(said, REVIEWED))
            adapted["start"]["model"] = adapted["settings"]["start"] = start
            folder.config["adapted"] = adapted
            folder.write()
            partial.rename(final)
            step("save", 1, 1)
            return published_report(final, start)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)

    def _status(self, job_id: str) -> str | None:
        row = self.store.get_job(job_id) if job_id else None
        return None if row is None else str(row["status"])

    def _unpublish(self, payload: dict[str, Any], job_id: str, report: dict[str, Any]) -> None:
        """A cancel came after the model was published but before the job ended: the job is
        cancelled, so the model goes too."""
        shutil.rmtree(self.models.folder / payload["model"], ignore_errors=True)
        self._log(payload, job_id, CANCELLED, report, None)

    def _log(self, payload: dict[str, Any], job_id: str, status: str, report: dict[str, Any] | None,
             error: str | None) -> None:
        if not hasattr(self.store, "log_action"):
            return
        report = report or {}
        detail = {"job": job_id, "from": payload["start"], "status": status, "error": error,
                  "before": report.get("held_out_before"), "after": report.get("held_out_after")}
        try:
            self.store.log_action(payload["actor"], "adapted", payload["model"], detail)
        except Exception:  # the log must not turn a finished job into a failed one
            log.exception("Could not record adapt job %s in the audit log", job_id)
