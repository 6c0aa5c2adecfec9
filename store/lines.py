"""Reads of license lines and the package catalog, bounded like the package line's (store/queries.py):
a line's roster is its assignment count, and the newest assignees only as deep as the rules need."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from bot.core import page as pages
from bot.core import policy
from bot.core.lines import LicenseLine, PackageTier, line_key
from bot.core.page import PREVIEW, PendingRequest, PendingSwitch
from bot.core.statuses import MemberStatus, RequestStatus
from store import models
from store.models_lines import LicenseLine as LineRow
from store.models_lines import LineAssignment, PackageChange
from store.models_lines import PackageTier as TierRow


def as_tier(row: TierRow) -> PackageTier:
    return PackageTier(
        name=row.name, rank=row.rank, price_per_seat=row.price_per_seat, features=tuple(row.features or ())
    )


def catalog(s: Session) -> list[TierRow]:
    return list(s.scalars(select(TierRow).order_by(TierRow.rank.desc())))


def tier_named(s: Session, name: str) -> TierRow | None:
    return s.scalar(select(TierRow).where(func.lower(TierRow.name) == " ".join(name.split()).lower()))


def as_line(row: LineRow) -> LicenseLine:
    return LicenseLine(
        key=line_key(row.id), name=row.name, licensed=row.licensed_seats, price_per_seat=row.price_per_seat
    )


def addon_rows(s: Session, account_id: int) -> list[LineRow]:
    return list(s.scalars(select(LineRow).where(LineRow.account_id == account_id).order_by(LineRow.id)))


def addon_row(s: Session, account_id: int, line_id: int, *, lock: bool = False) -> LineRow | None:
    query = select(LineRow).where(LineRow.account_id == account_id, LineRow.id == line_id)
    if lock:
        query = query.with_for_update()
    return s.scalar(query)


def _held(line_id: int) -> tuple[ColumnElement[bool], ...]:
    """The current assignments of a line whose member is active (a deactivated user holds no add-on)."""
    a, m = LineAssignment, models.Member
    return (a.line_id == line_id, a.removed_at.is_(None), m.status == MemberStatus.ACTIVE.value)


def assigned_count(s: Session, line_id: int) -> int:
    """How many hold a license of the line: its counter (migration 0013), one row read, not a count."""
    return int(s.scalar(select(LineRow.holders).where(LineRow.id == line_id)) or 0)


def addon_roster(s: Session, line_id: int, new_seat_count: int | None, preview: int | None = None) -> policy.Roster:
    """The holders of an add-on line as its rules read them: how many, and the `roster_depth` newest
    assignments (nobody is protected on an add-on line, so no admins are read)."""
    a, m = LineAssignment, models.Member
    active = assigned_count(s, line_id)
    depth = policy.roster_depth(active, 0, new_seat_count, preview)
    rows = (
        s.execute(
            select(m.id, m.name, a.assigned_at)
            .join(m, m.id == a.member_id)
            .where(*_held(line_id))
            .order_by(a.assigned_at.desc(), a.member_id.desc())
            .limit(depth)
        ).all()
        if depth
        else []
    )
    return policy.Roster(
        active=active, members=tuple(policy.Member(id=r.id, name=r.name, added_at=r.assigned_at) for r in rows)
    )


def pending_line_row(s: Session, line_id: int) -> models.ReductionRequest | None:
    r = models.ReductionRequest
    return s.scalar(
        select(r).where(r.line_id == line_id, r.status == RequestStatus.PENDING.value).order_by(r.renewal_date).limit(1)
    )


def as_pending_line(row: models.ReductionRequest) -> PendingRequest:
    return PendingRequest(
        id=row.id,
        seats_removed=row.seats_removed,
        renewal=row.renewal_date,
        requested_by=row.requested_by,
        requested_at=row.created_at,
        line_id=row.line_id,
    )


def pending_switch_row(s: Session, account_id: int) -> PackageChange | None:
    c = PackageChange
    return s.scalar(select(c).where(c.account_id == account_id, c.status == RequestStatus.PENDING.value).limit(1))


def as_switch(s: Session, row: PackageChange) -> PendingSwitch:
    to = s.get(TierRow, row.to_tier_id)
    assert to is not None
    return PendingSwitch(
        id=row.id,
        to_tier=as_tier(to),
        renewal=row.renewal_date,
        requested_by=row.requested_by,
        requested_at=row.created_at,
    )


def addons_of(
    s: Session, account_id: int, plan: policy.Plan, *, preview: int | None = PREVIEW
) -> tuple[pages.LineState, ...]:
    """Every add-on line's state: the lines with their pending request and holder counter (one statement), and
    the newest holders of a line only when its request needs them (the depth the preview shows): a few
    statements per account, whatever the size of the lines."""
    r, a, m = models.ReductionRequest, LineAssignment, models.Member
    pending_of_line = (r.line_id == LineRow.id) & (r.status == RequestStatus.PENDING.value)
    # The holders as a column of its own: a line object already in the session keeps the value it was loaded
    # with, the column is read now (the triggers may have moved it since).
    rows = s.execute(
        select(LineRow, LineRow.holders, r)
        .outerjoin(r, pending_of_line)
        .where(LineRow.account_id == account_id)
        .order_by(LineRow.id)
    ).all()
    if not rows:
        return ()
    states = []
    for row, active, request in rows:
        pending = as_pending_line(request) if request is not None else None
        line = as_line(row)
        new = policy.seats_after(line.licensed, pending.seats_removed) if pending else None
        depth = policy.roster_depth(active, 0, new, preview)
        newest = (
            s.execute(
                select(m.id, m.name, a.assigned_at)
                .join(m, m.id == a.member_id)
                .where(*_held(row.id))
                .order_by(a.assigned_at.desc(), a.member_id.desc())
                .limit(depth)
            ).all()
            if depth
            else []
        )
        roster = policy.Roster(
            active=active, members=tuple(policy.Member(id=x.id, name=x.name, added_at=x.assigned_at) for x in newest)
        )
        states.append(pages.addon_state(line, roster, pending, plan, preview=preview))
    return tuple(states)


def package_of(
    s: Session, account_id: int, tier_id: int | None, terms: pages.AccountTerms
) -> pages.PackageState | None:
    """The account's package on the page (None: no package from the catalog: nothing is read)."""
    if tier_id is None:
        return None
    tier = s.get(TierRow, tier_id)
    assert tier is not None
    row = pending_switch_row(s, account_id)
    pending = as_switch(s, row) if row else None
    return pages.package_state(terms, as_tier(tier), tuple(as_tier(t) for t in catalog(s)), pending)


def assign(s: Session, line_id: int, member_id: int, at: datetime) -> bool:
    """Give a member one license of an add-on line (False: they hold one already)."""
    a = LineAssignment
    current = s.scalar(select(a.id).where(a.line_id == line_id, a.member_id == member_id, a.removed_at.is_(None)))
    if current is not None:
        return False
    s.add(LineAssignment(line_id=line_id, member_id=member_id, assigned_at=at))
    return True


def unassign(s: Session, line_id: int, member_ids: list[int], now: datetime, how: str) -> int:
    """Take the add-on licenses of `member_ids` away (rows kept, `removed_at` set), in one UPDATE however many;
    how many were held."""
    if not member_ids:
        return 0
    a = LineAssignment
    result = s.execute(
        update(a)
        .where(a.line_id == line_id, a.member_id.in_(member_ids), a.removed_at.is_(None))
        .values(removed_at=now, removed_how=how)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", len(member_ids)))
