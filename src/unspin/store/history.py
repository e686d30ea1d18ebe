"""Saved analyses as a history (list, search, send to the corpus) and reviewer corrections
(deletes are in `deletes`); mixed into `Store` (the web app's `MemoryStore` has the same methods)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from unspin import taxonomy
from unspin.doc import SNIPPET_CHARS, snippet
from unspin.errors import ConflictError, NotFoundError, StaleError
from unspin.store import records
from unspin.store.schema import (
    KIND_SAVED,
    analyses,
    corrections,
    documents,
    reviews,
    technique_counts,
)


def _like(query: str) -> str:
    escaped = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class HistoryMixin:
    """History and review operations over the store's tables (needs `read()`/`write()`)."""

    read: Any
    write: Any
    save_batch: Any
    load_analysis: Any

    def saved_analyses(self, *, query: str | None = None, limit: int = 50, offset: int = 0,
                       reviewed: bool | None = None) -> dict[str, Any]:
        """Saved analyses newest first (`total` and one page of `items`, each with its outlet
        and a `snippet` of its text), those whose title, source, outlet, URL or text contain
        `query` (any case) when given; only those marked reviewed (True) or not (False)."""
        where = _saved_where(query, reviewed)
        joined = _saved_join()
        review_count = (select(func.count()).where(corrections.c.analysis_id == analyses.c.id)
                        .correlate(analyses).scalar_subquery())
        with self.read() as conn:
            total = conn.execute(select(func.count()).select_from(joined).where(*where)).scalar_one()
            rows = conn.execute(
                select(analyses.c.id, analyses.c.created, analyses.c.model, analyses.c.chars,
                       analyses.c.words, analyses.c.spans, analyses.c.covered, analyses.c.meta,
                       documents.c.title, documents.c.source, documents.c.url, documents.c.published,
                       documents.c.in_corpus,
                       func.substr(documents.c.text, 1, SNIPPET_CHARS * 4).label("head"),
                       reviews.c.reviewer.label("reviewed_by"), reviews.c.created.label("reviewed_at"),
                       review_count.label("corrections"))
                .select_from(joined).where(*where)
                .order_by(analyses.c.created.desc(), analyses.c.id).limit(limit).offset(offset)).all()
            counts: dict[str, dict[str, int]] = {}
            if rows:
                for r in conn.execute(select(technique_counts.c.analysis_id, technique_counts.c.technique,
                                             technique_counts.c.spans)
                                      .where(technique_counts.c.analysis_id.in_([r.id for r in rows]))):
                    counts.setdefault(r.analysis_id, {})[r.technique] = r.spans
        items = []
        for r in rows:
            meta = r.meta or {}
            own = bool(meta.get("source"))  # the analysis's own input, not the shared document's
            items.append({
                "id": r.id, "created": r.created.isoformat() + "Z", "model": r.model,
                "title": meta.get("title") or (None if own else r.title),
                "source": meta.get("source") or r.source,
                "url": meta.get("url") or (None if own else r.url), "outlet": meta.get("sitename"),
                "snippet": snippet(r.head),
                "published": r.published.isoformat() if r.published else meta.get("date"),
                "words": r.words, "chars": r.chars, "spans": r.spans,
                "density": round(r.covered / r.chars, 4) if r.chars else 0.0,
                "techniques": taxonomy.top(counts.get(r.id, {})),
                "corrections": int(r.corrections), "in_corpus": bool(r.in_corpus),
                "reviewed": _mark(r.reviewed_by, r.reviewed_at),
            })
        return {"total": int(total), "items": items}

    def saved_ids(self, *, query: str | None = None, limit: int = 10_000) -> list[str]:
        """Ids of the saved analyses `saved_analyses` lists for `query`, in its order (newest
        first), at most `limit`: what a bulk export goes through without holding the records."""
        with self.read() as conn:
            rows = conn.execute(select(analyses.c.id).select_from(_saved_join())
                                .where(*_saved_where(query, None))
                                .order_by(analyses.c.created.desc(), analyses.c.id).limit(limit)).all()
        return [r.id for r in rows]

    def _require(self, conn: Any, analysis_id: str, *, lock: bool = False) -> None:
        """NotFoundError unless the saved analysis exists (checked in the writing transaction;
        with `lock` its row stays locked until the transaction ends, on PostgreSQL)."""
        query = select(analyses.c.id).where(analyses.c.id == analysis_id, analyses.c.kind == KIND_SAVED,
                                            analyses.c.deleted.is_(None))
        if conn.execute(query.with_for_update() if lock else query).first() is None:
            raise NotFoundError(f"No saved analysis with id {analysis_id[:128]!r} (deleted meanwhile?).")

    def _gone_or_conflict(self, analysis_id: str) -> Exception:
        """After an IntegrityError: NotFoundError when the analysis is gone, else ConflictError."""
        with self.read() as conn:
            try:
                self._require(conn, analysis_id)
            except NotFoundError as err:
                return err
        return ConflictError("Someone changed this analysis at the same moment; reload and try again.")

    def send_to_corpus(self, analysis_id: str) -> dict[str, Any] | None:
        """Put a saved analysis's text in the corpus, with this analysis as its corpus run for
        its model (so the dashboard counts it at once). None when there is no such analysis."""
        analysis = self.load_analysis(analysis_id)
        if analysis is None:
            return None
        document_id = analysis.doc.id
        try:
            with self.write() as conn:
                conn.execute(update(documents).where(documents.c.id == document_id).values(in_corpus=True))
            written = self.save_batch([analysis])
        except IntegrityError:
            raise self._gone_or_conflict(analysis_id) from None
        return {"document_id": document_id, "model": analysis.model, "added": bool(written)}

    def add_correction(self, analysis_id: str, correction: dict[str, Any], *,
                       version: int | None = None) -> dict[str, Any]:
        """Append one reviewer correction (see `unspin.review.correction`); returns it with `created`.
        With `version` (the span's `version` the reviewer saw) it is refused with `StaleError`
        when another correction of the same span came in meanwhile (checked in the writing
        statement itself, the analysis's row locked on PostgreSQL)."""
        row = {**correction, "analysis_id": analysis_id, "created": records.now()}
        try:
            with self.write() as conn:
                self._require(conn, analysis_id, lock=True)
                if version is None:
                    conn.execute(insert(corrections), [row])
                elif conn.execute(_insert_if_version(row, version)).first() is None:
                    raise StaleError(f"Someone else corrected span {row['target']!r} meanwhile; "
                                     "here is its current state.", key=row["target"])
        except IntegrityError:  # deleted between the check and the insert (another process)
            raise self._gone_or_conflict(analysis_id) from None
        return _correction_dict(row)

    def corrections(self, analysis_id: str) -> list[dict[str, Any]]:
        """The corrections of one analysis, oldest first (none once it is deleted)."""
        with self.read() as conn:
            rows = conn.execute(select(corrections).where(corrections.c.analysis_id == analysis_id,
                                                          corrections.c.analysis_id.in_(_live_ids()))
                                .order_by(corrections.c.id)).all()
        return [_correction_dict(r._asdict()) for r in rows]

    def corrected_ids(self) -> list[str]:
        """Ids of analyses with at least one correction, oldest first correction first."""
        with self.read() as conn:
            rows = conn.execute(select(corrections.c.analysis_id, func.min(corrections.c.id).label("first"))
                                .where(corrections.c.analysis_id.in_(_live_ids()))
                                .group_by(corrections.c.analysis_id).order_by(func.min(corrections.c.id))).all()
        return [r.analysis_id for r in rows]

    def reviewed_ids(self) -> list[str]:
        """Ids of analyses marked reviewed, oldest mark first."""
        with self.read() as conn:
            rows = conn.execute(select(reviews.c.analysis_id).where(reviews.c.analysis_id.in_(_live_ids()))
                                .order_by(reviews.c.created, reviews.c.analysis_id)).all()
        return [r.analysis_id for r in rows]

    def review_mark(self, analysis_id: str) -> dict[str, Any] | None:
        """Who marked the analysis reviewed and when (`reviewer`, `at`), or None."""
        with self.read() as conn:
            row = conn.execute(select(reviews).where(reviews.c.analysis_id == analysis_id,
                                                     reviews.c.analysis_id.in_(_live_ids()))).first()
        return _mark(row.reviewer, row.created) if row else None

    def set_reviewed(self, analysis_id: str, reviewer: str | None) -> dict[str, Any] | None:
        """Mark a saved analysis reviewed by `reviewer` (None unmarks it); returns the mark."""
        try:
            with self.write() as conn:
                self._require(conn, analysis_id, lock=True)
                conn.execute(delete(reviews).where(reviews.c.analysis_id == analysis_id))
                if reviewer is None:
                    return None
                row = {"analysis_id": analysis_id, "reviewer": reviewer, "created": records.now()}
                conn.execute(insert(reviews), [row])
        except IntegrityError:  # deleted, or marked by another process, at the same moment
            raise self._gone_or_conflict(analysis_id) from None
        return _mark(reviewer, row["created"])


