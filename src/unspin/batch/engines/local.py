"""The local engine: `Analyzer.pipe` in this process, batching windows across documents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from unspin.doc import Analysis, Document

if TYPE_CHECKING:
    from unspin.batch.run import BatchSettings


def analyze_local(docs: Iterator[Document], analyzer: Any, *, settings: BatchSettings) -> Iterator[Analysis]:
    yield from analyzer.pipe(docs, batch_size=settings.window_batch)
