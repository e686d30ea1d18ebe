"""The web app's history and review: reviewer corrections of saved analyses, and an index
that lists saved analyses newest first.

Revision ID: 0003_web_history_review
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_history_review"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("analysis_id", sa.String(32), sa.ForeignKey("analyses.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("target", sa.String(32), nullable=False,
                  comment="m<index>: model span, a<token>: added span"),
        sa.Column("action", sa.String(16), nullable=False,
                  comment="accept, reject, relabel, resize, add or reset"),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("technique", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_index("ix_corrections_analysis", "corrections", ["analysis_id", "id"])
    op.create_index("ix_analyses_history", "analyses", ["kind", "created"])


def downgrade() -> None:
    op.drop_index("ix_analyses_history", table_name="analyses")
    op.drop_index("ix_corrections_analysis", table_name="corrections")
    op.drop_table("corrections")
