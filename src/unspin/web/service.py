"""What the routes share: the settings, the inference runner and the store, with the few
operations the views need (documents from input, analyze-and-save, look up)."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.doc import Analysis, Document
from unspin.web.inputs import TooLong, document_for
from unspin.web.runner import AnalyzerLike, Busy, InferenceRunner, Progress
from unspin.web.settings import WebSettings

if TYPE_CHECKING:
    from unspin.web.models import ModelRegistry

_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_META_KEYS = ("title", "url", "source", "format", "date", "sitename", "normalized", "pages",
              "pages_without_text")


class StoreLike(Protocol):
    """Every method the views call on a store: `unspin.store.Store` and `MemoryStore` both
    have them, with the same parameters (tests/web/test_storelike.py checks)."""

    def describe(self) -> str: ...

    def save_analysis(self, analysis: Analysis, *, meta: dict[str, Any] | None = None) -> str: ...

    def get_analysis(self, analysis_id: str) -> dict[str, Any] | None: ...

    def saved_analyses(self, *, query: str | None = None, limit: int = 50, offset: int = 0,
                       reviewed: bool | None = None) -> dict[str, Any]: ...

    def saved_ids(self, *, query: str | None = None, limit: int = 10_000) -> list[str]: ...

    def delete_analysis(self, analysis_id: str) -> bool: ...

    def send_to_corpus(self, analysis_id: str) -> dict[str, Any] | None: ...

    def add_correction(self, analysis_id: str, correction: dict[str, Any], *,
                       version: int | None = None) -> dict[str, Any]: ...

    def corrections(self, analysis_id: str) -> list[dict[str, Any]]: ...

    def reviewed_ids(self) -> list[str]: ...

    def review_mark(self, analysis_id: str) -> dict[str, Any] | None: ...

    def set_reviewed(self, analysis_id: str, reviewer: str | None) -> dict[str, Any] | None: ...

    def add_technique(self, name: str, definition: str, reviewer: str) -> dict[str, Any]: ...

    def added_techniques(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...

    # jobs (unspin.store.jobs.JobsMixin, unspin.web.memjobs.MemoryJobsMixin)
    def add_job(self, job: dict[str, Any], *, capacity: int, per_user: int = 0) -> bool: ...

    def get_job(self, job_id: str) -> dict[str, Any] | None: ...

    def active_jobs(self, *, limit: int = 50, user: str | None = None) -> list[dict[str, Any]]: ...

    def claim_job(self, owner: str, *, lease: float) -> dict[str, Any] | None: ...

    def renew_jobs(self, owner: str, *, lease: float) -> None: ...

    def job_progress(self, job_id: str, owner: str, done: int, total: int, *,
                     info: dict[str, Any] | None = None) -> bool: ...

    def release_jobs(self, owner: str) -> int: ...

    def finish_job(self, job_id: str, owner: str, *, status: str, result: Any = None,
                   saves: Sequence[tuple[Analysis, dict[str, Any]] | None] = (),
                   error: str | None = None, error_status: int | None = None) -> str: ...

    def cancel_job(self, job_id: str) -> bool | None: ...


# What the views call on a store only with accounts on (a database store: `MemoryStore` is
# refused then): `unspin.store.Store` alone has these.
DATABASE_ONLY = ("user_for", "end_credential", "new_credential", "check_password", "login_failures",
                 "add_login_failure", "clear_login_failures", "admin_count", "log_action",
                 "get_user", "add_user", "set_role")  # the last three: SSO (`sso`)


class Service:
    """Settings, runner and store behind the views."""

    def __init__(self, settings: WebSettings, runner: InferenceRunner, store: StoreLike):
        self.settings = settings
        self.runner = runner
        self.store = store
        self.models: ModelRegistry | None = None  # set by `create_app`: the models by name
        self.fetching = 0  # URL fetches running now (this process)

    async def document(self, kind: str, value: Any) -> Document:
        """A Document from one input field (fetching and extraction run in a thread). A URL
        fetch holds a slot of the queue while it runs (one deadline, `fetch_timeout`, covers
        it whole), and at most `fetch_concurrency` run at once: beyond either, `Busy` (503)."""
        if kind != "url":
            return await run_in_threadpool(document_for, kind, value, self.settings)
        limit = self.settings.fetch_concurrency
        if self.fetching >= limit:
            self.runner.refused += 1
            wait = max(1, math.ceil(self.settings.fetch_timeout / 2))
            raise Busy(f"The server is fetching {self.fetching} URLs already (its limit); try again "
                       f"in {wait} s.", retry_after=wait)
        self.runner.admit()
        self.fetching += 1
        try:
            return await run_in_threadpool(document_for, kind, value, self.settings)
        finally:
            self.fetching -= 1
            self.runner.release()

    def require_sync(self, doc: Document) -> None:
        """413 when `doc` is longer than a request may analyze at once (`sync_max_chars`)."""
        limit = self.settings.sync_max_chars
        if len(doc.text) > limit:
            raise TooLong(f"The text has {len(doc.text):,} characters; a request analyzes at most "
                          f"{limit:,} at once. Send it to POST /api/jobs and fetch the result when it is "
                          "done, or split it.")

    async def analyze(self, docs: list[Document], *, threshold: float | None, save: bool = True,
                      progress: Progress | None = None, admitted: bool = False,
                      disconnected: Callable[[], Awaitable[bool]] | None = None,
                      model: str | None = None) -> list[dict[str, Any]]:
        """Analyze `docs` as one job with the model named `model` (default: the server's own)
        and return their records (saved ones carry an id). A request's work (not `admitted` by
        a job) is dropped when `disconnected()` turns true or `request_timeout` passes; a job
        (`admitted`) has no time budget."""
        found = await self.run(docs, threshold=threshold, progress=progress, admitted=admitted,
                               timeout=None if admitted else self.settings.request_timeout,
                               disconnected=disconnected, model=model)
        out = []
        for analysis, meta in found:
            record = self.record(analysis, meta)
            if save:
                record["id"] = await run_in_threadpool(self.store.save_analysis, analysis, meta=meta)
            out.append(record)
        return out

    async def run(self, docs: list[Document], *, threshold: float | None,
                  progress: Progress | None = None, admitted: bool = False, timeout: float | None = None,
                  disconnected: Callable[[], Awaitable[bool]] | None = None, model: str | None = None,
                  ) -> list[tuple[Analysis, dict[str, Any]]]:
        """Analyses of `docs` (one runner job, nothing saved) with the model named `model`
        (default: the server's own), each with the metadata a saved analysis records (where the
        text came from, the threshold used)."""
        load = self.model_loader(model)
        threshold = self.settings.threshold if threshold is None else threshold
        analyses = await self.runner.analyze(
            docs, threshold=threshold, batch_size=self.settings.batch_size, progress=progress,
            admitted=admitted, timeout=timeout, disconnected=disconnected, model=load,
        )
        if threshold is None:  # record the model's own least score: the page's slider starts there
            used = await run_in_threadpool(load) if load else self.runner.analyzer()  # loaded: at once
            threshold = getattr(used, "threshold", None)
        out = []
        for analysis in analyses:
            meta = {k: analysis.doc.meta[k] for k in _META_KEYS if analysis.doc.meta.get(k)}
            if threshold is not None:
                meta["threshold"] = threshold
            out.append((analysis, meta))
        return out

    @staticmethod
    def record(analysis: Analysis, meta: dict[str, Any]) -> dict[str, Any]:
        """What the API answers for `analysis` (its id is added once saved)."""
        record = analysis.to_dict()
        record.setdefault("created", datetime.now(UTC).isoformat().replace("+00:00", "Z"))
        record["meta"] = meta
        return record

    def model_loader(self, model: str | None) -> Callable[[], AnalyzerLike] | None:
        """What loads the model named `model` (None: the server's own); 422 for an unknown name."""
        if model is None or self.models is None:
            return None
        return self.models.loader(model)

    async def get(self, analysis_id: str) -> dict[str, Any]:
        """The stored record, or 404."""
        found = None
        if _ID.match(analysis_id):
            found = await run_in_threadpool(self.store.get_analysis, analysis_id)
        if found is None:
            raise HTTPException(404, f"No saved analysis with id {analysis_id[:128]!r}.")
        return found

    def health(self) -> dict[str, Any]:
        engine = getattr(self.store, "engine", None)  # its kind only: never a path or an address
        store = engine.url.get_backend_name() if engine is not None else "memory"
        return {"ok": True, "model": self.runner.model_name, "model_loaded": self.runner.loaded,
                "queue": self.runner.stats(), "store": store}
