"""An add-on line's newest holders from an index: line_assignments (line_id, assigned_at, member_id), current only

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 00:05:00

The license page and the renewal read an add-on line's newest current assignments, ties on the assigned
instant broken by the member (store/lines.py). An import assigns many holders at one instant: with only
(line_id, assigned_at) the tie-break sorted every holder of the line (~7 ms per line at 10,000 holders);
this index walks just the rows shown. Plain CREATE INDEX: migration 0013's triggers stay.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

CURRENT = "removed_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_line_assignments_current_newest",
        "line_assignments",
        ["line_id", "assigned_at", "member_id"],
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )


def downgrade() -> None:
    op.drop_index("ix_line_assignments_current_newest", table_name="line_assignments")
