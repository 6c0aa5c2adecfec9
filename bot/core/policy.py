"""The seat policy: pure rules, no Slack, no database, no clock.

Every function takes the instant it reasons about (`now`) as an argument. Dates that matter to the
customer (renewal day, deadline day) are *local dates* in the account's IANA timezone; instants are
timezone-aware datetimes (any zone; they are converted).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pendulum

UNKNOWN_ADDED = datetime(1970, 1, 1, tzinfo=UTC)
"""The added date of a user nobody knows it of (the first Teamleader sync brings in existing users): the oldest
possible, so such users come last in the newest-first order of automatic deactivations until their real date
is imported (`licensebot users import`)."""

DEADLINE_DAYS = 15
"""A reduction for renewal R must be submitted on or before the local date R - 15 days."""


class Plan(enum.StrEnum):
    QUARTERLY = "quarterly"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        return 3 if self is Plan.QUARTERLY else 12

    @classmethod
    def parse(cls, text: str) -> Plan:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise PolicyError(f"unknown plan {text!r}: use 'quarterly' or 'annual'") from None


class PolicyError(ValueError):
    """Bad input to a policy rule (unknown plan, unknown timezone, naive datetime)."""


# --- time helpers -------------------------------------------------------------------------------


def check_timezone(name: str) -> str:
    """Return `name` if it is a known IANA timezone, else raise PolicyError."""
    try:
        pendulum.timezone(name)
    except (pendulum.tz.exceptions.InvalidTimezone, ValueError, TypeError):
        raise PolicyError(f"unknown timezone {name!r}: use an IANA name such as Europe/Brussels") from None
    return name


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    """The timezone object for an IANA name, made once (pendulum reads its tz file on every lookup)."""
    return pendulum.timezone(name)


def _instant(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PolicyError("`now` must be timezone-aware")
    return value


def _aware(now: datetime) -> pendulum.DateTime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise PolicyError("`now` must be timezone-aware")
    return pendulum.instance(now)


@functools.lru_cache(maxsize=4096)  # pure; a pass asks the same few (instant, zone) for every account
def local_date(now: datetime, timezone: str) -> date:
    """The calendar date at instant `now` in `timezone`."""
    d = _aware(now).in_timezone(_zone(timezone))
    return date(d.year, d.month, d.day)


def _plain_utc(d: datetime) -> datetime:
    """`d` as a plain datetime in UTC: the instants below feed the schedule's comparisons and subtractions for
    every due account of a pass, which pendulum's DateTime makes ~10x dearer (an Interval per subtraction)."""
    u = d.astimezone(UTC)
    return datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def start_of_local_day(day: date, timezone: str) -> datetime:
    """The instant (a plain datetime in UTC) at which local date `day` begins in `timezone`."""
    return _plain_utc(pendulum.datetime(day.year, day.month, day.day, tz=_zone(timezone)))


@functools.lru_cache(maxsize=4096)
def local_instant(day: date, hour: int, timezone: str) -> datetime:
    """The instant (a plain datetime in UTC) of `hour`:00 local time on `day` (pendulum resolves DST gaps
    forward)."""
    return _plain_utc(pendulum.datetime(day.year, day.month, day.day, hour, tz=_zone(timezone)))


# --- renewal schedule ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # pure: a pass asks it for every account, of a few anchors
def renewal_date(anchor: date, plan: Plan, n: int) -> date:
    """The n-th renewal: anchor + n x period, computed from the anchor (month ends clamp)."""
    if n < 0:
        raise PolicyError("renewal index must be >= 0")
    d = pendulum.date(anchor.year, anchor.month, anchor.day).add(months=n * plan.months)
    return date(d.year, d.month, d.day)


