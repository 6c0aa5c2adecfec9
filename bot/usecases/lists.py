"""Whole lists on demand, one page at a time: who would be deactivated automatically (`ListKind.AT_RISK`)
and who was when a renewal was processed (`ListKind.RENEWAL`).

Messages and the license page name the first few (`bot.core.page.PREVIEW`) and count the rest; these
read one page. Page p of the at-risk list reads the admins and the (p + 1) * size most recently added
others (the rules walk them newest first), never the whole account; a renewal's list reads the ids the
renewal stored in its audit entry and the names of one page.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bot.core import policy
from bot.core.audit import AuditAction
from bot.core.page import LIST_PAGE, new_seat_count
from bot.core.results import Listed, ListKind, PagedList
from bot.usecases.ports import Database
from store import models
from store.queries import load_account, pending_of, roster_of, terms_of

MAX_PAGE = 10_000
"""Page numbers beyond this are read as the last page."""


def _page(page: int, total: int, size: int) -> int:
    last = max(0, -(-total // size) - 1)
    return min(max(0, min(page, MAX_PAGE)), last)


def at_risk(db: Database, *, team: str, now: datetime, page: int = 0, size: int = LIST_PAGE) -> PagedList:
    """Page `page` (0-based) of who the pending request's renewal would deactivate automatically, newest
    first. Without a pending request: who would go at today's count of licenses (usually nobody)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        terms, pending = terms_of(account), pending_of(s, account.id)
        seats = new_seat_count(terms, pending) or terms.licensed_seats
        first = roster_of(s, account.id, seats, 0)
        total = policy.automatic_deactivations(first, seats, preview=0).total
        page = _page(page, total, size)
        depth = (page + 1) * size
        plan = policy.automatic_deactivations(roster_of(s, account.id, seats, depth), seats, preview=depth)
        chosen = plan.chosen[page * size : depth]
        return PagedList(
            kind=ListKind.AT_RISK,
            account_name=account.name,
            timezone=account.timezone,
            renewal=pending.renewal if pending else None,
            people=tuple(Listed(m.name, m.is_admin, m.added_at) for m in chosen),
            page=page,
            page_size=size,
            total=plan.total,
            unresolved=plan.unresolved,
        )


def deactivated_at(db: Database, *, team: str, renewal: date, page: int = 0, size: int = LIST_PAGE) -> PagedList:
    """Page `page` of who was deactivated automatically when `renewal` was processed, in that order."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        entry = s.scalar(
            select(models.AuditEntry)
            .where(
                models.AuditEntry.account_id == account.id,
                models.AuditEntry.action == AuditAction.RENEWAL_PROCESSED.value,
            )
            .where(models.AuditEntry.details["renewal"].as_string() == renewal.isoformat())
            .order_by(models.AuditEntry.id.desc())
            .limit(1)
        )
        raw = (entry.details or {}).get("deactivated") if entry is not None else None
        ids = [i for i in raw if isinstance(i, int)] if isinstance(raw, list) else []
        page = _page(page, len(ids), size)
        wanted = ids[page * size : (page + 1) * size]
        rows = {
            r.id: r
            for r in s.execute(
                select(models.Member.id, models.Member.name, models.Member.is_admin, models.Member.added_at).where(
                    models.Member.account_id == account.id, models.Member.id.in_(wanted)
                )
            )
        }
        return PagedList(
            kind=ListKind.RENEWAL,
            account_name=account.name,
            timezone=account.timezone,
            renewal=renewal,
            people=tuple(Listed(rows[i].name, rows[i].is_admin, rows[i].added_at) for i in wanted if i in rows),
            page=page,
            page_size=size,
            total=len(ids),
        )
