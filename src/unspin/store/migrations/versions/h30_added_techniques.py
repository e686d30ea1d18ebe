"""Techniques reviewers added while correcting spans (name, definition, who, when), offered to
every reviewer afterwards.

Revision ID: h30_added_techniques
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h30_added_techniques"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "added_techniques",
        sa.Column("name", sa.String(64), primary_key=True,
                  comment="a technique a reviewer added (outside the models' lists), offered to every "
                          "reviewer"),
        sa.Column("definition", sa.String(500), nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("added_techniques")
