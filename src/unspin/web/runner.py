"""Inference off the event loop: a few worker threads and a bounded number of jobs.

When `capacity` jobs are already running or waiting, `Busy` is raised at once (the API
answers 503 with Retry-After) instead of letting requests pile up without bound.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
    """Every inference slot is taken; try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


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
        """Take one slot now, or raise `Busy` when all `capacity` are taken; `analyze(...,
        admitted=True)` gives it back when done."""
        if self.pending >= self.capacity:
            self.refused += 1
            raise Busy(
                f"The server is analyzing {self.pending} texts already (its limit); "
                f"try again in {self.retry_after()} s.", retry_after=self.retry_after())
        self.pending += 1

    async def analyze(self, docs: Sequence[Document], *, threshold: float | None,
                      batch_size: int = 16, progress: Progress | None = None,
                      admitted: bool = False) -> list[Analysis]:
        """Analyses of `docs` (one job, however many docs), or `Busy` when full.
        `progress(done, total)` is called from the worker thread as windows are encoded."""
        if not admitted:
            self.admit()
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._run, list(docs), threshold, batch_size,
                                              progress)
        finally:
            self.pending -= 1

    def _run(self, docs: list[Document], threshold: float | None, batch_size: int,
             progress: Progress | None = None) -> list[Analysis]:
        analyzer = self.analyzer()
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
                "done": self.done, "refused": self.refused,
                "mean_seconds": round(self._mean_seconds, 4)}

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
