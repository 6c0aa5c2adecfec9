"""Reading: the license page, the renewal a request made now applies to, the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.page import LicensePage, TeamleaderLink, build_page, new_seat_count
from bot.usecases.common import (
    load_account,
    pending_of,
    roster_of,
    terms_of,
)
from store import models
from store.db import Database
from store.models import TeamleaderStatus


def license_page(db: Database, *, team: str, now: datetime) -> LicensePage:
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        return page_of(s, account, now, teamleader=teamleader_link(s, account.id))


def page_of(
    s: Session, account: models.Account, now: datetime, *, teamleader: TeamleaderLink | None = None
) -> LicensePage:
    """The license page of an account loaded in `s`: the terms, the pending request, the roster it needs."""
    terms, pending = terms_of(account), pending_of(s, account.id)
    return build_page(terms, roster_of(s, account.id, new_seat_count(terms, pending)), pending, now, teamleader)


def teamleader_link(s: Session, account_id: int) -> TeamleaderLink | None:
    """The account's Teamleader sync as the license page shows it; None when it is not connected."""
    conn = s.scalar(select(models.TeamleaderConnection).where(models.TeamleaderConnection.account_id == account_id))
    if conn is None:
        return None
    return TeamleaderLink(
        reconnect_needed=conn.status == TeamleaderStatus.RECONNECT_NEEDED.value,
        since=conn.status_changed_at,
        last_sync_at=conn.last_sync_at,
        last_error=conn.last_error,
    )


def request_target(db: Database, *, team: str, now: datetime) -> policy.Target:
    """The renewal a reduction requested at `now` applies to: the account's terms only, no members."""
    with db.transaction(read_only=True) as s:
        terms = terms_of(load_account(s, team))
    return policy.request_target(terms.anchor, terms.plan, now, terms.timezone)


def history(db: Database, *, team: str, limit: int = 20) -> list[models.AuditEntry]:
    with db.transaction(read_only=True) as s:
        return history_in(s, load_account(s, team).id, limit)


def history_in(s: Session, account_id: int, limit: int) -> list[models.AuditEntry]:
    """The account's latest audit entries, newest first."""
    return list(
        s.scalars(
            select(models.AuditEntry)
            .where(models.AuditEntry.account_id == account_id)
            .order_by(models.AuditEntry.at.desc(), models.AuditEntry.id.desc())
            .limit(limit)
        )
    )
