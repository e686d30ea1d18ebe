"""`Store`: documents and analyses in SQLite or PostgreSQL (see the package docstring)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError

from unspin.doc import Analysis, Document
from unspin.errors import StoreError
from unspin.store import engine as _engine
from unspin.store import migrate, records
from unspin.store.audit import AuditMixin
from unspin.store.deletes import DeleteMixin, remove_rows
from unspin.store.history import HistoryMixin
from unspin.store.jobs import JobsMixin
from unspin.store.schema import (
    KIND_BATCH,
    KIND_SAVED,
    analyses,
    cues,
    documents,
    leases,
    spans,
    technique_counts,
)
from unspin.store.techniques import TechniquesMixin
from unspin.store.users import UsersMixin
from unspin.store.work import WorkMixin

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Added:
    """What `add_documents` did: new documents and ones already stored (same text)."""

    added: int
    duplicates: int


class Store(HistoryMixin, DeleteMixin, WorkMixin, UsersMixin, AuditMixin, JobsMixin, TechniquesMixin):
    """Documents and analyses in one database. Open it with `Store.open(url)`; history and
    review operations come from `HistoryMixin`, soft deletes and `purge` from `DeleteMixin`, the
    batch work queue from `WorkMixin`, accounts from `UsersMixin`, the audit log from
    `AuditMixin`, the web app's jobs from `JobsMixin` and reviewers' techniques from
    `TechniquesMixin`."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        with _LOCKS_GUARD:
            self._write_lock = _LOCKS.setdefault(url, threading.Lock())

    @classmethod
    def open(cls, url: str | os.PathLike[str] | None = None, *, migrate_schema: bool = True,
             create: bool | None = None) -> Store:
        """Open (and create or migrate) the store at `url`, `UNSPIN_DB`, or the default file.

        A SQLite file whose folder does not exist is refused (`StoreError`) unless `create`;
        `create` defaults to true only for the default file in the user's data folder. A
        database that cannot be reached is a one-line `StoreError`, not a traceback."""
        resolved = _engine.resolve_url(url)
        if create is None:
            create = resolved == f"sqlite:///{_engine.data_dir() / _engine.FILE_NAME}"
        engine = _engine.make_engine(resolved, create=create)
        if migrate_schema:
            try:
                migrate.upgrade(engine)
            except (OperationalError, InterfaceError) as err:
                engine.dispose()
                reason = str(getattr(err, "orig", None) or err).strip().splitlines()
                shown = engine.url.render_as_string(hide_password=True)
                raise StoreError(f"Cannot open the database {shown}: "
                                 f"{reason[0] if reason else type(err).__name__}") from None
        return cls(engine, resolved)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def describe(self) -> str:
        """The URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ---------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction; writers in this process take turns (SQLite has one writer)."""
        with self._write_lock, self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def _insert_ignore(self, table: Any) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    # -- documents ------------------------------------------------------------------------------
    def add_documents(self, docs: Iterable[Document]) -> Added:
        """Store corpus documents keyed by content hash; a text already stored adds nothing."""
        added = duplicates = 0
        chunk: dict[str, dict[str, Any]] = {}
        for doc in docs:
            row = records.document_row(doc, in_corpus=True)
            if row["id"] in chunk:
                duplicates += 1
                continue
            chunk[row["id"]] = row
            if len(chunk) >= CHUNK:
                n = self._add_chunk(chunk)
                added, duplicates, chunk = added + n, duplicates + len(chunk) - n, {}
        if chunk:
            n = self._add_chunk(chunk)
            added, duplicates = added + n, duplicates + len(chunk) - n
        return Added(added, duplicates)

    def _add_chunk(self, chunk: dict[str, dict[str, Any]]) -> int:
        with self.write() as conn:
            found = conn.execute(select(documents.c.id, documents.c.in_corpus)
                                 .where(documents.c.id.in_(list(chunk)))).all()
            saved_only = [doc_id for doc_id, in_corpus in found if not in_corpus]
            if saved_only:  # saved from the web app first: now part of the corpus too
                conn.execute(documents.update().where(documents.c.id.in_(saved_only)).values(in_corpus=True))
            known = {doc_id for doc_id, _ in found}
            new = [row for doc_id, row in chunk.items() if doc_id not in known]
            if new:
                conn.execute(self._insert_ignore(documents), new)
        return len(new)

    def get_document(self, document_id: str) -> Document | None:
        with self.read() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).first()
        return None if row is None else records.document_from_row(row)

    def document_count(self, *, corpus_only: bool = True) -> int:
        query = select(func.count()).select_from(documents)
        if corpus_only:
            query = query.where(documents.c.in_corpus.is_(True))
        with self.read() as conn:
            return int(conn.execute(query).scalar_one())

    # -- analyses -------------------------------------------------------------------------------
    def save_analysis(self, analysis: Analysis, *, meta: dict[str, Any] | None = None) -> str:
        """Save one analysis (and its document) and return an id for a permalink."""
        doc_row = records.document_row(analysis.doc, in_corpus=False)
        rows = records.analysis_rows(analysis, doc_row, kind=KIND_SAVED, meta=meta)
        aid = rows["analyses"][0]["id"]
        with self.write() as conn:
            self._save_rows(conn, doc_row, rows)
        return str(aid)

    def _save_rows(self, conn: Connection, doc_row: dict[str, Any],
                   rows: dict[str, list[dict[str, Any]]]) -> None:
        """Insert one saved analysis's rows unless it is there already (its id comes from its
        content); one saved again after a delete starts anew."""
        conn.execute(self._insert_ignore(documents), [doc_row])
        aid = rows["analyses"][0]["id"]
        found = conn.execute(select(analyses.c.deleted).where(analyses.c.id == aid)).first()
        if found is not None and found.deleted is not None:
            remove_rows(conn, [aid])
            found = None
        if found is None:
            self._insert_rows(conn, rows)

    def save_batch(self, batch: Sequence[Analysis]) -> int:
        """Store corpus analyses in one transaction; analyses already stored are skipped.

        Each `analysis.doc.id` must be a stored document's id (as `pending` gives them).
        Returns the number of analyses written.
        """
        if not batch:
            return 0
        with self.write() as conn:
            ids = [a.doc.id for a in batch]
            doc_rows = {r.id: r._asdict() for r in conn.execute(
                select(documents.c.id, documents.c.source, documents.c.published, documents.c.words)
                .where(documents.c.id.in_(ids)))}
            missing = [i for i in ids if i not in doc_rows]
            if missing:
                raise KeyError(f"Documents {missing[:3]} are not in the store; import them first.")
            done = {r.document_id for r in conn.execute(
                select(analyses.c.document_id).where(analyses.c.document_id.in_(ids),
                                                     analyses.c.model.in_({a.model for a in batch}),
                                                     analyses.c.kind == KIND_BATCH))}
            merged: dict[str, list[dict[str, Any]]] = {}
            written = 0
            for analysis in batch:
                if analysis.doc.id in done:
                    continue
                done.add(str(analysis.doc.id))
                for table, rows in records.analysis_rows(analysis, doc_rows[analysis.doc.id],
                                                         kind=KIND_BATCH).items():
                    merged.setdefault(table, []).extend(rows)
                written += 1
            self._insert_rows(conn, merged)
            conn.execute(leases.delete().where(leases.c.document_id.in_(ids),
                                               leases.c.model.in_({a.model for a in batch})))
        return written

    @staticmethod
    def _insert_rows(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
        for table in (analyses, technique_counts, spans, cues):
            if rows.get(table.name):
                conn.execute(insert(table), rows[table.name])

    def load_analysis(self, analysis_id: str) -> Analysis | None:
        """The stored analysis as an `Analysis` (with its document), or None."""
        found = self._load(analysis_id)
        return None if found is None else found[0]

    def _load(self, analysis_id: str) -> tuple[Analysis, Any] | None:
        with self.read() as conn:
            head = conn.execute(select(analyses).where(analyses.c.id == analysis_id,
                                                       analyses.c.deleted.is_(None))).first()
            if head is None:
                return None
            doc_row = conn.execute(select(documents).where(documents.c.id == head.document_id)).first()
            if doc_row is None:  # deleted between the two reads
                return None
            span_rows = conn.execute(select(spans).where(spans.c.analysis_id == analysis_id)).all()
            # SQLite reads each statement on its own snapshot: when the analysis is still there
            # after its spans were read, no delete had committed before (the spans are whole).
            if conn.execute(select(analyses.c.id).where(analyses.c.id == analysis_id,
                                                        analyses.c.deleted.is_(None))).first() is None:
                return None
        doc = records.document_from_row(doc_row)
        return records.analysis_from_rows(doc, head.model, list(span_rows)), head

    def get_analysis(self, analysis_id: str) -> dict[str, Any] | None:
        """`Analysis.to_dict()` plus `id` (this analysis), `document_id`, `created`, `kind`, `meta`."""
        found = self._load(analysis_id)
        if found is None:
            return None
        analysis, head = found
        out = analysis.to_dict()
        out.update(id=head.id, document_id=head.document_id, created=head.created.isoformat() + "Z",
                   kind=head.kind, meta=head.meta or {}, document=_doc_fields(analysis.doc))
        return out

    def analysis_ids(self, document_id: str, *, model: str | None = None) -> list[str]:
        query = select(analyses.c.id).where(analyses.c.document_id == document_id,
                                            analyses.c.deleted.is_(None))
        if model is not None:
            query = query.where(analyses.c.model == model)
        with self.read() as conn:
            return [r.id for r in conn.execute(query.order_by(analyses.c.created))]

    def models(self) -> list[dict[str, Any]]:
        """Models with corpus analyses, most recently used first, with their counts."""
        query = (select(analyses.c.model, func.count().label("documents"), func.max(analyses.c.created)
                        .label("last")).where(analyses.c.kind == KIND_BATCH).group_by(analyses.c.model)
                 .order_by(func.max(analyses.c.created).desc()))
        with self.read() as conn:
            return [{"model": r.model, "documents": r.documents, "last": r.last.isoformat()}
                    for r in conn.execute(query)]


def _doc_fields(doc: Document) -> dict[str, Any]:
    return {key: doc.meta.get(key) for key in ("ext_id", *records.DOC_FIELDS)}
