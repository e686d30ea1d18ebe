"""Soft deletes and `purge`: deleting a saved analysis only stamps it `deleted`; every read,
export and count leaves it out from then on, and `purge` removes it for good with its spans,
corrections and mark (and its text, unless the corpus or another analysis uses it). Mixed into
`Store`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from unspin.errors import ConflictError
from unspin.store import records
from unspin.store.schema import (
    KIND_SAVED,
    analyses,
    corrections,
    cues,
    documents,
    reviews,
    spans,
    technique_counts,
)

CHUNK = 500


class DeleteMixin:
    """Soft delete and purge over the store's tables (needs `read()`/`write()`)."""

    read: Any
    write: Any

    def delete_analysis(self, analysis_id: str) -> bool:
        """Delete a saved analysis (softly: hidden at once, removed by `purge`). False when
        there was none (or another request deleted it first)."""
        try:
            with self.write() as conn:
                done = conn.execute(update(analyses).where(
                    analyses.c.id == analysis_id, analyses.c.kind == KIND_SAVED, analyses.c.deleted.is_(None))
                    .values(deleted=records.now())).rowcount
        except IntegrityError:
            raise ConflictError("The analysis changed while it was being deleted; try again.") from None
        return bool(done)

    def deleted_count(self, *, older_than_days: float | None = None) -> int:
        """How many deleted analyses wait for `purge` (only those deleted over `older_than_days` ago)."""
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(analyses)
                                    .where(*_due(older_than_days))).scalar_one())

    def purge(self, *, older_than_days: float | None = None) -> dict[str, int]:
        """Make deletes final: remove the analyses deleted over `older_than_days` ago (every
        deleted one when None) with their spans, corrections and marks, and documents nothing
        else uses. Returns how many `analyses` and `documents` went."""
        removed = {"analyses": 0, "documents": 0}
        while True:
            with self.write() as conn:
                rows = conn.execute(select(analyses.c.id, analyses.c.document_id)
                                    .where(*_due(older_than_days)).order_by(analyses.c.id).limit(CHUNK)).all()
                if not rows:
                    return removed
                removed["analyses"] += remove_rows(conn, [r.id for r in rows])
                docs = sorted({r.document_id for r in rows})
                used = select(analyses.c.id).where(analyses.c.document_id == documents.c.id).exists()
                removed["documents"] += conn.execute(delete(documents).where(
                    documents.c.id.in_(docs), documents.c.in_corpus.is_(False), ~used)).rowcount


def remove_rows(conn: Any, ids: list[str]) -> int:
    """Delete the analyses `ids` and every row of theirs for good (their documents stay)."""
    for table in (corrections, reviews, cues, spans, technique_counts):
        conn.execute(delete(table).where(table.c.analysis_id.in_(ids)))
    return int(conn.execute(delete(analyses).where(analyses.c.id.in_(ids))).rowcount)


def _due(older_than_days: float | None) -> list[Any]:
    where = [analyses.c.deleted.is_not(None)]
    if older_than_days is not None:
        where.append(analyses.c.deleted <= records.now() - timedelta(days=older_than_days))
    return where
