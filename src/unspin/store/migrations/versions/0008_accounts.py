"""Accounts for a shared server: users (argon2 password hashes), their credentials (login
sessions and API tokens, stored as sha256 digests), failed logins for rate limiting, and
the audit log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True, comment="lowercase login name"),
        sa.Column("role", sa.String(16), nullable=False, comment="admin, reviewer or reader"),
        sa.Column("password", sa.Text, nullable=True, comment="argon2 hash; null: tokens only"),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, comment="session (a login) or token (API)"),
        sa.Column("digest", sa.String(64), nullable=False, unique=True, comment="sha256 of the secret"),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("expires", sa.DateTime, nullable=True, comment="null: until revoked"),
    )
    op.create_index("ix_credentials_user", "credentials", ["user_id", "kind"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_login_failures", "login_failures", ["name", "address", "at"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False,
                  comment="user name, or cli:<os user> for commands"),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_at", "audit", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_at", table_name="audit")
    op.drop_table("audit")
    op.drop_index("ix_login_failures", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index("ix_credentials_user", table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("users")
