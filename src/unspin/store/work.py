"""The batch work queue: corpus documents a model has not analyzed yet, and the leases
that let concurrent runs split them; mixed into `Store`."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import DateTime, and_, exists, func, literal, select

from unspin.doc import Document
from unspin.store import records
from unspin.store.schema import KIND_BATCH, analyses, documents, leases


class WorkMixin:
    """Pending documents and batch leases (needs `read()`/`write()` and `_insert_ignore`)."""

    read: Any
    write: Any
    _insert_ignore: Any

    def _not_analyzed(self, model: str) -> Any:
        done = exists().where(and_(analyses.c.document_id == documents.c.id, analyses.c.model == model,
                                   analyses.c.kind == KIND_BATCH))
        return and_(documents.c.in_corpus.is_(True), ~done)

    def pending_count(self, model: str) -> int:
        """Corpus documents that `model` has not analyzed yet."""
        with self.read() as conn:
            query = select(func.count()).select_from(documents).where(self._not_analyzed(model))
            return int(conn.execute(query).scalar_one())

    def pending(self, model: str, *, page: int = 1000, limit: int | None = None) -> Iterator[Document]:
        """Corpus documents not yet analyzed by `model`, in id order, read a page at a time."""
        after, given = "", 0
        while limit is None or given < limit:
            size = page if limit is None else min(page, limit - given)
            with self.read() as conn:
                rows = conn.execute(select(documents).where(self._not_analyzed(model), documents.c.id > after)
                                    .order_by(documents.c.id).limit(size)).all()
            if not rows:
                return
            for row in rows:
                yield records.document_from_row(row)
            given += len(rows)
            after = rows[-1].id

    # -- batch leases ---------------------------------------------------------------------------
    def claim(self, model: str, owner: str, count: int, *, ttl: float = 600.0) -> list[Document]:
        """Lease up to `count` pending documents to `owner` for `ttl` seconds and return them
        (`owner` names this claim: give each claim its own, e.g. `f"{run}:{n}"`).

        Documents leased to another live run are left alone, so concurrent runs split the
        work. Leases expire, and those of a dead run on this machine (its pid is gone) are
        taken back at once. Saving an analysis (`save_batch`) ends its lease."""
        stamp = records.now()
        with self.write() as conn:
            conn.execute(leases.delete().where(leases.c.model == model, leases.c.expires < stamp))
            owners = conn.execute(select(leases.c.owner).where(leases.c.model == model).distinct())
            dead = [o for (o,) in owners if _dead_owner(o)]
            if dead:
                conn.execute(leases.delete().where(leases.c.model == model, leases.c.owner.in_(dead)))
            leased = exists().where(and_(leases.c.document_id == documents.c.id, leases.c.model == model))
            expires = stamp + timedelta(seconds=ttl)
            chosen = (select(documents.c.id, literal(model), literal(owner), literal(expires, DateTime))
                      .where(self._not_analyzed(model), ~leased).order_by(documents.c.id).limit(count))
            conn.execute(self._insert_ignore(leases).from_select(
                ["document_id", "model", "owner", "expires"], chosen))
            rows = conn.execute(select(documents).join(leases, leases.c.document_id == documents.c.id)
                                .where(leases.c.model == model, leases.c.owner == owner,
                                       self._not_analyzed(model)).order_by(documents.c.id)).all()
        return [records.document_from_row(row) for row in rows]

    def release(self, model: str, run: str) -> None:
        """End every lease of the claims of `run` (owners `run:...`) for `model`."""
        with self.write() as conn:
            mine = leases.c.owner.startswith(run + ":", autoescape=True)
            conn.execute(leases.delete().where(leases.c.model == model, mine))


def lease_owner() -> str:
    """A name for this run: host, pid and a random token."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _dead_owner(owner: str) -> bool:
    """Whether `owner` was a run on this machine whose process is gone."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:100] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False
