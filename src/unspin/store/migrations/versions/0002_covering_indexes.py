"""Covering indexes for the dashboard queries (index-only scans over 100,000s of rows); they
replace two indexes that were their prefixes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-20
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_documents_corpus": ("documents", ["in_corpus", "id"]),
    "ix_analyses_totals": ("analyses", ["model", "kind", "source", "day", "week", "month", "chars", "words",
                                        "spans", "covered", "mask", "created"]),
    "ix_counts_cover": ("technique_counts", ["model", "kind", "source", "technique", "day", "week", "month",
                                             "spans", "chars"]),
}


REPLACED = {
    "ix_analyses_corpus": ("analyses", ["model", "kind", "source", "day"]),
    "ix_counts_corpus": ("technique_counts", ["model", "kind", "source", "technique"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    for name, (table, _) in REPLACED.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, columns) in REPLACED.items():
        op.create_index(name, table, columns)
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
