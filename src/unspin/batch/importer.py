"""`import_paths`: read corpus sources into the store, deduplicated by content hash."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from unspin.batch.sources import Problem, iter_documents
from unspin.store import Store

MAX_LISTED = 50  # problems kept in the report; all are counted


def import_paths(store: Store, paths: Iterable[str | Path], *, source: str | None = None,
                 on_problem: Callable[[Problem], None] | None = None,
                 on_progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Import documents; returns counts of read, added, duplicate and skipped records."""
    problems: list[Problem] = []
    skipped = 0
    read = 0

    def report(problem: Problem) -> None:
        nonlocal skipped
        skipped += 1
        if len(problems) < MAX_LISTED:
            problems.append(problem)
        if on_problem is not None:
            on_problem(problem)

    def counted() -> Iterable[Any]:
        nonlocal read
        for doc in iter_documents(paths, report, source=source):
            read += 1
            if on_progress is not None and read % 1000 == 0:
                on_progress(read)
            yield doc

    began = time.perf_counter()
    added = store.add_documents(counted())
    seconds = time.perf_counter() - began
    return {
        "read": read, "added": added.added, "duplicates": added.duplicates, "skipped": skipped,
        "problems": [str(p) for p in problems], "seconds": round(seconds, 3),
        "documents": store.document_count(), "store": store.describe(),
    }
