"""Linking a workspace to an account from Slack: link_codes (hashed, single use), link_attempts (refusals)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:00:00
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
        "link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_team", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_link_codes_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_link_codes"),
        sa.UniqueConstraint("code_hash", name="uq_link_codes_code_hash"),
    )
    op.create_index("ix_link_codes_account_id", "link_codes", ["account_id"])
    op.create_table(
        "link_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_attempts"),
    )
    op.create_index("ix_link_attempts_team_at", "link_attempts", ["team_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_link_attempts_team_at", table_name="link_attempts")
    op.drop_table("link_attempts")
    op.drop_index("ix_link_codes_account_id", table_name="link_codes")
    op.drop_table("link_codes")
