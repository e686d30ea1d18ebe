"""An in-memory stand-in for `unspin.store.Store` (same `save_analysis`/`get_analysis`),
used when the app is given no database. Keeps the newest `limit` analyses."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from unspin.doc import Analysis


class MemoryStore:
    """Saved analyses in a bounded dict; gone when the process ends."""

    def __init__(self, *, limit: int = 1000):
        self.limit = limit
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def describe(self) -> str:
        return f"memory (newest {self.limit} analyses, lost on restart)"

    def save_analysis(self, analysis: Analysis, *, meta: dict[str, Any] | None = None) -> str:
        """Keep `analysis` and return its id."""
        aid = secrets.token_urlsafe(9)
        record = analysis.to_dict()
        record.update(id=aid, created=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                      meta=dict(meta or {}))
        with self._lock:
            self._items[aid] = record
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return aid

    def get_analysis(self, analysis_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._items.get(analysis_id)

    def close(self) -> None:
        self._items.clear()
