"""An index for the active admins of an account: every license page, App Home and admin refresh reads them,
and without it the read walked every active member of the account (issue 17: cost independent of size).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_members_account_admin_status", "members", ["account_id", "is_admin", "status"])


def downgrade() -> None:
    op.drop_index("ix_members_account_admin_status", table_name="members")
