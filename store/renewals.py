"""The renewal's reads and writes, set-based: a few statements per chunk of deactivations, whatever the size.

A renewal that deactivates many users runs in chunks (bot/worker/renewal.py), each its own short
transaction. The request becomes `applied` in the first one: from then on it is the renewal's in
progress (`applying_request` finds it again after a crash) until `last_processed_renewal` moves past it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
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
    """Deactivate `chosen` (still active) as the renewal's automatic deactivations: one UPDATE and one batched
    audit insert, however many. Returns how many rows changed."""
    if not chosen:
        return 0
    m = models.Member
    ids = [c.id for c in chosen]
    changed = s.execute(
        update(m)
        .where(m.account_id == account_id, m.id.in_(ids), m.status == MemberStatus.ACTIVE.value)
        .values(
            status=MemberStatus.DEACTIVATED.value,
            deactivated_at=now,
            deactivated_how=DeactivatedHow.AUTOMATIC.value,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    entries: list[dict[str, Any]] = [
        {
            "account_id": account_id,
            "at": now,
            "actor": WORKER.label,
            "action": AuditAction.MEMBER_DEACTIVATED.value,
            "details": {"member": c.id, "name": c.name, "how": "automatic", "renewal": str(renewal)},
        }
        for c in chosen
    ]
    s.execute(insert(models.AuditEntry), entries)
    return int(getattr(changed, "rowcount", len(ids)))


def deactivated_since(s: Session, account_id: int, since: datetime) -> list[policy.Member]:
    """The members deactivated automatically at or after `since` (a renewal in progress), newest first: the
    order the rules chose them in."""
    m = models.Member
    rows = s.execute(
        select(m.id, m.name, m.added_at, m.is_admin)
        .where(
            m.account_id == account_id,
            m.status == MemberStatus.DEACTIVATED.value,
            m.deactivated_how == DeactivatedHow.AUTOMATIC.value,
            m.deactivated_at >= since,
        )
        .order_by(m.added_at.desc(), m.id.desc())
    )
    return [
        policy.Member(id=id_, name=name, added_at=added_at, is_admin=is_admin, active=False)
        for id_, name, added_at, is_admin in rows
    ]
