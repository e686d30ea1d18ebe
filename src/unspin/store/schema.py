"""The store's tables (SQLAlchemy Core). Alembic migrations in `migrations/` create them.

Free-text columns are `Bounded` (see `types`): a longer value is clipped, or for the feed
validators dropped, by the same rule on SQLite and PostgreSQL.

Corpus rows (`analyses`, `technique_counts`) repeat a document's `source` and date
buckets (`day`, `week`, `month`) so dashboard queries group one table without joins.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from unspin.store.types import Bounded, CleanText

metadata = MetaData()

KIND_BATCH = "batch"  # one per (document, model): what corpus runs write and analytics read
KIND_SAVED = "saved"  # analyses saved from the web app or API (permalinks)

documents = Table(
    "documents",
    metadata,
    Column("id", String(64), primary_key=True, comment="sha256 of the UTF-8 text"),
    Column("ext_id", Bounded(200), nullable=True, comment="id given by the source (PTC id, JSONL id)"),
    Column("text", Text, nullable=False),
    Column("source", Bounded(200), nullable=True),
    Column("url", Bounded(2000), nullable=True),
    Column("title", Bounded(1000), nullable=True),
    Column("published", Date, nullable=True),
    Column("chars", Integer, nullable=False),
    Column("words", Integer, nullable=False),
    Column("meta", JSON, nullable=False),
    Column("in_corpus", Boolean, nullable=False, comment="imported (batch runs analyze it), not only saved"),
    Column("created", DateTime, nullable=False),
    Index("ix_documents_source", "source"),
    Index("ix_documents_published", "published"),
    Index("ix_documents_corpus", "in_corpus", "id"),
)

analyses = Table(
    "analyses",
    metadata,
    Column("id", String(32), primary_key=True, comment="short token used in permalinks"),
    Column("document_id", String(64), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("model", Bounded(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("source", Bounded(200), nullable=True),
    Column("day", Date, nullable=True),
    Column("week", Date, nullable=True),
    Column("month", Date, nullable=True),
    Column("chars", Integer, nullable=False),
    Column("words", Integer, nullable=False),
    Column("spans", Integer, nullable=False),
    Column("covered", Integer, nullable=False, comment="characters inside at least one span"),
    Column("mask", Integer, nullable=False, comment="bit i set when technique i occurs"),
    Column("meta", JSON, nullable=False),
    Column("deleted", DateTime, nullable=True, comment="when it was deleted (soft); null: not deleted"),
    Index("ix_analyses_document", "document_id", "model"),
    Index("ix_analyses_history", "kind", "created"),
    Index("ix_analyses_totals", "model", "kind", "source", "day", "week", "month", "chars", "words", "spans",
          "covered", "mask", "created"),  # covering: dashboard totals read the index only
    Index("ux_analyses_batch", "document_id", "model", unique=True,
          sqlite_where=text("kind = 'batch'"), postgresql_where=text("kind = 'batch'")),
    Index("ix_analyses_deleted", "deleted"),
)

spans = Table(
    "spans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("analysis_id", String(32), ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("technique", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("why", JSON, nullable=False, comment="cues as [start, end, weight] triples"),
    Index("ix_spans_analysis", "analysis_id"),
)

technique_counts = Table(
    "technique_counts",
    metadata,
    Column("analysis_id", String(32), ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True),
    Column("technique", String(64), primary_key=True),
    Column("spans", Integer, nullable=False),
    Column("chars", Integer, nullable=False, comment="characters inside this technique's spans"),
    Column("model", Bounded(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("source", Bounded(200), nullable=True),
    Column("day", Date, nullable=True),
    Column("week", Date, nullable=True),
    Column("month", Date, nullable=True),
    Index("ix_counts_day", "model", "kind", "day"),
    Index("ix_counts_cover", "model", "kind", "source", "technique", "day", "week", "month", "spans",
          "chars"),  # covering, as above
)

cues = Table(
    "cues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("analysis_id", String(32), ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False),
    Column("technique", String(64), nullable=False),
    Column("phrase", Bounded(100), nullable=False, comment="the cue's text, lowercased"),
    Column("weight", Float, nullable=False),
    Index("ix_cues_analysis", "analysis_id"),
    Index("ix_cues_technique", "technique", "phrase"),
)

corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("analysis_id", String(32), ForeignKey("analyses.id", ondelete="CASCADE"), nullable=False),
    Column("target", String(32), nullable=False, comment="m<index>: model span, a<token>: added span"),
    Column("action", String(16), nullable=False, comment="accept, reject, relabel, resize, add or reset"),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("technique", String(64), nullable=False),
    Column("reviewer", Bounded(100), nullable=False),
    Column("created", DateTime, nullable=False),
    Index("ix_corrections_analysis", "analysis_id", "id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("analysis_id", String(32), ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True,
           comment="a saved analysis a reviewer marked reviewed: spans not rejected are confirmed and "
                   "unmarked text is checked"),
    Column("reviewer", String(100), nullable=False),
    Column("created", DateTime, nullable=False),
    Index("ix_reviews_created", "created"),
)

added_techniques = Table(
    "added_techniques",
    metadata,
    Column("name", String(64), primary_key=True,
           comment="a technique a reviewer added (outside the models' lists), offered to every reviewer"),
    Column("definition", String(500), nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("created", DateTime, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("document_id", String(64), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("model", Bounded(200), primary_key=True),
    Column("owner", Bounded(200), nullable=False, comment="host:pid:token of the run"),
    Column("expires", DateTime, nullable=False),
    Index("ix_leases_owner", "model", "owner"),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", String(32), primary_key=True),  # sha256 of the feed URL, first 32 hex digits
    Column("url", Bounded(2000), nullable=False),
    Column("kind", String(16), nullable=True),  # rss, atom, sitemap, opml, page
    Column("title", Bounded(1000), nullable=True),
    Column("source", Bounded(200), nullable=True),  # outlet given to the feed's documents
    Column("etag", Bounded(1000, over="drop"), nullable=True),
    Column("last_modified", Bounded(200, over="drop"), nullable=True),
    Column("last_fetched", DateTime, nullable=True),
    Column("last_status", String(16), nullable=True),  # ok, not-modified or error
    Column("last_error", CleanText, nullable=True),
    Column("items", Integer, nullable=False),  # items stored so far
    Column("errors", Integer, nullable=False),  # items that failed in the last round
    Column("created", DateTime, nullable=False),
    Column("lease_owner", String(200), nullable=True),  # host:pid:token of the run fetching it now
    Column("lease_expires", DateTime, nullable=True),
)

feed_items = Table(
    "feed_items",
    metadata,
    Column("id", String(32), primary_key=True),  # sha256 of the item URL, first 32 hex digits
    Column("feed_id", String(32), ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("url", Bounded(2000), nullable=False),
    Column("document_id", String(64), nullable=True),  # set once the page is stored
    Column("status", String(16), nullable=False),  # ok, failed (retried next round) or parked
    Column("error", CleanText, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("last_tried", DateTime, nullable=False),
    Index("ix_feed_items_feed", "feed_id", "status"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True, comment="lowercase login name"),
    Column("role", String(16), nullable=False, comment="admin, reviewer or reader"),
    Column("password", Text, nullable=True, comment="argon2 hash; null: tokens only"),
    Column("created", DateTime, nullable=False),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False, comment="session (a login) or token (API)"),
    Column("digest", String(64), nullable=False, unique=True, comment="sha256 of the secret"),
    Column("created", DateTime, nullable=False),
    Column("expires", DateTime, nullable=True, comment="null: until revoked"),
    Index("ix_credentials_user", "user_id", "kind"),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_login_failures", "name", "address", "at"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(100), nullable=False, comment="user name, or cli:<os user> for commands"),
    Column("action", String(32), nullable=False),
    Column("target", Bounded(200), nullable=True),
    Column("detail", JSON, nullable=False),
    Index("ix_audit_at", "at"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False, comment="analyze, compare, ..."),
    Column("status", String(16), nullable=False, comment="queued, running, done, failed or cancelled"),
    Column("title", Bounded(1000), nullable=True),
    Column("words", Integer, nullable=False),
    Column("done", Integer, nullable=False, comment="windows done"),
    Column("total", Integer, nullable=False, comment="windows in all"),
    Column("payload", JSON, nullable=False, comment="what to run: documents, threshold, save"),
    Column("result", JSON, nullable=True, comment="the records, once done"),
    Column("error", CleanText, nullable=True),
    Column("error_status", Integer, nullable=True),
    Column("owner", String(200), nullable=True, comment="host:pid:token of the process running it"),
    Column("lease_expires", DateTime, nullable=True),
    Column("attempts", Integer, nullable=False, comment="times a process started it"),
    Column("created", DateTime, nullable=False),
    Column("finished", DateTime, nullable=True),
    Column("info", JSON, nullable=True, comment="a kind's own public fields (adapt: stage, start, model)"),
    Column("submitted_by", String(100), nullable=True, comment="user name of who submitted it (accounts on)"),
    Index("ix_jobs_status", "status", "created"),
)
