"""Export the whole audit log of an account (CSV or JSON), as the consent export does; the export is audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import UserError
from bot.usecases import export_formats as formats
from bot.usecases.export_formats import FORMATS
from bot.usecases.ports import Database
from store import models
from store.queries import audit, load_account

FIELDS = ("entry_id", "at", "actor", "action", "details")


def _record(e: models.AuditEntry) -> dict[str, Any]:
    return {
        "entry_id": e.id,
        "at": formats.value(e.at),
        "actor": e.actor,
        "action": e.action,
        "details": dict(e.details or {}),
    }


def export_audit(db: Database, *, team: str, fmt: str, now: datetime, actor: Actor = OPERATOR) -> tuple[str, int]:
    """Every audit entry of the account, oldest first, as CSV (details as a JSON cell) or JSON, and how many."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r} is not supported: use csv or json")
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        rows = s.scalars(
            select(models.AuditEntry)
            .where(models.AuditEntry.account_id == account.id)
            .order_by(models.AuditEntry.at, models.AuditEntry.id)
        )
        records = [_record(e) for e in rows]
    if fmt == "csv":
        text = formats.to_csv(FIELDS, records)
    else:
        text = formats.to_json("entries", records, team=team, exported_at=now)
    with db.transaction() as s:
        account = load_account(s, team)
        audit(s, account.id, actor, AuditAction.AUDIT_EXPORTED, now, format=fmt, count=len(records))
    return text, len(records)
