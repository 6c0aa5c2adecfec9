"""The tick's set-based reads: what the reminder decision needs for a batch of accounts, a handful of statements
per batch (never one per account), each bounded by what it shows (the newest members a preview names).

bot/worker/tick_batch.py turns them into bot/core/schedule's frozen `AccountState` and the license page.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import TextualSelect, func, or_, select, text
from sqlalchemy.orm import Session

from bot.core import policy, schedule
from bot.core.audit import WORKER, AuditAction
from bot.core.page import PendingRequest
from bot.core.statuses import ConsentStatus, MemberStatus, RequestStatus
from store import models
from store.models_lines import LicenseLine as LineRow
from store.queries import as_pending

T = TypeVar("T")
ACTIVE = MemberStatus.ACTIVE.value
ACTED = (AuditAction.MEMBER_DEACTIVATED, AuditAction.REQUEST_SUBMITTED, AuditAction.REQUEST_CANCELLED)
"""What counts as an admin acting on a reminder: deactivating users, changing the request."""


@dataclass(frozen=True)
class Admin:
    """An active admin as the batch read them (name order)."""

    id: int
    name: str
    slack_user_id: str | None
    timezone: str | None
    added_at: datetime
    consented: bool


@dataclass
class BatchReads:
    """What a batch of accounts looks like now: per account id."""

    pending: dict[int, PendingRequest] = field(default_factory=dict)
    active: dict[int, int] = field(default_factory=dict)
    admins: dict[int, list[Admin]] = field(default_factory=dict)
    sent: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    """(target, key) queued before for the account's pending renewal (its reminders and "all set")."""
    snoozes: dict[int, dict[int, list[schedule.Snooze]]] = field(default_factory=dict)
    """Account -> member -> their snoozes of the pending renewal's reminders."""
    with_lines: set[int] = field(default_factory=set)
    """Accounts with add-on lines (their line reminders take the per-account path)."""


def read_batch(s: Session, accounts: Sequence[models.Account]) -> BatchReads:
    ids = [a.id for a in accounts]
    out = BatchReads()
    if not ids:
        return out
    r, m, c = models.ReductionRequest, models.Member, models.AdminConsent
    for row in s.scalars(
        select(r)
        .where(r.account_id.in_(ids), r.line_id.is_(None), r.status == RequestStatus.PENDING.value)
        .order_by(r.account_id, r.renewal_date.desc())
    ):
        out.pending[row.account_id] = as_pending(row)  # the earliest renewal's last: it wins (pending_of)
    # The counter the database keeps (migration 0013), read as a column: current after the session's pending
    # changes (a renewal's deactivations) are flushed, whatever the account object loaded before.
    a = models.Account
    out.active = {i: int(n or 0) for i, n in s.execute(select(a.id, a.active_members).where(a.id.in_(ids)))}
    consented = select(c.id).where(c.member_id == m.id, c.status == ConsentStatus.GRANTED.value).exists()
    for account_id, member_id, name, user, tz, added_at, agreed in s.execute(
        select(m.account_id, m.id, m.name, m.slack_user_id, m.timezone, m.added_at, consented)
        .where(m.account_id.in_(ids), m.is_admin.is_(True), m.status == ACTIVE)
        .order_by(m.account_id, m.name, m.id)
    ):
        out.admins.setdefault(account_id, []).append(Admin(member_id, name, user, tz, added_at, bool(agreed)))
    renewals = {p.renewal for p in out.pending.values()}
    if renewals:
        d, z = models.Delivery, models.ReminderSnooze
        wanted = {a: p.renewal for a, p in out.pending.items()}
        keys = or_(
            *(d.key.startswith(schedule.reminder_prefix(x)) for x in renewals),
            d.key.in_([schedule.all_set_key(x) for x in renewals]),
        )
        for account_id, target, key in s.execute(
            select(d.account_id, d.target, d.key).where(d.account_id.in_(list(wanted)), keys)
        ):
            renewal = wanted[account_id]
            if key.startswith(schedule.reminder_prefix(renewal)) or key == schedule.all_set_key(renewal):
                out.sent.setdefault(account_id, []).append((target, key))
        for account_id, member_id, renewal, days_before, at, until in s.execute(
            select(z.account_id, z.member_id, z.renewal_date, z.days_before, z.snoozed_at, z.until).where(
                z.account_id.in_(list(wanted)), z.renewal_date.in_(renewals)
            )
        ):
            if wanted[account_id] == renewal:
                snooze = schedule.Snooze(days_before=days_before, snoozed_at=at, until=until)
                out.snoozes.setdefault(account_id, {}).setdefault(member_id, []).append(snooze)
    out.with_lines = set(s.scalars(select(LineRow.account_id).where(LineRow.account_id.in_(ids)).distinct()))
    return out


