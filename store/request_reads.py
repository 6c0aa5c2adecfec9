"""The reads and the one account write of a submission's transaction (bot/usecases/requests.py), as prebuilt
Core statements: no ORM object, no flush, no statement built per request.

The account row is read locked (FOR UPDATE on PostgreSQL; on SQLite the transaction already holds the write
lock: BEGIN IMMEDIATE); with the page's own statements (store/page_reads.py) the active admins with their
consent (which is also the admin check: the acting admin is one of them) and the newest non-admins the rules
and the messages read; the package line's pending request. Measured in bench/README.md (bench.ack, a submission's
CPU): the ORM's loads of the account, the member and the pending request, and the flush of `next_tick_at`,
were a third of the write transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.page import PendingRequest
from bot.core.statuses import RequestStatus
from store import models
from store.page_reads import ACCOUNT, NEWEST, A, R
from store.queries import not_linked

ACCOUNT_LOCKED = ACCOUNT.with_for_update(of=A)
PENDING = (
    select(R.c.id, R.c.seats_removed, R.c.renewal_date, R.c.requested_by, R.c.created_at)
    .where(R.c.account_id == bindparam("account"), R.c.line_id.is_(None), R.c.status == RequestStatus.PENDING.value)
    .order_by(R.c.renewal_date)
    .limit(1)
)
"""The package line's pending request (by `ix_reduction_requests_account_status`)."""
_ACCOUNTS = models.Base.metadata.tables[models.Account.__tablename__]
WAKE = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account")).values(next_tick_at=bindparam("at"))


def locked_account(s: Session, team: str) -> Row[Any]:
    """The account of `team` (the columns of `accounts` and `has_addons`), locked until the commit."""
    row = s.connection().execute(ACCOUNT_LOCKED, {"team": team}).first()
    if row is None:
        raise not_linked(team)
    return row


def wake_row(s: Session, account: Row[Any], now: datetime) -> None:
    """store.queries.wake for an account read as a row: the worker looks at the account now."""
    if account.next_tick_at is None or account.next_tick_at > now:
        s.connection().execute(WAKE, {"account": account.id, "at": now})


def package_roster(
    s: Session, account: Row[Any], admins: list[Row[Any]], new_seat_count: int | None, preview: int | None
) -> policy.Roster:
    """store.queries.roster_of from the locked account row (its `active_members` counter) and the active
    admins already read (page_reads.admin_rows): only the newest non-admins are read here."""
    active = account.active_members
    depth = policy.roster_depth(active, len(admins), new_seat_count, preview)
    newest = list(s.connection().execute(NEWEST, {"account": account.id, "depth": depth})) if depth else []
    members = [
        policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=True, consented=bool(r.consented))
        for r in admins
    ] + [policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=False, consented=False) for r in newest]
    members.sort(key=lambda m: (m.added_at, m.id))
    return policy.Roster(active=active, members=tuple(members))


def package_pending(s: Session, account_id: int) -> PendingRequest | None:
    """The package line's pending request (store.queries.pending_of, as a row)."""
    found = s.connection().execute(PENDING, {"account": account_id}).first()
    if found is None:
        return None
    return PendingRequest(
        id=found.id,
        seats_removed=found.seats_removed,
        renewal=found.renewal_date,
        requested_by=found.requested_by,
        requested_at=found.created_at,
    )
