"""Soft deletes: a deleted saved analysis keeps its rows, with the time of its deletion, until
`unspin purge` makes the delete final (after `UNSPIN_KEEP_DELETED_DAYS`, 30 by default).
Every read, export and count leaves such rows out.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("deleted", sa.DateTime, nullable=True,
                                   comment="when it was deleted (soft); null: not deleted"))
    op.create_index("ix_analyses_deleted", "analyses", ["deleted"])


def downgrade() -> None:
    op.drop_index("ix_analyses_deleted", table_name="analyses")
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("deleted")
