"""What the background handler must do for one account at an instant: pure, `now` passed in.

Given an account's terms and state, `due_at(state, now)` says which reminder is due (only the latest
one: after downtime there is no flood of missed reminders, and a missed one is skipped when the next is
less than CATCH_UP_SKIP away), whether the unused-seats note is due,
whether a renewal must be processed (and whether that is late), and `next_wakeup`: the next instant
at which anything could become due, which the worker stores in `accounts.next_tick_at`.

Every occasion has a stable key ("reminder:2027-01-01:d7", "unused:2027-01-01", "renewal:2027-01-01");
the outbox stores messages under it, so an occasion is never delivered twice.

Reminders are per recipient (`Recipient`): the admin channel at 09:00 in the account's timezone, each
admin's DM at 09:00 in their own (Slack's `tz`). `due_at(...).reminders` lists, per recipient, only
their latest due occasion (no flood after downtime), under keys unique per (occasion, target):

- an early reminder (days before >= SNOOZABLE_FROM) can be snoozed by an admin ("Remind me later":
  tomorrow or in 3 days, at 09:00 their time): it comes back at `until` under "<key>:later" and their
  regular reminders before `until` are skipped; `snooze_until` refuses a time in the last
  SNOOZE_MARGIN before the renewal day ends; d1 and d0 cannot be snoozed;
- the ESCALATE_DAYS reminder escalates when the account says so (`AccountState.escalation`: users must
  still go and no admin acted since the d7 reminder): it also reaches admins who snoozed;
- with nobody left to deactivate there is no reminder, and a recipient reminded before gets one short
  "all set" message instead (key "allset:<renewal>", once).
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
SNOOZABLE_FROM = 7
"""Reminders this many days or more before the renewal (d14, d7) can be snoozed; later ones (d3, d1, d0) not."""
SNOOZE_CHOICES: tuple[int, ...] = (1, 3)
"""Remind me later: tomorrow, or in 3 days (at 09:00 the admin's time)."""
SNOOZE_MARGIN = timedelta(hours=48)
"""A snooze never brings a reminder back in the last 48 hours before the renewal day ends."""
LATE = timedelta(hours=1)
CATCH_UP_SKIP = timedelta(hours=12)
"""After downtime, a recipient's late reminder is skipped when their next one comes within 12 hours (one message,
the right one, at their 09:00, rather than yesterday's at 03:00 their time)."""
ESCALATE_DAYS = 3
"""The reminder that escalates (when users must still go and no admin acted since the d7 one)."""


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


def later_key(renewal: date, days_before: int) -> str:
    """A snoozed reminder coming back."""
    return f"{reminder_key(renewal, days_before)}:later"


def all_set_key(renewal: date) -> str:
    return f"allset:{renewal.isoformat()}"


def reminder_prefix(renewal: date) -> str:
    """Every reminder key of `renewal` starts with this (reminders queued before: `Recipient.reminded`)."""
    return f"reminder:{renewal.isoformat()}:"


@dataclass(frozen=True)
class Snooze:
    days_before: int
    snoozed_at: datetime
    until: datetime


@dataclass(frozen=True)
class Recipient:
    """Who a reminder goes to: the admin channel (`member_id` None) or an admin's DM."""

    target: str
    """A channel id, or the admin's Slack user id."""
    timezone: str
    """Where 09:00 is: the account's for the channel, the admin's own for a DM."""
    member_id: int | None = None
    reminded: bool = False
    """A reminder of the pending renewal was queued to this target before."""
    all_set: bool = False
    """The "all set" message was queued to this target already."""
    snoozes: tuple[Snooze, ...] = ()


@dataclass(frozen=True)
class ReminderDue:
    """One recipient's due reminder (or "all set" message)."""

    target: str
    key: str
    renewal: date
    at: datetime
    days_before: int
    member_id: int | None = None
    timezone: str = "UTC"
    """The recipient's (where their 09:00 is)."""
    all_set: bool = False
    snoozed: bool = False
    """A snoozed reminder coming back."""
    escalated: bool = False


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
    recipients: tuple[Recipient, ...] = ()
    escalation: bool = False
    """The ESCALATE_DAYS reminder escalates (the account allows it, users must still go, no admin acted
    since the d7 reminder): the worker decides it from the audit log."""


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
    reminders: tuple[ReminderDue, ...] = ()
    """Per recipient: their latest due reminder or "all set" message (see the module docstring)."""


def renewal_to_process(state: AccountState) -> date:
    """The oldest renewal not processed yet."""
    if state.last_processed_renewal is not None:
        return policy.renewal_after(state.anchor, state.plan, state.last_processed_renewal)
    return policy.renewal_on_or_after(state.anchor, state.plan, state.since)


def reminder_times(renewal: date, days: tuple[int, ...], timezone: str) -> list[tuple[int, datetime]]:
    """(days before, instant) of each reminder of `renewal`, earliest first."""
    times = [(d, policy.local_instant(renewal - timedelta(days=d), REMINDER_HOUR, timezone)) for d in days]
    return sorted(times, key=lambda t: t[1])


def renewal_end(renewal: date, timezone: str) -> datetime:
    """When the renewal's local day ends (the deadline to deactivate users)."""
    return policy.start_of_local_day(renewal + timedelta(days=1), timezone)


def snoozable(days_before: int) -> bool:
    return days_before >= SNOOZABLE_FROM


def snooze_until(
    days_before: int, choice: int, now: datetime, *, renewal: date, account_tz: str, recipient_tz: str
) -> datetime | None:
    """When a reminder snoozed at `now` comes back: 09:00 the recipient's time `choice` days later; None
    when it cannot be snoozed (d1/d0, an unknown choice, or a time in the last SNOOZE_MARGIN)."""
    if not snoozable(days_before) or choice not in SNOOZE_CHOICES:
        return None
    day = policy.local_date(now, recipient_tz) + timedelta(days=choice)
    until = policy.local_instant(day, REMINDER_HOUR, recipient_tz)
    return until if until <= renewal_end(renewal, account_tz) - SNOOZE_MARGIN else None


def snooze_choices(
    days_before: int, now: datetime, *, renewal: date, account_tz: str, recipient_tz: str
) -> tuple[int, ...]:
    """The "Remind me later" choices a reminder decided at `now` may offer this recipient."""
    return tuple(
        c
        for c in SNOOZE_CHOICES
        if snooze_until(days_before, c, now, renewal=renewal, account_tz=account_tz, recipient_tz=recipient_tz)
    )


def _recipient_due(state: AccountState, r: Recipient, now: datetime, wakeups: list[datetime]) -> ReminderDue | None:
    pending = state.pending
    assert pending is not None
    renewal = pending.renewal
    escalates = state.escalation and ESCALATE_DAYS in state.reminder_days
    occasions: list[tuple[datetime, int, bool]] = []
    for d, at in reminder_times(renewal, state.reminder_days, r.timezone):
        snoozed_over = any(sn.snoozed_at <= at < sn.until for sn in r.snoozes)
        if snoozed_over and not (escalates and d == ESCALATE_DAYS):
            continue
        occasions.append((at, d, False))
    occasions.extend((sn.until, sn.days_before, True) for sn in r.snoozes if sn.until > sn.snoozed_at)
    occasions.sort()
    wakeups.extend(at for at, _, _ in occasions)
    past = [o for o in occasions if o[0] <= now]
    if not past or policy.local_date(now, state.timezone) > renewal:
        return None
    at, d, snoozed = past[-1]
    upcoming = [o[0] for o in occasions if o[0] > now]
    if now - at > LATE and upcoming and upcoming[0] - now <= CATCH_UP_SKIP:
        return None
    if state.active_users > pending.new_seat_count:
        return ReminderDue(
            target=r.target,
            key=later_key(renewal, d) if snoozed else reminder_key(renewal, d),
            renewal=renewal,
            at=at,
            days_before=d,
            member_id=r.member_id,
            timezone=r.timezone,
            snoozed=snoozed,
            escalated=escalates and d == ESCALATE_DAYS,
        )
    if r.reminded and not r.all_set:
        return ReminderDue(
            target=r.target,
            key=all_set_key(renewal),
            renewal=renewal,
            at=at,
            days_before=d,
            member_id=r.member_id,
            timezone=r.timezone,
            all_set=True,
        )
    return None


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

    per_recipient: list[ReminderDue] = []
    if pending is not None:
        for recipient in state.recipients:
            found = _recipient_due(state, recipient, now, wakeups)
            if found is not None:
                per_recipient.append(found)

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
    return Due(
        reminder=reminder,
        unused_note=unused,
        renewal=renewal,
        next_wakeup=min(future),
        reminders=tuple(per_recipient),
    )
