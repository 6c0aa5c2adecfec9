"""Queue the reminders of add-on lines (bot/core/line_schedule.py) in the tick's transaction: to the admin
channel and every admin, under one key per line and occasion (the outbox makes each one once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.core import policy, schedule
from bot.core.audit import MessageKind
from bot.core.line_schedule import LineTerms, line_reminders_at
from bot.worker.outbox import queue, recipients
from bot.worker.ports import Notices
from store import lines as line_store
from store import models
from store.queries import page_of


def line_terms(s: Session, account: models.Account) -> tuple[LineTerms, ...]:
    """The add-on lines with a pending request: a few rows per line."""
    out = []
    for row in line_store.addon_rows(s, account.id):
        pending = line_store.pending_line_row(s, row.id)
        if pending is None:
            continue
        new = policy.seats_after(row.licensed_seats, pending.seats_removed)
        out.append(LineTerms(row.id, pending.renewal_date, line_store.assigned_count(s, row.id), new))
    return tuple(out)


def queue_line_reminders(
    s: Session, account: models.Account, now: datetime, queued: dict[str, int], notices: Notices
) -> datetime | None:
    """Queue what is due; the next instant a line reminder could become due (None: none)."""
    terms = line_terms(s, account)
    if not terms or notices.line_reminder is None:
        return None
    days = schedule.parse_reminder_days(account.reminder_days)
    due, wakeup = line_reminders_at(terms, days, account.timezone, now)
    if due:
        page = page_of(s, account, now)
        targets = recipients(s, account)
        for d in due:
            state = page.line(str(d.line_id))
            if state is None:
                continue
            message = notices.line_reminder(page, state, d.days_before)
            queued[d.key] = queue(
                s,
                account_id=account.id,
                key=d.key,
                kind=MessageKind.REMINDER,
                targets=targets,
                message=message,
                now=now,
            )
    return wakeup
