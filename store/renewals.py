"""The renewal's reads and writes, set-based: a few statements per chunk of deactivations, whatever the size.

A renewal that deactivates many users runs in chunks (bot/worker/renewal.py), each its own short
transaction. The request becomes `applied` in the first one: from then on it is the renewal's in
progress (`applying_request` finds it again after a crash) until `last_processed_renewal` moves past it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, Integer, String, any_, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import WORKER, AuditAction
from bot.core.statuses import DeactivatedHow, MemberStatus, RequestStatus
from store import models


def applying_request(s: Session, account: models.Account, renewal: date) -> models.ReductionRequest | None:
    """The request renewal `renewal` applies, locked: the earliest pending one for it (or, if the anchor moved,
    for an earlier date), or the one a chunked renewal already marked applied and has not finished."""
    r = models.ReductionRequest
    in_progress = r.status == RequestStatus.APPLIED.value
    if account.last_processed_renewal is not None:
        in_progress = in_progress & (r.renewal_date > account.last_processed_renewal)
    return s.scalar(
        select(r)
        .where(
            r.account_id == account.id,
            r.line_id.is_(None),  # the package line's (an add-on line's: bot/worker/line_renewal.py)
            r.renewal_date <= renewal,
            or_(r.status == RequestStatus.PENDING.value, in_progress),
        )
        # One in progress comes first: it was the earliest pending one when the renewal began.
        .order_by((r.status == RequestStatus.PENDING.value).asc(), r.renewal_date, r.id)
        .limit(1)
        .with_for_update()
    )


def deactivate_automatically(
    s: Session, account_id: int, chosen: Sequence[policy.Member], renewal: date, now: datetime
) -> int:
    """Deactivate `chosen` (still active) as the renewal's automatic deactivations, and audit each: one UPDATE
    and one INSERT ... SELECT, however many (the ids go as one array parameter on PostgreSQL). Returns how
    many were deactivated."""
    if not chosen:
        return 0
    m, a = models.Member, models.AuditEntry
    ids = [c.id for c in chosen]
    postgresql = s.get_bind().dialect.name == "postgresql"
    picked = m.id == any_(literal(ids, ARRAY(Integer))) if postgresql else m.id.in_(ids)
    of_account = (m.account_id == account_id, picked)

    at, actor, action = literal(now, a.at.type), _const(WORKER.label), _const(AuditAction.MEMBER_DEACTIVATED.value)
    deactivation = (
        update(m)
        .where(*of_account, m.status == MemberStatus.ACTIVE.value)
        .values(
            status=MemberStatus.DEACTIVATED.value,
            deactivated_at=now,
            deactivated_how=DeactivatedHow.AUTOMATIC.value,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    columns = ["account_id", "at", "actor", "action", "details"]
    if postgresql:
        # One statement: the UPDATE's RETURNING feeds the audit insert (one pass over the rows).
        moved = deactivation.returning(m.id, m.name, m.account_id, m.added_at).cte("moved")
        entries: Any = select(
            moved.c.account_id, at, actor, action, _details(postgresql, moved.c.id, moved.c.name, renewal)
        ).order_by(moved.c.added_at.desc(), moved.c.id.desc())
        return int(getattr(s.execute(insert(a).from_select(columns, entries)), "rowcount", len(ids)))
    entries = (
        select(m.account_id, at, actor, action, _details(postgresql, m.id, m.name, renewal))
        .where(*of_account, m.status == MemberStatus.ACTIVE.value)
        .order_by(m.added_at.desc(), m.id.desc())
    )
    audited = s.execute(insert(a).from_select(columns, entries))
    s.execute(deactivation)
    return int(getattr(audited, "rowcount", len(ids)))


def _const(value: str) -> Any:
    return literal(value, String, literal_execute=True)


def _details(postgresql: bool, member: Any, name: Any, renewal: date) -> Any:
    """The audit entry's details of one automatic deactivation, built by the database."""
    return (func.json_build_object if postgresql else func.json_object)(
        _const("member"),
        member,
        _const("name"),
        name,
        _const("how"),
        _const(DeactivatedHow.AUTOMATIC.value),
        _const("renewal"),
        _const(str(renewal)),
    )


def _since(account_id: int, since: datetime) -> tuple[Any, ...]:
    m = models.Member
    return (
        m.account_id == account_id,
        m.status == MemberStatus.DEACTIVATED.value,
        m.deactivated_how == DeactivatedHow.AUTOMATIC.value,
        m.deactivated_at >= since,
    )


def count_deactivated_since(s: Session, account_id: int, since: datetime) -> int:
    """How many members were deactivated automatically at or after `since` (a renewal in progress)."""
    return int(s.scalar(select(func.count()).select_from(models.Member).where(*_since(account_id, since))) or 0)


def deactivated_since(s: Session, account_id: int, since: datetime) -> list[policy.Member]:
    """The members deactivated automatically at or after `since` (a renewal in progress), newest first: the
    order the rules chose them in."""
    m = models.Member
    rows = s.execute(
        select(m.id, m.name, m.added_at, m.is_admin)
        .where(*_since(account_id, since))
        .order_by(m.added_at.desc(), m.id.desc())
    )
    return [
        policy.Member(id=id_, name=name, added_at=added_at, is_admin=is_admin, active=False)
        for id_, name, added_at, is_admin in rows
    ]
