"""Initial schema: documents, analyses, spans, technique counts, cues.

Revision ID: 0001
Revises:
Create Date: 2026-05-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BATCH_ONLY = sa.text("kind = 'batch'")


def _buckets() -> list[sa.Column]:
    return [sa.Column("source", sa.String(200), nullable=True), sa.Column("day", sa.Date, nullable=True),
            sa.Column("week", sa.Date, nullable=True), sa.Column("month", sa.Date, nullable=True)]


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True, comment="sha256 of the UTF-8 text"),
        sa.Column("ext_id", sa.String(200), nullable=True,
                  comment="id given by the source (PTC id, JSONL id)"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("title", sa.String(1000), nullable=True),
        sa.Column("published", sa.Date, nullable=True),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("in_corpus", sa.Boolean, nullable=False,
                  comment="imported (batch runs analyze it), not only saved"),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("ix_documents_source", "documents", ["source"])
    op.create_index("ix_documents_published", "documents", ["published"])

    op.create_table(
        "analyses",
        sa.Column("id", sa.String(32), primary_key=True, comment="short token used in permalinks"),
        sa.Column("document_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        *_buckets(),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("spans", sa.Integer, nullable=False),
        sa.Column("covered", sa.Integer, nullable=False, comment="characters inside at least one span"),
        sa.Column("mask", sa.Integer, nullable=False, comment="bit i set when technique i occurs"),
        sa.Column("meta", sa.JSON, nullable=False),
    )
    op.create_index("ix_analyses_document", "analyses", ["document_id", "model"])
    op.create_index("ix_analyses_corpus", "analyses", ["model", "kind", "source", "day"])
    op.create_index("ux_analyses_batch", "analyses", ["document_id", "model"], unique=True,
                    sqlite_where=BATCH_ONLY, postgresql_where=BATCH_ONLY)

    op.create_table(
        "spans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("technique", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("why", sa.JSON, nullable=False, comment="cues as [start, end, weight] triples"),
    )
    op.create_index("ix_spans_analysis", "spans", ["analysis_id"])

    op.create_table(
        "technique_counts",
        sa.Column("analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("technique", sa.String(64), primary_key=True),
        sa.Column("spans", sa.Integer, nullable=False),
        sa.Column("chars", sa.Integer, nullable=False, comment="characters inside this technique's spans"),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        *_buckets(),
    )
    op.create_index("ix_counts_corpus", "technique_counts", ["model", "kind", "source", "technique"])
    op.create_index("ix_counts_day", "technique_counts", ["model", "kind", "day"])

    op.create_table(
        "cues",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("technique", sa.String(64), nullable=False),
        sa.Column("phrase", sa.String(100), nullable=False, comment="the cue's text, lowercased"),
        sa.Column("weight", sa.Float, nullable=False),
    )
    op.create_index("ix_cues_analysis", "cues", ["analysis_id"])
    op.create_index("ix_cues_technique", "cues", ["technique", "phrase"])


def downgrade() -> None:
    for table in ("cues", "technique_counts", "spans", "analyses", "documents"):
        op.drop_table(table)
