"""Reviewed articles: one row per saved analysis a reviewer marked reviewed (who and when),
so exports and agreement count only articles someone checked from end to end.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"),
                  primary_key=True,
                  comment="a saved analysis a reviewer marked reviewed: spans not rejected are confirmed "
                          "and unmarked text is checked"),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("ix_reviews_created", "reviews", ["created"])


def downgrade() -> None:
    op.drop_index("ix_reviews_created", table_name="reviews")
    op.drop_table("reviews")
