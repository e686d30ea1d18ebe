"""Durable analysis jobs: every server process polls, claims (with a lease) and finishes
them in the database, so any process answers any poll and a restart requeues them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False, comment="analyze, compare, ..."),
        sa.Column("status", sa.String(16), nullable=False,
                  comment="queued, running, done, failed or cancelled"),
        sa.Column("title", sa.String(1000), nullable=True),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, comment="windows done"),
        sa.Column("total", sa.Integer, nullable=False, comment="windows in all"),
        sa.Column("payload", sa.JSON, nullable=False, comment="what to run: documents, threshold, save"),
        sa.Column("result", sa.JSON, nullable=True, comment="the records, once done"),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("error_status", sa.Integer, nullable=True),
        sa.Column("owner", sa.String(200), nullable=True,
                  comment="host:pid:token of the process running it"),
        sa.Column("lease_expires", sa.DateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, comment="times a process started it"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("finished", sa.DateTime, nullable=True),
    )
    op.create_index("ix_jobs_status", "jobs", ["status", "created"])


def downgrade() -> None:
    op.drop_index("ix_jobs_status", table_name="jobs")
    op.drop_table("jobs")
