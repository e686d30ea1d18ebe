"""Adapting a model from the page: an `adapt` job runs `unspin.training.adapt.adapt` over the
articles marked reviewed in the store, in a worker thread, with progress (stage, steps done of
total) and cancel, and writes the adapted model into the models folder under a new name. It is
written under a hidden name first and renamed when complete, so `GET /api/models` never lists
half a model; a cancelled or failed run leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unspin.errors import UnspinError
from unspin.web.inputs import BadBody
from unspin.web.jobs import CANCELLED, DONE, FAILED, INTERNAL, RUNNING, Job, JobManager, _now
from unspin.web.models import NAME, ModelRegistry
from unspin.web.service import StoreLike

log = logging.getLogger("unspin.web")
KIND = "adapt"
MIN_ARTICLES = 2  # adapt needs one document to train on and one to check on
REVIEWED = "the articles marked reviewed in the web app's store"


@dataclass
class AdaptJob(Job):
    """A job of kind `adapt`: `stage` (export, train, tune, save) and `done` of `total` steps
    within it; once done, `result` names the new `model` with adapt's `report`."""

    stage: str = "export"
    start: str = ""
    model: str = ""
    report: dict[str, Any] | None = None

    @property
    def page(self) -> str | None:
        """Once done: the analyze form with the new model picked."""
        return f"/?model={self.model}" if self.status == DONE else None

    def step(self, stage: str, done: int, total: int) -> None:
        """adapt's progress callback (worker thread)."""
        self.stage, self.status = stage, RUNNING
        self.done, self.total = done, max(total, done)

    def to_dict(self, *, with_result: bool = True) -> dict[str, Any]:
        out = super().to_dict(with_result=False)
        out.update(stage=self.stage, start=self.start, model=self.model)
        out["links"]["models"] = "/api/models"
        if with_result and self.status == DONE:
            out["result"] = {"model": self.model, "report": self.report}
        return out


def new_name(folder: Path, start: str) -> str:
    """A fresh model name: the start's, "-adapted-", and the time (a counter if taken)."""
    stem = f"{start[:36]}-adapted-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    name, n = stem, 1
    while (folder / name).exists():
        n += 1
        name = f"{stem}-{n}"
    assert NAME.match(name), name
    return name


class Adapter:
    """Starts adapt jobs (one at a time) and runs them; `options` are further `AdaptArguments`
    fields for every run (epochs, replay, batch size ...; adapt's defaults where unset)."""

    def __init__(self, jobs: JobManager, models: ModelRegistry, store: StoreLike,
                 options: dict[str, Any] | None = None):
        self.jobs = jobs
        self.models = models
        self.store = store
        self.options = dict(options or {})
        self.running: AdaptJob | None = None

    def start(self, start: str, *, taxonomy: str, minutes: float | None, actor: str) -> AdaptJob:
        """Check and start a job adapting the model `start` (422 unknown model or too few
        reviewed articles, 409 while another adaptation runs)."""
        from starlette.exceptions import HTTPException

        path = self.models.path(start)
        if self.running is not None and self.running.task is not None and not self.running.task.done():
            raise HTTPException(409, f"A model is being adapted already (job {self.running.id}); "
                                     "wait for it or cancel it first.")
        reviewed = len(self.store.reviewed_ids())
        if reviewed < MIN_ARTICLES:
            raise BadBody(f"Adapting needs at least {MIN_ARTICLES} articles marked reviewed (one to "
                             f"train on, one to check on); {reviewed} {'is' if reviewed == 1 else 'are'}. "
                             "Review articles and press \"Mark reviewed\" first.")
        try:
            self.models.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise HTTPException(503, f"The models folder cannot be written ({err.strerror}): set "
                                     "UNSPIN_HOME to a writable folder.") from None
        name = new_name(self.models.folder, start)
        job = AdaptJob(secrets.token_urlsafe(9), KIND, f"Adapt {start} to {reviewed} reviewed articles",
                       0, start=start, model=name)
        self.running = job
        job.task = asyncio.get_running_loop().create_task(
            self._run(job, path, taxonomy=taxonomy, minutes=minutes, actor=actor))
        return self.jobs.track(job)

    async def _run(self, job: AdaptJob, path: Path, **kwargs: Any) -> None:
        try:
            await asyncio.to_thread(self.work, job, path, **kwargs)
        except UnspinError as err:
            if job.cancel.is_set():
                job.status = CANCELLED
            else:
                job.status, job.error, job.error_status = FAILED, str(err), 400
        except Exception:  # a job must always end in a state
            log.exception("Adapt job %s failed", job.id)
            job.status, job.error, job.error_status = FAILED, INTERNAL, 500
        else:  # a cancel that came after the model was published is too late: it is done
            job.status = DONE if (self.models.folder / job.model).is_dir() else CANCELLED
        job.finished = _now()
        await asyncio.to_thread(self._log, kwargs["actor"], job)

    def work(self, job: AdaptJob, path: Path, *, taxonomy: str, minutes: float | None, actor: str) -> None:
        """Export the reviewed articles, adapt, then publish the folder (worker thread)."""
        from unspin.runtime.folder import ModelFolder
        from unspin.store.annotations import export_annotations
        from unspin.training.adapt import AdaptArguments, adapt

        final = self.models.folder / job.model
        partial = self.models.folder / f".partial-{job.model}"
        try:
            with tempfile.TemporaryDirectory(prefix="unspin-adapt-") as data:
                job.step("export", 0, 1)
                export_annotations(self.store, data, fmt="ptc")
                job.step("export", 1, 1)
                args = AdaptArguments(data=[data], out=str(partial), start=str(path), taxonomy=taxonomy,
                                      minutes=minutes, **self.options)
                job.report = adapt(args, progress=job.step, cancel=job.cancel.is_set)
            if job.cancel.is_set():
                return
            job.step("save", 0, 1)
            folder = ModelFolder.read(partial)
            folder.config["name"] = job.model  # analyses record this name
            # the data was a temporary export: say what it was instead of where
            said = json.dumps(data)[1:-1]
            adapted = json.loads(json.dumps(folder.config["adapted"]).replace(said, REVIEWED))
            adapted["start"]["model"] = adapted["settings"]["start"] = job.start
            folder.config["adapted"] = adapted
            folder.write()
            job.report = {**folder.config["adapted"], "start": {"model": job.start}}  # no server paths
            partial.rename(final)
            job.step("save", 1, 1)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)

    def _log(self, actor: str, job: AdaptJob) -> None:
        if not hasattr(self.store, "log_action"):
            return
        report = job.report or {}
        detail = {"job": job.id, "from": job.start, "status": job.status, "error": job.error,
                  "before": report.get("held_out_before"), "after": report.get("held_out_after")}
        try:
            self.store.log_action(actor, "adapted", job.model, detail)
        except Exception:  # the log must not turn a finished job into a failed one
            log.exception("Could not record adapt job %s in the audit log", job.id)
