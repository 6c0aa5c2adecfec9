"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 06:28:51.174050
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("licensed_seats", sa.Integer(), nullable=False),
        sa.Column("renewal_anchor", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("admin_channel", sa.String(length=32), nullable=True),
        sa.Column("price_per_seat", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("reminder_days", sa.String(length=64), nullable=False),
        sa.Column("last_processed_renewal", sa.Date(), nullable=True),
        sa.Column("next_tick_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("plan IN ('quarterly', 'annual')", name=op.f("ck_accounts_plan")),
        sa.CheckConstraint("licensed_seats >= 1", name=op.f("ck_accounts_seats_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("slack_team_id", name=op.f("uq_accounts_slack_team_id")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_next_tick_at"), ["next_tick_at"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_audit_log_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_account_at", ["account_id", "at"], unique=False)

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=True),
        sa.Column("teamleader_id", sa.String(length=64), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deactivated_how", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "deactivated_how IS NULL OR deactivated_how IN ('manual', 'automatic', 'teamleader')",
            name=op.f("ck_members_deactivated_how"),
        ),
        sa.CheckConstraint("status IN ('active', 'deactivated')", name=op.f("ck_members_status")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_members_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("account_id", "email", name=op.f("uq_members_account_id_email")),
        sa.UniqueConstraint("account_id", "slack_user_id", name=op.f("uq_members_account_id_slack_user_id")),
        sa.UniqueConstraint("account_id", "teamleader_id", name=op.f("uq_members_account_id_teamleader_id")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("ix_members_account_status_added", ["account_id", "status", "added_at"], unique=False)

    op.create_table(
        "reduction_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seats_removed", sa.Integer(), nullable=False),
        sa.Column("seats_before", sa.Integer(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=64), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'cancelled', 'applied')", name=op.f("ck_reduction_requests_status")),
        sa.CheckConstraint("seats_removed >= 1", name=op.f("ck_reduction_requests_seats_removed_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_reduction_requests_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reduction_requests")),
    )
    with op.batch_alter_table("reduction_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reduction_requests_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "uq_reduction_requests_one_pending",
            ["account_id", "renewal_date"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.create_table(
        "admin_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("signature", sa.String(length=200), nullable=True),
        sa.Column("signed_by_user_id", sa.String(length=32), nullable=True),
        sa.Column("signed_by_team_id", sa.String(length=32), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('requested', 'granted', 'declined', 'revoked')", name=op.f("ck_admin_consents_status")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_admin_consents_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_admin_consents_member_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_consents")),
    )
    with op.batch_alter_table("admin_consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_consents_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_admin_consents_member_id"), ["member_id"], unique=False)

    # The audit log is append-only: the database itself refuses UPDATE and DELETE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("admin_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_consents_member_id"))
        batch_op.drop_index(batch_op.f("ix_admin_consents_account_id"))

    op.drop_table("admin_consents")
    with op.batch_alter_table("reduction_requests", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_reduction_requests_one_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_reduction_requests_account_id"))

    op.drop_table("reduction_requests")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_account_status_added")

    op.drop_table("members")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_account_at")

    op.drop_table("audit_log")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_next_tick_at"))

    op.drop_table("accounts")
