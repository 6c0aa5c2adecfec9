"""Export the consents of an account for the vendor's records (CSV or JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.consent import Consent
from bot.core.errors import UserError
from bot.usecases.consents import list_consents
from bot.usecases.ports import Database
from store.queries import audit, load_account

FORMATS = ("csv", "json")
FIELDS = (
    "consent_id",
    "account",
    "team_id",
    "member_id",
    "member_name",
    "member_email",
    "member_slack_user_id",
    "requested_by",
    "requested_by_name",
    "requested_at",
    "effective_on",
    "status",
    "statement",
    "signature",
    "signed_by_user_id",
    "signed_by_team_id",
    "granted_at",
    "declined_at",
    "revoked_at",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _value(v: object) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(v, date):
        return v.isoformat()
    return v


def record(c: Consent) -> dict[str, Any]:
    """One consent as a flat record; times in UTC ISO-8601. The statement is the stored text only."""
    answered = c.signature is not None
    raw: dict[str, object] = {
        "consent_id": c.id,
        "account": c.account_name,
        "team_id": c.team_id,
        "member_id": c.member_id,
        "member_name": c.member_name,
        "member_email": c.member_email,
        "member_slack_user_id": c.member_user_id,
        "requested_by": c.requested_by,
        "requested_by_name": c.requester_name,
        "requested_at": c.requested_at,
        "effective_on": c.effective_on,
        "status": c.status.value,
        "statement": c.statement if answered else None,
        "signature": c.signature,
        "signed_by_user_id": c.signed_by_user_id,
        "signed_by_team_id": c.signed_by_team_id,
        "granted_at": c.granted_at,
        "declined_at": c.declined_at,
        "revoked_at": c.revoked_at,
    }
    return {k: _value(raw[k]) for k in FIELDS}


def _cell(v: Any) -> str:
    """A CSV cell; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if v is None:
        return ""
    text = str(v)
    return "'" + text if isinstance(v, str) and text.startswith(FORMULA_START) else text


def to_csv(consents: Sequence[Consent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for c in consents:
        rec = record(c)
        writer.writerow([_cell(rec[k]) for k in FIELDS])
    return out.getvalue()


def to_json(consents: Sequence[Consent], *, team: str, exported_at: datetime) -> str:
    doc = {
        "team_id": team,
        "exported_at": _value(exported_at),
        "consents": [record(c) for c in consents],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def export_consents(db: Database, *, team: str, fmt: str, now: datetime, actor: Actor = OPERATOR) -> tuple[str, int]:
    """The account's consents as CSV or JSON text, and how many; the export itself is audited."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt!r} is not supported: use csv or json")
    consents = list_consents(db, team=team)
    text = to_csv(consents) if fmt == "csv" else to_json(consents, team=team, exported_at=now)
    with db.transaction() as s:
        account = load_account(s, team)
        audit(s, account.id, actor, AuditAction.CONSENTS_EXPORTED, now, format=fmt, count=len(consents))
    return text, len(consents)