@functools.lru_cache(maxsize=4096)  # pure: a pass asks it for every account, of a few anchors
def renewal_on_or_after(anchor: date, plan: Plan, day: date) -> date:
    """The first renewal (index >= 0) whose date is on or after `day`."""
    if day <= anchor:
        return anchor
    months = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    n = max(0, months // plan.months - 1)
    while (r := renewal_date(anchor, plan, n)) < day:
        n += 1
    return r


def renewal_after(anchor: date, plan: Plan, renewal: date) -> date:
    """The renewal that follows `renewal` on the schedule."""
    return renewal_on_or_after(anchor, plan, renewal + timedelta(days=1))


def next_renewal(anchor: date, plan: Plan, now: datetime, timezone: str) -> date:
    """The upcoming renewal at `now`: the renewal day itself still counts as upcoming."""
    return renewal_on_or_after(anchor, plan, local_date(now, timezone))


def deadline_for(renewal: date) -> date:
    """The last local date on which a reduction for `renewal` may be submitted (whole day counts)."""
    return renewal - timedelta(days=DEADLINE_DAYS)


@dataclass(frozen=True)
class Target:
    """Which renewal a request made at some instant applies to, and why."""

    renewal: date
    deadline: date
    days_left: int
    """Whole local days from today until the deadline day (0 = today is the last day)."""
    missed: date | None
    """The nearer renewal whose deadline has passed, when the request moves to a later one."""


@functools.lru_cache(maxsize=4096)  # pure: a pass asks it for every account, of a few anchors
def request_target(anchor: date, plan: Plan, now: datetime, timezone: str) -> Target:
    """The renewal a reduction requested at `now` applies to.

    On or before the deadline day of the upcoming renewal R it is R; afterwards the renewal after R.
    """
    today = local_date(now, timezone)
    upcoming = renewal_on_or_after(anchor, plan, today)
    renewal, missed = upcoming, None
    while today > deadline_for(renewal):
        missed = missed or renewal
        renewal = renewal_after(anchor, plan, renewal)
    deadline = deadline_for(renewal)
    return Target(renewal=renewal, deadline=deadline, days_left=(deadline - today).days, missed=missed)


def renewal_processing_due(renewal: date, now: datetime, timezone: str) -> bool:
    """A renewal is processed once its local day is over (users deactivated that day still count)."""
    return local_date(now, timezone) > renewal


# --- members and reductions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: int
    name: str
    added_at: datetime
    is_admin: bool = False
    consented: bool = False
    """An admin who has granted written consent that their admin rights may be removed."""
    active: bool = True


class Violation(enum.StrEnum):
    NOT_A_NUMBER = "not_a_number"
    TOO_FEW = "too_few"
    NONE_LEFT = "none_left"
    ADMINS_WITHOUT_CONSENT = "admins_without_consent"


@dataclass(frozen=True)
class Problem:
    code: Violation
    message: str


def unconsented_admins(members: Iterable[Member]) -> int:
    return sum(1 for m in members if m.active and m.is_admin and not m.consented)


def seats_to_keep(members: Iterable[Member]) -> int:
    """The fewest seats an account can go down to: one, and one per admin without consent."""
    return max(1, unconsented_admins(members))


def most_removable(licensed_seats: int, members: Iterable[Member]) -> int:
    """The largest number of licenses a request may remove now."""
    return max(0, licensed_seats - seats_to_keep(members))


def parse_seat_count(raw: object) -> int | None:
    """A whole number from typed text or an int; None when it is not one (no bool, no 2.5)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        text = raw.strip().replace("\u2212", "-")
        digits = text[1:] if text[:1] in ("+", "-") else text  # one sign at most: int("--3") raises
        if digits.isascii() and digits.isdigit() and len(text) <= 30:
            return int(text)
    return None


def validate_reduction(raw: object, licensed_seats: int, members: Sequence[Member]) -> tuple[Problem, ...]:
    """Check a request to remove `raw` seats: the first rule it breaks (one problem), or () when valid."""
    n = parse_seat_count(raw)
    if n is None:
        return (Problem(Violation.NOT_A_NUMBER, "Enter a whole number of licenses to remove, e.g. 3."),)
    if n < 1:
        return (Problem(Violation.TOO_FEW, "Remove at least 1 license."),)
    left = licensed_seats - n
    most = most_removable(licensed_seats, members)
    if left < 1:
        return (
            Problem(
                Violation.NONE_LEFT,
                f"You have {licensed_seats} license{_s(licensed_seats)} and at least 1 must remain, "
                f"so you can remove at most {most}.",
            ),
        )
    admins = unconsented_admins(members)
    if left < admins:
        return (
            Problem(
                Violation.ADMINS_WITHOUT_CONSENT,
                f"{admins} admin{_s(admins)} {'has' if admins == 1 else 'have'} not consented to losing admin "
                f"rights, so at least {plural_of(admins, 'license')} must remain (remove at most {most}), "
                "or ask an admin for written consent first.",
            ),
        )
    return ()


@dataclass(frozen=True)
class Deactivation:
    """Who the renewal would deactivate automatically."""

    shortfall: int
    """Active users over the new seat count."""
    chosen: tuple[Member, ...]
    """The most recently added eligible users, newest first."""
    unresolved: int
    """How many of the shortfall could not be chosen (only admins without consent were left)."""
    more: int = 0
    """How many more are chosen than `chosen` lists (a preview lists the first few only, see `preview`)."""

    @property
    def complete(self) -> bool:
        return self.unresolved == 0

    @property
    def total(self) -> int:
        """How many users would be deactivated automatically: `chosen` and the `more` not listed."""
        return len(self.chosen) + self.more


@dataclass(frozen=True)
class Roster:
    """The active members as the seat rules read them, without reading every member of a large account.

    `active` counts every active member. `members` holds active members only: every active admin, and the
    most recently added others, at least `roster_depth(...)` of them (or all). `Roster.of` takes a whole
    member list; a store reads the admins and the newest `roster_depth` members instead, so a license page
    costs the same at 10 or 10,000 members. `automatic_deactivations` gives the same answer on both.
    """

    active: int
    members: tuple[Member, ...]

    @classmethod
    def of(cls, members: Iterable[Member]) -> Roster:
        everyone = tuple(m for m in members if m.active)
        return cls(active=len(everyone), members=everyone)

    @property
    def admins(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.is_admin)


def seats_after(licensed_seats: int, seats_removed: int) -> int:
    """The seat count from the renewal a request applies to: at least 1 (validation keeps 1; the licensed
    count may have been lowered by an operator since)."""
    return max(1, licensed_seats - seats_removed)


def roster_depth(active: int, admins: int, new_seat_count: int | None, preview: int | None = None) -> int:
    """How many of the most recently added active members `automatic_deactivations` can look at when the
    seat count drops to `new_seat_count` (None: no drop, none). It picks the `shortfall` newest eligible
    members and passes over admins only, so it never walks further than shortfall + admins members.
    With `preview`, only the first `preview` chosen are listed: it walks no further than preview + admins."""
    if new_seat_count is None:
        return 0
    wanted = max(0, active - new_seat_count)
    if preview is not None:
        wanted = min(wanted, max(0, preview))
    return wanted + admins


def choosable(roster: Roster) -> int:
    """How many active members the renewal could deactivate at most: every non-admin, and consented admins
    as long as one admin remains. Counted, not walked: a preview roster gives the same answer."""
    admins = roster.admins
    consented = sum(1 for m in admins if m.consented)
    return (roster.active - len(admins)) + min(consented, max(0, len(admins) - 1))


def automatic_deactivations(roster: Roster, new_seat_count: int, *, preview: int | None = None) -> Deactivation:
    """Choose the users deactivated when the seat count drops to `new_seat_count`.

    The `shortfall` most recently added active users, newest first; ties on the added instant are
    broken by the later-added record (higher id). Admins are skipped unless they consented, and one
    admin always remains active. When too few eligible users exist, `unresolved` says how many are
    missing: the result is never silently partial. With `preview`, `chosen` lists the first `preview`
    of them and `more` counts the rest (the roster then needs only `roster_depth(..., preview)` members).
    """
    shortfall = max(0, roster.active - new_seat_count)
    if shortfall == 0:
        return Deactivation(shortfall=0, chosen=(), unresolved=0)
    depth = roster_depth(roster.active, len(roster.admins), new_seat_count, preview)
    if len(roster.members) < min(roster.active, depth):
        raise PolicyError(f"the roster holds {len(roster.members)} members; this seat count needs {depth}")
    total = min(shortfall, choosable(roster))
    listed = total if preview is None else min(total, max(0, preview))
    for m in roster.members:
        _instant(m.added_at)
    # Aware datetimes compare as instants whatever their zone: no conversion per member (50k at a large renewal).
    newest_first = sorted(roster.members, key=lambda m: (m.added_at, m.id), reverse=True)
    admins_left = len(roster.admins)
    chosen: list[Member] = []
    for m in newest_first:
        if len(chosen) == listed:
            break
        if m.is_admin:
            if not m.consented or admins_left <= 1:
                continue
            admins_left -= 1
        chosen.append(m)
    return Deactivation(
        shortfall=shortfall, chosen=tuple(chosen), unresolved=shortfall - total, more=total - len(chosen)
    )


def saving(seats_removed: int, price_per_seat: Decimal | None, plan: Plan) -> Decimal | None:
    """What removing seats saves per billing period (price per seat is per month)."""
    if price_per_seat is None:
        return None
    return (Decimal(seats_removed) * price_per_seat * plan.months).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def plural_of(n: int, word: str) -> str:
    return f"{n} {word}{_s(n)}"
