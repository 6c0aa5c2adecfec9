"""What the background handler must do for one account at an instant: pure, `now` passed in.

Given an account's terms and state, `due_at(state, now)` says which reminder is due (only the latest
one: after downtime there is no flood of missed reminders, and a missed one is skipped when the next is
less than CATCH_UP_SKIP away), whether the unused-seats note is due,
whether a renewal must be processed (and whether that is late), and `next_wakeup`: the next instant
at which anything could become due, which the worker stores in `accounts.next_tick_at`.

Every occasion has a stable key ("reminder:2027-01-01:d7", "unused:2027-01-01", "renewal:2027-01-01");
the outbox stores messages under it, so an occasion is never delivered twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core import policy
from bot.core.policy import Plan, PolicyError

DEFAULT_REMINDER_DAYS: tuple[int, ...] = (14, 7, 3, 1, 0)
REMINDER_HOUR = 9
"""Reminders and the unused-seats note go out at 09:00 account-local time."""
UNUSED_NOTE_DAYS_BEFORE_DEADLINE = 7
LATE_AFTER = timedelta(hours=1)
"""A renewal processed more than this after its local day ended is reported as late."""
MAX_REMINDER_DAYS = 366
CATCH_UP_SKIP = timedelta(hours=12)
"""A reminder missed (more than LATE_AFTER behind, after downtime) is not sent when the next reminder of the
same renewal is due within this: the next one goes out instead, so admins never get two a minute apart."""


def parse_reminder_days(text: str) -> tuple[int, ...]:
    """ "14,7,3,1,0" -> (14, 7, 3, 1, 0): distinct whole days before the renewal, largest first."""
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not (part.isascii() and part.isdigit()) or int(part) > MAX_REMINDER_DAYS:
            raise PolicyError(f"reminder days {text!r}: use whole days from 0 to {MAX_REMINDER_DAYS}, e.g. 14,7,3,1,0")
        days.add(int(part))
    return tuple(sorted(days, reverse=True))


def reminder_key(renewal: date, days_before: int) -> str:
    return f"reminder:{renewal.isoformat()}:d{days_before}"


def unused_key(renewal: date) -> str:
    return f"unused:{renewal.isoformat()}"


def renewal_key(renewal: date) -> str:
    return f"renewal:{renewal.isoformat()}"


@dataclass(frozen=True)
class PendingTerms:
    renewal: date
    new_seat_count: int


@dataclass(frozen=True)
class AccountState:
    anchor: date
    plan: Plan
    timezone: str
    licensed_seats: int
    active_users: int
    pending: PendingTerms | None
    last_processed_renewal: date | None
    since: date
    """The local day the account was added: with no renewal processed yet, renewals count from it."""
    reminder_days: tuple[int, ...] = DEFAULT_REMINDER_DAYS


@dataclass(frozen=True)
class Occasion:
    key: str
    renewal: date
    at: datetime
    """The instant it became due (09:00 local time on its day)."""
    days_before: int | None = None
    """For reminders: days before the renewal (0 = the renewal day)."""


@dataclass(frozen=True)
class RenewalDue:
    renewal: date
    due_at: datetime
    """The end of the renewal's local day."""
    late: bool


@dataclass(frozen=True)
class Due:
    reminder: Occasion | None
    unused_note: Occasion | None
    renewal: RenewalDue | None
    next_wakeup: datetime
    """The next instant after `now` at which anything could become due."""


def renewal_to_process(state: AccountState) -> date:
    """The oldest renewal not processed yet."""
    if state.last_processed_renewal is not None:
        return policy.renewal_after(state.anchor, state.plan, state.last_processed_renewal)
    return policy.renewal_on_or_after(state.anchor, state.plan, state.since)


def reminder_times(renewal: date, days: tuple[int, ...], timezone: str) -> list[tuple[int, datetime]]:
    """(days before, instant) of each reminder of `renewal`, earliest first."""
    times = [(d, policy.local_instant(renewal - timedelta(days=d), REMINDER_HOUR, timezone)) for d in days]
    return sorted(times, key=lambda t: t[1])


def unused_note_time(renewal: date, timezone: str) -> datetime:
    day = policy.deadline_for(renewal) - timedelta(days=UNUSED_NOTE_DAYS_BEFORE_DEADLINE)
    return policy.local_instant(day, REMINDER_HOUR, timezone)


def due_at(state: AccountState, now: datetime) -> Due:
    today = policy.local_date(now, state.timezone)
    tz = state.timezone
    wakeups: list[datetime] = []

    first = renewal_to_process(state)
    renewal: RenewalDue | None = None
    for r in (first, policy.renewal_after(state.anchor, state.plan, first)):
        end = policy.start_of_local_day(r + timedelta(days=1), tz)
        wakeups.append(end)
        if r == first and policy.renewal_processing_due(r, now, tz):
            renewal = RenewalDue(renewal=r, due_at=end, late=now > end + LATE_AFTER)

    reminder: Occasion | None = None
    pending = state.pending
    if pending is not None:
        times = reminder_times(pending.renewal, state.reminder_days, tz)
        wakeups.extend(at for _, at in times)
        past = [(d, at) for d, at in times if at <= now]
        upcoming = [at for _, at in times if at > now]
        if past and today <= pending.renewal and state.active_users > pending.new_seat_count:
            d, at = past[-1]
            next_is_near = bool(upcoming) and upcoming[0] - now <= CATCH_UP_SKIP
            if not (now - at > LATE_AFTER and next_is_near):  # else the next reminder is the one catch-up
                reminder = Occasion(key=reminder_key(pending.renewal, d), renewal=pending.renewal, at=at, days_before=d)

    unused: Occasion | None = None
    target = policy.request_target(state.anchor, state.plan, now, tz).renewal
    for r in (target, policy.renewal_after(state.anchor, state.plan, target)):
        at = unused_note_time(r, tz)
        wakeups.append(at)
        if (
            r == target
            and pending is None
            and at <= now
            and today <= policy.deadline_for(r)
            and state.licensed_seats > state.active_users
        ):
            unused = Occasion(key=unused_key(r), renewal=r, at=at)

    future = [w for w in wakeups if w > now]
    return Due(reminder=reminder, unused_note=unused, renewal=renewal, next_wakeup=min(future))
