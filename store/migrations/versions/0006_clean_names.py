"""Names stored before they were cleaned on the way in: line breaks, tabs, bidirectional overrides and
other hidden characters removed from member and account names (bot.core.text.clean_name)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.core.text import clean_name

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for table in ("members", "accounts"):
        rows = conn.execute(sa.text(f"SELECT id, name FROM {table}")).all()
        for id_, name in rows:
            cleaned = clean_name(name) or "?"
            if cleaned != name:
                conn.execute(sa.text(f"UPDATE {table} SET name = :name WHERE id = :id"), {"name": cleaned, "id": id_})


def downgrade() -> None:
    pass  # the hidden characters are gone for good (they were never meant to be there)
