"""`Store`: documents and analyses in SQLite or PostgreSQL (see the package docstring)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, DateTime, Engine, and_, exists, func, insert, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError

from unspin.doc import Analysis, Document
from unspin.errors import StoreError
from unspin.store import engine as _engine
from unspin.store import migrate, records
from unspin.store.history import HistoryMixin
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

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Added:
    """What `add_documents` did: new documents and ones already stored (same text)."""

    added: int
    duplicates: int


class Store(HistoryMixin):
    """Documents and analyses in one database. Open it with `Store.open(url)`; history and
    review operations come from `HistoryMixin`."""

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

    # -- analyses -------------------------------------------------------------------------------
    def save_analysis(self, analysis: Analysis, *, meta: dict[str, Any] | None = None) -> str:
        """Save one analysis (and its document) and return an id for a permalink."""
        doc_row = records.document_row(analysis.doc, in_corpus=False)
        rows = records.analysis_rows(analysis, doc_row, kind=KIND_SAVED, meta=meta)
        aid = rows["analyses"][0]["id"]
        with self.write() as conn:
            conn.execute(self._insert_ignore(documents), [doc_row])
            if conn.execute(select(analyses.c.id).where(analyses.c.id == aid)).first() is None:
                self._insert_rows(conn, rows)
        return str(aid)

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
            head = conn.execute(select(analyses).where(analyses.c.id == analysis_id)).first()
            if head is None:
                return None
            doc_row = conn.execute(select(documents).where(documents.c.id == head.document_id)).one()
            span_rows = conn.execute(select(spans).where(spans.c.analysis_id == analysis_id)).all()
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
        query = select(analyses.c.id).where(analyses.c.document_id == document_id)
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


def _doc_fields(doc: Document) -> dict[str, Any]:
    return {key: doc.meta.get(key) for key in ("ext_id", *records.DOC_FIELDS)}
