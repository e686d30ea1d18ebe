"""Batch leases: two runs on one corpus split it; a dead run's leases are taken back."""

from __future__ import annotations

import socket
from datetime import timedelta
from typing import Any

from unspin.batch.run import BatchSettings, run_batch
from unspin.doc import Document
from unspin.store import Store
from unspin.store.records import now
from unspin.store.schema import analyses, leases

TEXTS = [f"Story {i}: the corrupt elites betrayed us, and every true patriot knows it." for i in range(12)]


class SecondRunInside:
    """Wraps an analyzer; when its run reaches its first document, a second run starts on
    the same corpus and finishes (as a concurrent `unspin batch` would, deterministically)."""

    def __init__(self, inner: Any, store: Store):
        self.inner, self.store, self.name = inner, store, inner.name
        self.second: dict[str, Any] | None = None

    def pipe(self, docs: Any, **kw: Any) -> Any:
        def first_then_second() -> Any:
            for i, doc in enumerate(docs):
                if i == 0:
                    self.second = run_batch(self.store, self.inner, settings=BatchSettings(batch_size=4))
                yield doc

        return self.inner.pipe(first_then_second(), **kw)


def test_two_runs_split_the_work(store: Store, tiny_analyzer) -> None:
    store.add_documents([Document(t) for t in TEXTS])
    wrapped = SecondRunInside(tiny_analyzer, store)
    first = run_batch(store, wrapped, settings=BatchSettings(batch_size=4))
    assert wrapped.second is not None
    assert (first["analyzed"], wrapped.second["analyzed"]) == (4, 8)
    with store.read() as conn:
        rows = conn.execute(analyses.select()).all()
        assert conn.execute(leases.select()).all() == []  # every lease ended
    assert len(rows) == 12 == len({r.document_id for r in rows})


def test_claims_do_not_overlap_and_dead_runs_lose_theirs(store: Store) -> None:
    store.add_documents([Document(t) for t in TEXTS])
    a = {d.id for d in store.claim("m", "host-a:1:x:1", 5)}
    b = {d.id for d in store.claim("m", "host-b:2:y:1", 5)}
    assert len(a) == len(b) == 5 and not a & b
    dead = f"{socket.gethostname()[:100]}:999999999:z:1"  # this machine, a pid that does not exist
    assert len(store.claim("m", dead, 5)) == 2
    assert len(store.claim("m", "host-c:3:w:1", 5)) == 2  # the dead run's two come back
    with store.write() as conn:  # an expired lease comes back too
        conn.execute(leases.update().where(leases.c.owner == "host-a:1:x:1")
                     .values(expires=now() - timedelta(seconds=1)))
    assert {d.id for d in store.claim("m", "host-d:4:v:1", 10)} == a
    store.release("m", "host-b:2:y")
    assert {d.id for d in store.claim("m", "host-e:5:u:1", 10)} == b
