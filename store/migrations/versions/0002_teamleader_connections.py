"""teamleader connections

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:33:14.953506
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teamleader_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reconnect_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_interval_minutes", sa.Integer(), nullable=False),
        sa.Column("next_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('connected', 'reconnect_needed')", name=op.f("ck_teamleader_connections_status")
        ),
        sa.CheckConstraint("sync_interval_minutes >= 1", name=op.f("ck_teamleader_connections_interval_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_teamleader_connections_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teamleader_connections")),
        sa.UniqueConstraint("account_id", name=op.f("uq_teamleader_connections_account_id")),
    )
    with op.batch_alter_table("teamleader_connections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teamleader_connections_next_sync_at"), ["next_sync_at"], unique=False)

    op.create_table(
        "teamleader_oauth_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_teamleader_oauth_states_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teamleader_oauth_states")),
        sa.UniqueConstraint("state", name=op.f("uq_teamleader_oauth_states_state")),
    )
    with op.batch_alter_table("teamleader_oauth_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teamleader_oauth_states_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("teamleader_oauth_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teamleader_oauth_states_account_id"))

    op.drop_table("teamleader_oauth_states")
    with op.batch_alter_table("teamleader_connections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teamleader_connections_next_sync_at"))

    op.drop_table("teamleader_connections")
