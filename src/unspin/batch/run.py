"""`run_batch`: analyze every corpus document the current model has not analyzed yet.

Documents are leased to the run a page at a time (`Store.claim`), so two runs started on
one corpus split it instead of analyzing everything twice.

Engines (`local`, `ray`) only turn documents into analyses; this module reads pending
documents from the store and writes each batch of results in one transaction, so a killed
run loses at most the batch in flight and a rerun picks up the rest.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.doc import Analysis, Document
from unspin.errors import InputError
from unspin.store import Store
from unspin.store.work import lease_owner

ENGINES = ("local", "ray")
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """How a run goes. `batch_size` documents are written per transaction."""

    engine: str = "local"
    batch_size: int = 64
    window_batch: int = 16
    limit: int | None = None
    address: str | None = None
    actors: int | None = None
    output: str | None = None
    ray_options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise InputError(f"Unknown engine {self.engine!r}; expected one of {', '.join(ENGINES)}.")
        if self.batch_size < 1 or self.window_batch < 1:
            raise InputError("--batch-size must be at least 1.")
        if self.limit is not None and self.limit < 0:
            raise InputError("--limit must be 0 or more.")
        if self.output is not None and self.engine != "ray":
            raise InputError("Parquet output (--output) is for --engine ray; with the local engine the "
                             "results go to the store, then `unspin corpus export`.")


def chunks(items: Iterator[Analysis], size: int) -> Iterator[list[Analysis]]:
    batch: list[Analysis] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_batch(store: Store, analyzer: Any, *, settings: BatchSettings | None = None,
              model_path: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Analyze pending documents with `analyzer` (an `Analyzer`); return what was done.

    The ray engine loads the model again in each actor from `model_path`.
    """
    settings = settings or BatchSettings()
    model = analyzer.name
    total = store.pending_count(model)
    if settings.limit is not None:
        total = min(total, settings.limit)
    owner = lease_owner()
    docs = _claimed(store, model, owner, page=settings.batch_size, limit=settings.limit)
    sink = None
    if settings.output is not None:  # Parquet instead of the store; resumes from the files there
        from unspin.batch.parquet_out import ParquetSink

        sink = ParquetSink(settings.output, model)
        docs = (d for d in docs if str(d.id) not in sink.done)
        total = max(0, total - len(sink.done))
    began = time.perf_counter()
    done = words = spans = 0
    if progress is not None:
        progress(0, total)
    if settings.engine == "ray":
        from unspin.batch.engines.ray import analyze_ray

        if model_path is None:
            raise InputError("The ray engine needs the model folder (model_path) to load it in each actor.")
        results = analyze_ray(docs, model_path=model_path, model=model, settings=settings)
    else:
        from unspin.batch.engines.local import analyze_local

        results = analyze_local(docs, analyzer, settings=settings)
    written = 0
    try:
        for batch in chunks(results, settings.batch_size):
            written += store.save_batch(batch) if sink is None else sink.write(batch)
            done += len(batch)
            words += sum(a.doc.word_count() for a in batch)
            spans += sum(len(a.spans) for a in batch)
            if progress is not None:
                progress(done, total)
    finally:
        store.release(model, owner)
    seconds = time.perf_counter() - began
    return {
        "model": model, "engine": settings.engine, "analyzed": done, "written": written, "spans": spans,
        "words": words, "seconds": round(seconds, 3),
        "docs_per_s": round(done / seconds, 2) if seconds > 0 and done else 0.0,
        "remaining": store.pending_count(model) if settings.output is None else None,
        "output": settings.output, "store": store.describe(),
    }


def _claimed(store: Store, model: str, owner: str, *, page: int, limit: int | None) -> Iterator[Document]:
    """Pending documents leased to this run a page at a time (see `Store.claim`), so two
    runs on one corpus split it; stops at `limit` or when nothing is left to claim."""
    given = claims = 0
    while limit is None or given < limit:
        size = page if limit is None else min(page, limit - given)
        claims += 1
        claimed = store.claim(model, f"{owner}:{claims}", size)
        if not claimed:
            return
        yield from claimed
        given += len(claimed)


def model_folder(model: str | None) -> Path:
    """The model folder `unspin.load` would use: a tier name ("fast", "accurate"), a folder,
    `UNSPIN_MODEL`, or the shipped default tier."""

    from unspin import config

    return config.model_path(model)
