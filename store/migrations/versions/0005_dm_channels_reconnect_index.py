"""members.dm_channel (DM channel ids kept across worker processes); index of revocations not told yet

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 08:00:00

Found by the benchmarks (bench/README.md): every reminder DM cost a conversations.open in each new
worker process, and every idle worker pass read all Teamleader connections.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RECONNECT_DUE = "status = 'reconnect_needed' AND reconnect_notified_at IS NULL"


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite keeps the table, and its triggers, as they are.
    op.add_column("members", sa.Column("dm_channel", sa.String(length=32), nullable=True))
    op.create_index(
        "ix_teamleader_connections_reconnect_due",
        "teamleader_connections",
        ["account_id"],
        unique=False,
        sqlite_where=sa.text(RECONNECT_DUE),
        postgresql_where=sa.text(RECONNECT_DUE),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_teamleader_connections_reconnect_due",
        table_name="teamleader_connections",
        sqlite_where=sa.text(RECONNECT_DUE),
        postgresql_where=sa.text(RECONNECT_DUE),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("dm_channel")
