"""Batch results as Parquet files (`unspin batch --engine ray --output DIR`), resumable.

Each batch becomes one file, `part-<time>-<run>-<n>.parquet` (`<run>` is random, so two runs
in one second in one process never share a name), written under a temporary name and
renamed into place, so a killed run leaves only whole files; a rerun reads the document ids
of the files already there (for the same model) and skips those documents.
Columns: `document_id`, `model`, `spans` (JSON, as `engines.ray.encode_spans`), `figures` (JSON).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from unspin.doc import Analysis


class ParquetSink:
    """Writes batches of analyses to `folder`; `done` holds the ids already written for `model`."""

    def __init__(self, folder: str | Path, model: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.done = self._written()
        self._stamp = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        self._n = 0

    def _written(self) -> set[str]:
        import pyarrow.parquet as pq

        found: set[str] = set()
        for path in sorted(self.folder.glob("*.parquet")):
            table = pq.read_table(path, columns=["document_id", "model"])
            found.update(d for d, m in zip(table["document_id"].to_pylist(), table["model"].to_pylist(),
                                           strict=True) if m == self.model)
        return found

    def write(self, batch: Sequence[Analysis]) -> int:
        """Write one batch as one file; returns the number of analyses written."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        from unspin.batch.engines.ray import encode_spans

        fresh = [a for a in batch if str(a.doc.id) not in self.done]
        if not fresh:
            return 0
        table = pa.table({"document_id": [str(a.doc.id) for a in fresh], "model": [a.model for a in fresh],
                          "spans": [encode_spans(a) for a in fresh],
                          "figures": [json.dumps(a.figures()) for a in fresh]})
        self._n += 1
        final = self.folder / f"part-{self._stamp}-{self._n:05d}.parquet"
        partial = final.with_name(f".{final.name}.partial")
        pq.write_table(table, partial)
        os.replace(partial, final)
        self.done.update(str(a.doc.id) for a in fresh)
        return len(fresh)
