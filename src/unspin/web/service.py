"""What the routes share: the settings, the inference runner and the store, with the few
operations the views need (documents from input, analyze-and-save, look up)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from unspin.doc import Analysis, Document
from unspin.web.inputs import TooLong, document_for
from unspin.web.runner import AnalyzerLike, InferenceRunner, Progress
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

    def delete_analysis(self, analysis_id: str) -> bool: ...

    def send_to_corpus(self, analysis_id: str) -> dict[str, Any] | None: ...

    def add_correction(self, analysis_id: str, correction: dict[str, Any]) -> dict[str, Any]: ...

    def corrections(self, analysis_id: str) -> list[dict[str, Any]]: ...

    def reviewed_ids(self) -> list[str]: ...

    def review_mark(self, analysis_id: str) -> dict[str, Any] | None: ...

    def set_reviewed(self, analysis_id: str, reviewer: str | None) -> dict[str, Any] | None: ...

    def add_technique(self, name: str, definition: str, reviewer: str) -> dict[str, Any]: ...

    def added_techniques(self) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


# What the views call on a store only with accounts on (a database store: `MemoryStore` is
# refused then): `unspin.store.Store` alone has these.
DATABASE_ONLY = ("user_for", "end_credential", "new_credential", "check_password", "login_failures",
                 "add_login_failure", "clear_login_failures", "admin_count", "log_action")


class Service:
    """Settings, runner and store behind the views."""

    def __init__(self, settings: WebSettings, runner: InferenceRunner, store: StoreLike):
        self.settings = settings
        self.runner = runner
        self.store = store
        self.models: ModelRegistry | None = None  # set by `create_app`: the models by name

    async def document(self, kind: str, value: Any) -> Document:
        """A Document from one input field (fetching and extraction run in a thread)."""
        return await run_in_threadpool(document_for, kind, value, self.settings)

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
        load = self.model_loader(model)
        threshold = self.settings.threshold if threshold is None else threshold
        analyses = await self.runner.analyze(
            docs, threshold=threshold, batch_size=self.settings.batch_size, progress=progress,
            admitted=admitted, timeout=None if admitted else self.settings.request_timeout,
            disconnected=disconnected, model=load,
        )
        if threshold is None:  # record the model's own least score: the page's slider starts there
            used = await run_in_threadpool(load) if load else self.runner.analyzer()  # loaded: at once
            threshold = getattr(used, "threshold", None)
        records = []
        for analysis in analyses:
            meta = {k: analysis.doc.meta[k] for k in _META_KEYS if analysis.doc.meta.get(k)}
            if threshold is not None:
                meta["threshold"] = threshold
            record = analysis.to_dict()
            if save:
                aid = await run_in_threadpool(self.store.save_analysis, analysis, meta=meta)
                record["id"] = aid
            record.setdefault("created", datetime.now(UTC).isoformat().replace("+00:00", "Z"))
            record["meta"] = meta
            records.append(record)
        return records

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
        describe = getattr(self.store, "describe", None)
        store = describe() if callable(describe) else type(self.store).__name__
        return {"ok": True, "model": self.runner.model_name, "model_loaded": self.runner.loaded,
                "queue": self.runner.stats(), "store": store}