def _saved_where(query: str | None, reviewed: bool | None) -> list[Any]:
    """Saved analyses not deleted, those marked reviewed (True) or not (False), matching `query`."""
    where = [analyses.c.kind == KIND_SAVED, analyses.c.deleted.is_(None)]
    if reviewed is not None:
        where.append(reviews.c.analysis_id.is_not(None) if reviewed else reviews.c.analysis_id.is_(None))
    if query and query.strip():
        pattern = _like(query)
        where.append(or_(documents.c.title.ilike(pattern, escape="\\"),
                         documents.c.source.ilike(pattern, escape="\\"),
                         documents.c.url.ilike(pattern, escape="\\"),
                         analyses.c.meta["sitename"].as_string().ilike(pattern, escape="\\"),
                         documents.c.text.ilike(pattern, escape="\\")))
    return where


def _saved_join() -> Any:
    return (analyses.join(documents, documents.c.id == analyses.c.document_id)
            .outerjoin(reviews, reviews.c.analysis_id == analyses.c.id))


def _live_ids() -> Any:
    """Saved analyses not deleted (a subquery)."""
    return select(analyses.c.id).where(analyses.c.kind == KIND_SAVED, analyses.c.deleted.is_(None))


def _insert_if_version(row: dict[str, Any], version: int) -> Any:
    """INSERT the correction `row` only while its span has exactly `version` corrections."""
    seen = (select(func.count()).select_from(corrections)
            .where(corrections.c.analysis_id == row["analysis_id"], corrections.c.target == row["target"])
            .scalar_subquery())
    keys = [k for k in row if k != "id"]
    values = select(*[literal(row[k], type_=corrections.c[k].type).label(k) for k in keys])
    return insert(corrections).from_select(keys, values.where(seen == version)).returning(corrections.c.id)


def _mark(reviewer: str | None, at: Any) -> dict[str, Any] | None:
    if reviewer is None:
        return None
    return {"reviewer": reviewer, "at": at.isoformat(timespec="seconds") + "Z"}


def _correction_dict(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("target", "action", "start", "end", "technique", "reviewer")
    return {**{k: row[k] for k in keys}, "created": row["created"].isoformat(timespec="seconds") + "Z"}

