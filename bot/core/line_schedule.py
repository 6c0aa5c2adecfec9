"""Reminders per add-on line: pure, `now` passed in (the package line's reminders are bot/core/schedule.py).

An add-on line with a pending request whose holders exceed its new count is reminded on the account's
reminder days at 09:00 account time, like the package line: only the latest due occasion (no flood after
downtime, the same catch-up rule), under a key of its own per line ("reminder:2027-01-01:d7:line3"), so the
outbox delivers each one once. With nobody over the count, there is no reminder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.core import policy
from bot.core.schedule import CATCH_UP_SKIP, LATE_AFTER, reminder_key, reminder_times


@dataclass(frozen=True)
class LineTerms:
    line_id: int
    renewal: date
    holders: int
    new_seat_count: int


@dataclass(frozen=True)
class LineReminderDue:
    line_id: int
    key: str
    renewal: date
    days_before: int


def line_reminder_key(renewal: date, days_before: int, line_id: int) -> str:
    return f"{reminder_key(renewal, days_before)}:line{line_id}"


def line_reminders_at(
    lines: tuple[LineTerms, ...], reminder_days: tuple[int, ...], timezone: str, now: datetime
) -> tuple[tuple[LineReminderDue, ...], datetime | None]:
    """The due reminder of each line at `now`, and the next instant one could become due (None: none)."""
    today = policy.local_date(now, timezone)
    due: list[LineReminderDue] = []
    wakeups: list[datetime] = []
    for line in lines:
        times = reminder_times(line.renewal, reminder_days, timezone)
        wakeups.extend(at for _, at in times if at > now)
        past = [(d, at) for d, at in times if at <= now]
        upcoming = [at for _, at in times if at > now]
        if not past or today > line.renewal or line.holders <= line.new_seat_count:
            continue
        d, at = past[-1]
        if now - at > LATE_AFTER and upcoming and upcoming[0] - now <= CATCH_UP_SKIP:
            continue  # the next reminder is the one catch-up
        due.append(LineReminderDue(line.line_id, line_reminder_key(line.renewal, d, line.line_id), line.renewal, d))
    return tuple(due), min(wakeups) if wakeups else None
