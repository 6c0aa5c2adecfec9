"""Export the consents of an account for the vendor's records (CSV or JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.consent import Consent
from bot.core.errors import UserError
from bot.i18n import statements
from bot.usecases import export_formats as formats
from bot.usecases.consents import list_consents
from bot.usecases.export_formats import FORMATS
from bot.usecases.ports import Database
from store.queries import audit, load_account

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
    "statement_language",
    "statement_version",
    "statement_verified",
    "signature",
    "signed_by_user_id",
    "signed_by_team_id",
    "granted_at",
    "declined_at",
    "revoked_at",
)


def record(c: Consent) -> dict[str, Any]:
    """One consent as a flat record; times in UTC ISO-8601. The statement is the stored text only, with its
    language and version id (consents signed before languages: en, en-1)."""
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
        "statement_language": c.statement_language if answered else None,
        "statement_version": c.statement_version if answered else None,
        # the stored text is that version's legal text with only the facts filled in (bot/i18n/statements.py)
        "statement_verified": statements.verify(c.statement_version, c.statement) if answered else None,
        "signature": c.signature,
        "signed_by_user_id": c.signed_by_user_id,
        "signed_by_team_id": c.signed_by_team_id,
        "granted_at": c.granted_at,
        "declined_at": c.declined_at,
        "revoked_at": c.revoked_at,
    }
    return {k: formats.value(raw[k]) for k in FIELDS}


def to_csv(consents: Sequence[Consent]) -> str:
    return formats.to_csv(FIELDS, (record(c) for c in consents))


def to_json(consents: Sequence[Consent], *, team: str, exported_at: datetime) -> str:
    return formats.to_json("consents", (record(c) for c in consents), team=team, exported_at=exported_at)


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
