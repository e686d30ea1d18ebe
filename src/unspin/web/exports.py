"""Bulk exports that stream with bounded memory: the ids to export are gathered first (ids
only, `saved_ids`), then each record is read from the store as the client takes the previous
ones, so six exports at once hold six records and six chunks, not six copies of the history."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

CHUNK_BYTES = 64 * 1024  # lines sent together, about this many bytes at a time


def jsonl(store: Any, ids: list[str]) -> Iterator[bytes]:
    """Each analysis in `ids` that still exists as one JSON line, about `CHUNK_BYTES` at a
    time, read from the store only as the response is sent (Starlette runs this in a thread)."""
    buffer: list[bytes] = []
    size = 0
    for aid in ids:
        record = store.get_analysis(aid)
        if record is None:  # deleted since the ids were gathered
            continue
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        buffer.append(line)
        size += len(line)
        if size >= CHUNK_BYTES:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)
