"""Techniques reviewers added while correcting spans (name, definition, who, when), offered to
every reviewer afterwards; and jobs' `info`, a kind's own public fields (an adapt job's stage,
start model and new model's name), updated with its progress.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
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
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("info", sa.JSON, nullable=True,
                                   comment="a kind's own public fields (adapt: stage, start, model)"))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("info")
    op.drop_table("added_techniques")