def escalations(s: Session, asked: dict[int, tuple[date, int]]) -> set[int]:
    """The accounts (of `asked`: account -> (renewal, the reminder before the escalating one)) whose earlier
    reminder was queued and where no admin has acted since it was first queued: two statements."""
    if not asked:
        return set()
    d, a = models.Delivery, models.AuditEntry
    key_of = {account: schedule.reminder_key(renewal, days) for account, (renewal, days) in asked.items()}
    since: dict[int, datetime] = {}
    for account, key, first in s.execute(
        select(d.account_id, d.key, func.min(d.created_at))
        .where(d.account_id.in_(list(asked)), d.key.in_(set(key_of.values())))
        .group_by(d.account_id, d.key)
    ):
        if key_of[account] == key and first is not None:
            since[account] = first
    if not since:
        return set()
    last_acted = dict(
        s.execute(
            select(a.account_id, func.max(a.at))
            .where(
                a.account_id.in_(list(since)),
                a.at >= min(since.values()),
                a.action.in_([x.value for x in ACTED]),
                a.actor != WORKER.label,
            )
            .group_by(a.account_id)
        ).all()
    )
    return {account for account, at in since.items() if last_acted.get(account) is None or last_acted[account] < at}


def newest_members(s: Session, depths: dict[int, int]) -> dict[int, list[policy.Member]]:
    """Per account, its `depth` most recently added active non-admins: one statement (a UNION ALL of one
    index range scan each, each with its LIMIT), whatever the size of the accounts."""
    wanted = [(account, depth) for account, depth in depths.items() if depth > 0]
    out: dict[int, list[policy.Member]] = {}
    if not wanted:
        return out
    for chunk in _chunks(wanted, 200):  # SQLite allows 500 terms in a compound select
        params: dict[str, object] = {}
        for n, (account, depth) in enumerate(chunk):
            params[f"a{n}"], params[f"d{n}"] = account, depth
        for account_id, member_id, name, added_at in s.execute(_newest(len(chunk)), params):
            out.setdefault(account_id, []).append(policy.Member(id=member_id, name=name, added_at=added_at))
    return out


@functools.lru_cache(maxsize=8)
def _newest(n: int) -> TextualSelect:
    """`newest_members`'s statement for n accounts (built once per n: no statement building per batch)."""
    one = (
        "SELECT * FROM (SELECT account_id, id, name, added_at FROM members WHERE account_id = :a{i} "
        f"AND status = '{ACTIVE}' AND is_admin = false ORDER BY added_at DESC, id DESC LIMIT :d{{i}}) AS n{{i}}"
    )
    m = models.Member
    return text(" UNION ALL ".join(one.format(i=i) for i in range(n))).columns(m.account_id, m.id, m.name, m.added_at)


def known_zone(name: str | None) -> str | None:
    """`name` when it is a timezone we know, else None (an admin's Slack timezone may be anything)."""
    if not name:
        return None
    try:
        return policy.check_timezone(name)
    except policy.PolicyError:
        return None


def _chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
