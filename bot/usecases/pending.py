"""A pending request when an operator changes the seats or the renewal schedule under it.

The rule (bot/core/rebase.py `rebase_request`): a request goes to M licenses. It is adjusted to the new
seat count, or the change is refused (nothing left to remove, or a rule broken); a moved schedule
re-targets it by the 15-day deadline at the instant it was made (`retarget_request`). The admins are told
through the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import MessageKind
from bot.core.errors import Conflict
from bot.core.policy import Plan
from bot.core.rebase import Rebase, rebase_request, retarget_request
from bot.core.results import RequestChange
from bot.core.statuses import RequestStatus
from bot.worker.outbox import queue, recipients
from store import models
from store.models_lines import PackageChange
from store.queries import pending_row, roster_of

Word = Callable[[RequestChange], dict[str, Any]]
"""How the admins are told (the Slack wiring gives handlers/blocks/happened.request_changed_message)."""


def plain_text(change: RequestChange) -> dict[str, Any]:
    """The message when no wording is given: the summary line."""
    return {"text": f"{change.account_name}: {change.summary}."}


def reconcile_pending(
    s: Session,
    account: models.Account,
    seats_before: int,
    now: datetime,
    word: Word | None,
    *,
    schedule_changed: bool,
) -> RequestChange | None:
    """After `account`'s seats or schedule (anchor, plan, timezone: `schedule_changed`) changed, not yet
    committed: adjust, re-target or refuse (Conflict: the caller's transaction rolls back, nothing is changed).
    Queues the admins' notice."""
    row = pending_row(s, account.id)
    if row is None:
        return None
    removed = row.seats_removed
    if account.licensed_seats != seats_before:
        roster = roster_of(s, account.id, None)  # every active admin: all the validation reads
        rebase = rebase_request(seats_before, row.seats_removed, account.licensed_seats, roster.members)
        if rebase.outcome is Rebase.REFUSED:
            raise Conflict(
                f"not changed: request #{row.id} to remove {policy.plural_of(row.seats_removed, 'license')} is "
                f"pending ({seats_before} → {rebase.keeps}); --seats {account.licensed_seats}: {rebase.reason} "
                "(an admin: `/licenses cancel`)"
            )
        removed = rebase.seats_removed
    target = (
        retarget_request(
            row.renewal_date,
            row.created_at,
            account.renewal_anchor,
            Plan(account.plan),
            now,
            account.timezone,
            account.last_processed_renewal,
        )
        if schedule_changed
        else None
    )
    renewal = target.renewal if target else row.renewal_date
    if removed == row.seats_removed and renewal == row.renewal_date and account.licensed_seats == seats_before:
        return None
    change = RequestChange(
        account_name=account.name,
        timezone=account.timezone,
        request_id=row.id,
        requested_by=row.requested_by,
        seats_before=seats_before,
        seats_removed_before=row.seats_removed,
        renewal_before=row.renewal_date,
        licensed_seats=account.licensed_seats,
        seats_removed=removed,
        renewal=renewal,
        deadline=policy.deadline_for(renewal),
        missed=target.missed if target else None,
    )
    row.seats_removed, row.seats_before, row.renewal_date, row.updated_at = (
        removed,
        account.licensed_seats,
        renewal,
        now,
    )
    queue(
        s,
        account_id=account.id,
        key=f"request-changed:{row.id}:{now.isoformat()}",
        kind=MessageKind.REQUEST_CHANGED,
        targets=recipients(s, account),
        message=(word or plain_text)(change),
        now=now,
    )
    return change


def retarget_lines(s: Session, account: models.Account, now: datetime) -> list[str]:
    """After the renewal schedule moved: the add-on lines' pending requests and the pending package switch
    follow the same rule as the package line's request (`retarget_request`). What moved, one phrase each."""
    r, c = models.ReductionRequest, PackageChange
    rows: list[Any] = list(
        s.scalars(
            select(r).where(r.account_id == account.id, r.line_id.is_not(None), r.status == RequestStatus.PENDING.value)
        )
    )
    rows += list(s.scalars(select(c).where(c.account_id == account.id, c.status == RequestStatus.PENDING.value)))
    moved = []
    for row in rows:
        target = retarget_request(
            row.renewal_date,
            row.created_at,
            account.renewal_anchor,
            Plan(account.plan),
            now,
            account.timezone,
            account.last_processed_renewal,
        )
        if target is not None and target.renewal != row.renewal_date:
            what = f"switch #{row.id}" if isinstance(row, PackageChange) else f"request #{row.id}"
            moved.append(f"{what} moves to the renewal of {target.renewal.isoformat()}")
            row.renewal_date, row.updated_at = target.renewal, now
    return moved
