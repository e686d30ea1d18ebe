"""Inference off the event loop: a few worker threads and a bounded number of jobs.

When `capacity` jobs are already running or waiting, `Busy` is raised at once (the API
answers 503 with Retry-After) instead of letting requests pile up without bound.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from unspin.doc import Analysis, Document
from unspin.errors import UnspinError

Progress = Callable[[int, int], None]


class AnalyzerLike(Protocol):
    """What the app needs of an analyzer (`unspin.Analyzer` or a test fake)."""

    name: str

    @property
    def threshold(self) -> float: ...

    def analyze(self, text: str | Document, *, threshold: float | None = None,
                progress: Progress | None = None) -> Analysis: ...

    def pipe(self, texts: Any, *, batch_size: int = 16, threshold: float | None = None,
             progress: Progress | None = None) -> Any: ...


class Busy(UnspinError):
    """Every inference slot is taken (503), or this client has its share (429); try again
    after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int, status: int = 503):
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class ClientGone(UnspinError):
    """The client disconnected while its analysis waited; nothing is sent back."""


class TimedOut(UnspinError):
    """An analysis did not finish within the request's time budget (504)."""


class InferenceRunner:
    """Runs analyses in `workers` threads, refusing work beyond `capacity` jobs."""

    def __init__(self, analyzer: AnalyzerLike | None, *, loader: Callable[[], AnalyzerLike],
                 workers: int = 1, capacity: int = 8):
        self._analyzer = analyzer
        self._loader = loader
        self._load_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="unspin-infer")
        self.workers = workers
        self.capacity = capacity
        self.pending = 0
        self.done = 0
        self.refused = 0
        self._mean_seconds = 1.0
        self.closing = False
        self.cancelled = 0

    @property
    def loaded(self) -> bool:
        return self._analyzer is not None

    @property
    def model_name(self) -> str | None:
        return None if self._analyzer is None else str(self._analyzer.name)

    def analyzer(self) -> AnalyzerLike:
        """The analyzer, loaded on first use (in a worker thread, never on the event loop)."""
        if self._analyzer is None:
            with self._load_lock:
                if self._analyzer is None:
                    self._analyzer = self._loader()
        return self._analyzer

    def retry_after(self) -> int:
        return max(1, math.ceil(self._mean_seconds * (self.pending + 1) / self.workers))

    def admit(self) -> None:
        """Take one slot now, or raise `Busy` when shutting down or all `capacity` are
        taken; `analyze(..., admitted=True)` gives it back when done."""
        if self.closing:
            raise Busy("The server is shutting down; try again in a moment.", retry_after=5)
        if self.pending >= self.capacity:
            self.refused += 1
            raise Busy(
                f"The server is analyzing {self.pending} texts already (its limit); "
                f"try again in {self.retry_after()} s.", retry_after=self.retry_after())
        self.pending += 1

    def release(self) -> None:
        """Give back a slot taken with `admit()` by work that did not go through `analyze`."""
        self.pending -= 1

    async def analyze(self, docs: Sequence[Document], *, threshold: float | None,
                      batch_size: int = 16, progress: Progress | None = None,
                      admitted: bool = False, timeout: float | None = None,
                      disconnected: Callable[[], Awaitable[bool]] | None = None,
                      model: Callable[[], AnalyzerLike] | None = None) -> list[Analysis]:
        """Analyses of `docs` (one job, however many docs), or `Busy` when full or shutting
        down, `TimedOut` after `timeout` seconds. A job still queued when the client goes
        away (`disconnected()` turns true) or the time is up never runs; one already running
        finishes in its thread and its result is dropped. `progress(done, total)` is called
        from the worker thread as windows are encoded. `model()` gives another analyzer than the
        server's own (loaded in the worker thread)."""
        if not admitted:
            self.admit()
        try:
            try:
                job = self._executor.submit(self._run, list(docs), threshold, batch_size, progress, model)
            except RuntimeError as err:  # the executor was shut down
                raise Busy("The server is shutting down; try again in a moment.", retry_after=5) from err
            return await self._wait(job, timeout, disconnected)
        finally:
            self.pending -= 1

    async def _wait(self, job: Future[list[Analysis]], timeout: float | None,
                    disconnected: Callable[[], Awaitable[bool]] | None) -> list[Analysis]:
        future = asyncio.wrap_future(job)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = 0.5 if disconnected is not None else None
            if deadline is not None:
                left = max(deadline - time.monotonic(), 0.0)
                step = left if step is None else min(step, left)
            done, _ = await asyncio.wait({future}, timeout=step)
            if done:
                if job.cancelled():
                    raise Busy("The server is shutting down; try again in a moment.", retry_after=5)
                return future.result()
            if deadline is not None and time.monotonic() >= deadline:
                job.cancel()  # at once, in this thread: a queued job must not start after this
                self.cancelled += 1
                raise TimedOut(f"The analysis took longer than the time budget of {timeout:g} s; "
                               "send long texts to POST /api/jobs instead.")
            if disconnected is not None and await disconnected():
                job.cancel()
                self.cancelled += 1
                raise ClientGone("The client went away before its analysis ran.")

    def _run(self, docs: list[Document], threshold: float | None, batch_size: int,
             progress: Progress | None = None,
             model: Callable[[], AnalyzerLike] | None = None) -> list[Analysis]:
        analyzer = model() if model is not None else self.analyzer()
        began = time.perf_counter()
        extra = {} if progress is None else {"progress": progress}
        if progress is not None:
            progress(0, 0)  # a job cancelled while it waited stops here
        if len(docs) == 1:
            out = [analyzer.analyze(docs[0], threshold=threshold, **extra)]
        else:
            out = list(analyzer.pipe(docs, batch_size=batch_size, threshold=threshold, **extra))
        took = time.perf_counter() - began
        self._mean_seconds = 0.8 * self._mean_seconds + 0.2 * took
        self.done += 1
        return out

    def stats(self) -> dict[str, Any]:
        return {"pending": self.pending, "capacity": self.capacity, "workers": self.workers,
                "done": self.done, "refused": self.refused, "cancelled": self.cancelled,
                "mean_seconds": round(self._mean_seconds, 4)}

    def close(self) -> None:
        """Refuse new jobs (503) and drop queued ones; a running job finishes."""
        self.closing = True
        self._executor.shutdown(wait=False, cancel_futures=True)
