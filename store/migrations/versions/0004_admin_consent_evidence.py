"""admin consent evidence: effective date, one open consent per member, answered consents never edited

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 06:36:01.045253

An answered consent (granted, declined, revoked) is evidence. The database refuses to edit or delete
it, with one exception: granted -> revoked, which sets only `status` and `revoked_at`. On SQLite a
later `batch_alter_table("admin_consents")` recreates the table and DROPS these triggers: a migration
that does so must create them again (tests/store/test_consent_store.py fails otherwise).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MESSAGE = "admin_consents: an answered consent is evidence and is never edited"
KEPT = (
    "id",
    "account_id",
    "member_id",
    "requested_by",
    "requested_at",
    "effective_on",
    "statement",
    "signature",
    "signed_by_user_id",
    "signed_by_team_id",
    "granted_at",
    "declined_at",
)
"""Columns that never change once a consent is answered (all but `status` and `revoked_at`)."""

STATES = (
    "(status = 'requested' AND granted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL"
    " AND signature IS NULL)"
    " OR (status = 'declined' AND declined_at IS NOT NULL AND granted_at IS NULL AND revoked_at IS NULL"
    " AND signature IS NULL)"
    " OR (status = 'granted' AND revoked_at IS NULL AND declined_at IS NULL AND granted_at IS NOT NULL"
    " AND statement IS NOT NULL AND signature IS NOT NULL AND signed_by_user_id IS NOT NULL"
    " AND signed_by_team_id IS NOT NULL)"
    " OR (status = 'revoked' AND revoked_at IS NOT NULL AND declined_at IS NULL AND granted_at IS NOT NULL"
    " AND statement IS NOT NULL AND signature IS NOT NULL AND signed_by_user_id IS NOT NULL"
    " AND signed_by_team_id IS NOT NULL)"
)
OPEN = sa.text("status IN ('requested', 'granted')")


def _revocation_only(same: str) -> str:
    return (
        "OLD.status = 'granted' AND NEW.status = 'revoked' AND OLD.revoked_at IS NULL "
        f"AND NEW.revoked_at IS NOT NULL AND {same}"
    )


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("admin_consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
    # No release wrote consents before this revision; give any row a date anyway (its request day).
    day = "date(requested_at)" if bind.dialect.name == "sqlite" else "CAST(requested_at AS DATE)"
    op.execute(f"UPDATE admin_consents SET effective_on = {day} WHERE effective_on IS NULL")
    with op.batch_alter_table("admin_consents", schema=None) as batch_op:
        batch_op.alter_column("effective_on", existing_type=sa.Date(), nullable=False)
        batch_op.create_check_constraint("state_fields", STATES)
        batch_op.create_index(
            "uq_admin_consents_one_open", ["member_id"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
        )

    if bind.dialect.name == "postgresql":
        new, old = (", ".join(f"{side}.{c}" for c in KEPT) for side in ("NEW", "OLD"))
        same = f"ROW({new}) IS NOT DISTINCT FROM ROW({old})"
        op.execute(
            "CREATE FUNCTION admin_consents_evidence() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' THEN IF OLD.status <> 'requested' THEN RAISE EXCEPTION '{MESSAGE}'; END IF; "
            "RETURN OLD; END IF; "
            f"IF OLD.status <> 'requested' AND NOT ({_revocation_only(same)}) THEN "
            f"RAISE EXCEPTION '{MESSAGE}'; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER admin_consents_evidence BEFORE UPDATE OR DELETE ON admin_consents "
            "FOR EACH ROW EXECUTE FUNCTION admin_consents_evidence()"
        )
    else:
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in KEPT)
        op.execute(
            "CREATE TRIGGER admin_consents_evidence_no_update BEFORE UPDATE ON admin_consents "
            f"WHEN OLD.status <> 'requested' AND NOT ({_revocation_only(same)}) "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        op.execute(
            "CREATE TRIGGER admin_consents_evidence_no_delete BEFORE DELETE ON admin_consents "
            f"WHEN OLD.status <> 'requested' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_consents_evidence ON admin_consents")
        op.execute("DROP FUNCTION admin_consents_evidence()")
    else:
        op.execute("DROP TRIGGER admin_consents_evidence_no_update")
        op.execute("DROP TRIGGER admin_consents_evidence_no_delete")
    with op.batch_alter_table("admin_consents", schema=None) as batch_op:
        batch_op.drop_index("uq_admin_consents_one_open", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_constraint("state_fields", type_="check")
        batch_op.drop_column("effective_on")
