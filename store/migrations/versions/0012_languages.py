"""Languages: accounts.language, slack_people (a person's choice and Slack locale), the consent statement's
language and version

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:30:00

Consents signed before this migration keep NULL in statement_language and statement_version: their
statement is the English text of version en-1 (the only one there was); the evidence rows are never edited
(migration 0004's triggers), and the export says so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch: on SQLite a batch recreates the table, and accounts is referenced by every table)
    op.add_column(
        "accounts", sa.Column("language", sa.String(length=8), server_default=sa.text("'en'"), nullable=False)
    )
    op.create_table(
        "slack_people",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("slack_locale", sa.String(length=16), nullable=True),
        sa.Column("locale_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id", name="pk_slack_people"),
    )
    op.add_column("admin_consents", sa.Column("statement_language", sa.String(length=8), nullable=True))
    op.add_column("admin_consents", sa.Column("statement_version", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("admin_consents", "statement_version")
    op.drop_column("admin_consents", "statement_language")
    op.drop_table("slack_people")
    op.drop_column("accounts", "language")
