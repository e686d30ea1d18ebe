"""Feeds, sitemaps and OPML lists followed by `unspin corpus import URL` / `corpus watch`:
one row per feed (conditional-GET validators, freshness) and one per item URL seen.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feeds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("title", sa.String(1000), nullable=True),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("etag", sa.String(1000), nullable=True),
        sa.Column("last_modified", sa.String(200), nullable=True),
        sa.Column("last_fetched", sa.DateTime, nullable=True),
        sa.Column("last_status", sa.String(16), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("items", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "feed_items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("feed_id", sa.String(32), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_tried", sa.DateTime, nullable=False),
    )
    op.create_index("ix_feed_items_feed", "feed_items", ["feed_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_feed_items_feed", table_name="feed_items")
    op.drop_table("feed_items")
    op.drop_table("feeds")
