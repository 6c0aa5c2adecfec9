"""Reminders that respect people: members.timezone (Slack's tz, refreshed), accounts.escalate, snoozes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00

DMs go at 09:00 in each admin's own timezone (users.info `tz`, stored here; NULL: the account's);
`reminder_snoozes` keeps each admin's "Remind me later"; `accounts.escalate` turns the d3 escalation
off per account.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMEZONE_DUE = "is_admin AND status = 'active' AND slack_user_id IS NOT NULL"


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite keeps the tables, and their triggers, as they are.
    op.add_column("members", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.add_column("members", sa.Column("timezone_checked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_members_timezone_due",
        "members",
        ["timezone_checked_at"],
        unique=False,
        sqlite_where=sa.text(TIMEZONE_DUE),
        postgresql_where=sa.text(TIMEZONE_DUE),
    )
    op.add_column("accounts", sa.Column("escalate", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "reminder_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("snoozed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("days_before >= 0", name=op.f("ck_reminder_snoozes_days_before")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_reminder_snoozes_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_reminder_snoozes_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_snoozes")),
        sa.UniqueConstraint(
            "member_id",
            "renewal_date",
            "days_before",
            name=op.f("uq_reminder_snoozes_member_id_renewal_date_days_before"),
        ),
    )
    op.create_index(
        op.f("ix_reminder_snoozes_account_id_renewal_date"), "reminder_snoozes", ["account_id", "renewal_date"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reminder_snoozes_account_id_renewal_date"), table_name="reminder_snoozes")
    op.drop_table("reminder_snoozes")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("escalate")
    op.drop_index(
        "ix_members_timezone_due",
        table_name="members",
        sqlite_where=sa.text(TIMEZONE_DUE),
        postgresql_where=sa.text(TIMEZONE_DUE),
    )
    with op.batch_alter_table("members") as batch:
        batch.drop_column("timezone_checked_at")
        batch.drop_column("timezone")
