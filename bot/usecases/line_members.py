"""Who holds each add-on line, from the members CSV's `addons` column (bot/core/members_csv.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.errors import UserError
from bot.core.members_csv import MemberRow
from store import lines as line_store
from store import models
from store.models_lines import LineAssignment

REMOVED_BY_IMPORT = "import"


def import_assignments(s: Session, account_id: int, rows: Sequence[MemberRow], now: datetime) -> tuple[int, int]:
    """Make each row's add-ons exactly those it names (rows without the column are left alone); a new holder's
    assignment date is when the user was added (what the newest-first removal reads). (assigned, removed)."""
    listed = [r for r in rows if r.addons is not None]
    if not listed:
        return 0, 0
    by_name = {line.name.lower(): line for line in line_store.addon_rows(s, account_id)}
    for r in listed:
        unknown = [a for a in r.addons or () if a.lower() not in by_name]
        if unknown:
            names = ", ".join(sorted(line.name for line in by_name.values())) or "none (`licensebot lines add`)"
            raise UserError(
                f"line {r.line}: no add-on line named {unknown[0]!r} on this account; its lines are: {names}. "
                "Nothing was imported."
            )
    members = {
        m.email: m
        for m in s.scalars(
            select(models.Member).where(
                models.Member.account_id == account_id, models.Member.email.in_([r.email for r in listed])
            )
        )
    }
    current: dict[tuple[int, int], LineAssignment] = {
        (a.line_id, a.member_id): a
        for a in s.scalars(
            select(LineAssignment).where(
                LineAssignment.line_id.in_([line.id for line in by_name.values()]),
                LineAssignment.member_id.in_([m.id for m in members.values()]),
                LineAssignment.removed_at.is_(None),
            )
        )
    }
    assigned = removed = 0
    for r in listed:
        member = members[r.email]
        wanted = {by_name[a.lower()].id for a in r.addons or ()}
        for line in by_name.values():
            holding = current.get((line.id, member.id))
            if line.id in wanted and holding is None:
                s.add(LineAssignment(line_id=line.id, member_id=member.id, assigned_at=member.added_at))
                assigned += 1
            elif line.id not in wanted and holding is not None:
                holding.removed_at, holding.removed_how = now, REMOVED_BY_IMPORT
                removed += 1
    return assigned, removed
