"""License lines and the package catalog (issue 19): package_tiers, license_lines (add-on lines),
line_assignments, package_changes; accounts.package_tier_id; reduction_requests.line_id.

Existing accounts keep every figure: their package line *is* the account row (licensed_seats and
price_per_seat stay where they are), their pending request applies to it (line_id NULL), they have no add-on
line and no named package. Nothing is copied, so nothing can drift.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "package_tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("price_per_seat", sa.Numeric(12, 2), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.CheckConstraint("rank >= 0", name="ck_package_tiers_rank_not_negative"),
        sa.CheckConstraint("price_per_seat >= 0", name="ck_package_tiers_price_not_negative"),
        sa.PrimaryKeyConstraint("id", name="pk_package_tiers"),
        sa.UniqueConstraint("name", name="uq_package_tiers_name"),
        sa.UniqueConstraint("rank", name="uq_package_tiers_rank"),
    )
    op.create_table(
        "license_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("licensed_seats", sa.Integer(), nullable=False),
        sa.Column("price_per_seat", sa.Numeric(12, 2), nullable=True),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.CheckConstraint("licensed_seats >= 1", name="ck_license_lines_seats_positive"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_license_lines_account_id_accounts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_license_lines"),
        sa.UniqueConstraint("account_id", "name", name="uq_license_lines_account_id_name"),
    )
    op.create_index("ix_license_lines_account_id", "license_lines", ["account_id"])
    op.create_table(
        "line_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", NOW, nullable=False),
        sa.Column("removed_at", NOW, nullable=True),
        sa.Column("removed_how", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["license_lines.id"], name="fk_line_assignments_line_id_license_lines", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_line_assignments_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_line_assignments"),
    )
    op.create_index(
        "uq_line_assignments_current",
        "line_assignments",
        ["line_id", "member_id"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )
    op.create_index("ix_line_assignments_line_assigned", "line_assignments", ["line_id", "assigned_at"])
    op.create_index("ix_line_assignments_member_id", "line_assignments", ["member_id"])
    op.create_table(
        "package_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_tier_id", sa.Integer(), nullable=False),
        sa.Column("to_tier_id", sa.Integer(), nullable=False),
        sa.Column("price_before", sa.Numeric(12, 2), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.Column("cancelled_at", NOW, nullable=True),
        sa.Column("cancelled_by", sa.String(length=64), nullable=True),
        sa.Column("applied_at", NOW, nullable=True),
        sa.CheckConstraint("status IN ('pending', 'cancelled', 'applied')", name="ck_package_changes_status"),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name="fk_package_changes_account_id_accounts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["from_tier_id"], ["package_tiers.id"], name="fk_package_changes_from_tier_id_package_tiers"
        ),
        sa.ForeignKeyConstraint(
            ["to_tier_id"], ["package_tiers.id"], name="fk_package_changes_to_tier_id_package_tiers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_package_changes"),
    )
    op.create_index("ix_package_changes_account_id", "package_changes", ["account_id"])
    op.create_index(
        "uq_package_changes_one_pending",
        "package_changes",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    # New nullable columns: ADD COLUMN keeps every row as it is (no table copy on SQLite).
    sqlite = op.get_bind().dialect.name == "sqlite"
    _add_reference("accounts", "package_tier_id", "package_tiers", sqlite=sqlite)
    _add_reference("reduction_requests", "line_id", "license_lines", sqlite=sqlite)
    # One pending request per line: the package line's as before (line_id NULL), one per add-on line.
    op.drop_index("uq_reduction_requests_one_pending", table_name="reduction_requests")
    op.create_index(
        "uq_reduction_requests_one_pending",
        "reduction_requests",
        ["account_id", "renewal_date"],
        unique=True,
        sqlite_where=sa.text("status = 'pending' AND line_id IS NULL"),
        postgresql_where=sa.text("status = 'pending' AND line_id IS NULL"),
    )
    op.create_index(
        "uq_reduction_requests_one_pending_line",
        "reduction_requests",
        ["line_id"],
        unique=True,
        sqlite_where=sa.text("status = 'pending' AND line_id IS NOT NULL"),
        postgresql_where=sa.text("status = 'pending' AND line_id IS NOT NULL"),
    )


def _add_reference(table: str, column: str, referred: str, *, sqlite: bool, ondelete: str | None = None) -> None:
    name = f"fk_{table}_{column}_{referred}"
    if sqlite:  # SQLite adds a column with its reference in one ALTER (Alembic would copy the table)
        on_delete = f" ON DELETE {ondelete}" if ondelete else ""
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {referred} (id){on_delete}"
        )
        return
    op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
    op.create_foreign_key(name, table, referred, [column], ["id"], ondelete=ondelete)


def downgrade() -> None:
    op.drop_index("uq_reduction_requests_one_pending_line", table_name="reduction_requests")
    op.drop_index("uq_reduction_requests_one_pending", table_name="reduction_requests")
    op.execute("DELETE FROM reduction_requests WHERE line_id IS NOT NULL")
    op.create_index(
        "uq_reduction_requests_one_pending",
        "reduction_requests",
        ["account_id", "renewal_date"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    with op.batch_alter_table("reduction_requests") as batch:
        batch.drop_column("line_id")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("package_tier_id")
    op.drop_table("package_changes")
    op.drop_table("line_assignments")
    op.drop_table("license_lines")
    op.drop_table("package_tiers")
