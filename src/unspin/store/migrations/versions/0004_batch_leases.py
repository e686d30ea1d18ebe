"""Batch leases: which run is analyzing which document, so concurrent `unspin batch` runs
split the corpus instead of analyzing the same documents twice.

Revision ID: 0004
Revises: 0003_web_history_review
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003_web_history_review"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("document_id", sa.String(64), sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False, comment="host:pid:token of the run"),
        sa.Column("expires", sa.DateTime, nullable=False),
    )
    op.create_index("ix_leases_owner", "leases", ["model", "owner"])


def downgrade() -> None:
    op.drop_index("ix_leases_owner", table_name="leases")
    op.drop_table("leases")
