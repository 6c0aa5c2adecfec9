"""The counters the database keeps (migration 0013's triggers) and reads of them on the hot paths.

`accounts.active_members`: the account's active members; `license_lines.holders`: an add-on line's current
assignments whose member is active. The triggers change them in the same transaction as the rows they count,
whoever writes (use cases, the renewal's set-based chunks, bulk loaders, raw SQL), so a page reads one row
instead of counting. `drift` recounts them the slow way: tests walk every path that changes a member and
check it finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.core.statuses import MemberStatus
from store import models
from store.models_lines import LicenseLine, LineAssignment

_A = models.Account


def active_members(s: Session, account_id: int) -> int:
    """How many of the account's members are active (one row read; the session's pending changes are flushed
    first, so it counts them)."""
    return int(s.scalar(select(_A.active_members).where(_A.id == account_id)) or 0)


@dataclass(frozen=True)
class Drift:
    """A counter that does not match the count it stands for."""

    table: str
    id: int
    stored: int
    counted: int


def drift(s: Session) -> list[Drift]:
    """Every counter whose stored value differs from a full recount (reads every member: not for a hot path)."""
    m, a = models.Member, LineAssignment
    active = MemberStatus.ACTIVE.value
    counted_members = (
        select(func.count()).select_from(m).where(m.account_id == _A.id, m.status == active).scalar_subquery()
    )
    out = [
        Drift("accounts", id_, stored, counted)
        for id_, stored, counted in s.execute(select(_A.id, _A.active_members, counted_members).order_by(_A.id))
        if stored != counted
    ]
    counted_holders = (
        select(func.count())
        .select_from(a)
        .join(m, m.id == a.member_id)
        .where(a.line_id == LicenseLine.id, a.removed_at.is_(None), m.status == active)
        .scalar_subquery()
    )
    rows = s.execute(select(LicenseLine.id, LicenseLine.holders, counted_holders).order_by(LicenseLine.id))
    out += [Drift("license_lines", id_, stored, counted) for id_, stored, counted in rows if stored != counted]
    return out
