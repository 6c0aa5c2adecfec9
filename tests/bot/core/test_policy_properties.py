"""Property-based tests (hypothesis) for the renewal schedule in bot/core/policy.py."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.policy import (
    DEADLINE_DAYS,
    Plan,
    local_date,
    next_renewal,
    renewal_after,
    renewal_date,
    renewal_on_or_after,
    request_target,
)

FAST = settings(max_examples=200, deadline=None)

TIMEZONES = [
    "UTC",
    "Europe/Brussels",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Asia/Kolkata",  # +05:30
    "Australia/Lord_Howe",  # half-hour DST shift
]

plans = st.sampled_from(list(Plan))
timezones = st.sampled_from(TIMEZONES)
days_in_range = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def anchors(draw: st.DrawFn) -> date:
    """Anchor dates, with month-end days (28/29/30/31) drawn often."""
    year = draw(st.integers(min_value=2000, max_value=2040))
    month = draw(st.integers(min_value=1, max_value=12))
    last = calendar.monthrange(year, month)[1]
    day = draw(
        st.one_of(
            st.sampled_from(sorted({28, 29, 30, 31, last} & set(range(1, last + 1)))),
            st.integers(min_value=1, max_value=last),
        )
    )
    return date(year, month, day)


instants = st.datetimes(min_value=datetime(1999, 1, 1), max_value=datetime(2070, 1, 1), timezones=st.just(UTC))


def month_offset(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + (end.month - start.month)


def on_schedule(anchor: date, plan: Plan, day: date) -> bool:
    """Whether `day` is renewal_date(anchor, plan, n) for some n >= 0 (checked independently)."""
    months = month_offset(anchor, day)
    if months < 0 or months % plan.months:
        return False
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(anchor.day, last)


@FAST
@given(anchor=anchors(), plan=plans, n=st.integers(min_value=0, max_value=200))
def test_renewal_date_never_drifts(anchor: date, plan: Plan, n: int) -> None:
    r = renewal_date(anchor, plan, n)
    assert month_offset(anchor, r) == n * plan.months
    assert r.day == min(anchor.day, calendar.monthrange(r.year, r.month)[1])


@FAST
@given(anchor=anchors(), plan=plans, n=st.integers(min_value=0, max_value=200))
def test_renewal_dates_strictly_increase(anchor: date, plan: Plan, n: int) -> None:
    assert renewal_date(anchor, plan, n) < renewal_date(anchor, plan, n + 1)


@FAST
@given(anchor=anchors(), plan=plans, now=instants, tz=timezones)
def test_next_renewal_is_upcoming_and_on_schedule(anchor: date, plan: Plan, now: datetime, tz: str) -> None:
    today = local_date(now, tz)
    r = next_renewal(anchor, plan, now, tz)
    assert r >= today
    assert r >= anchor
    assert on_schedule(anchor, plan, r)
    # It is the *first* such renewal: the one before it (if any) is already in the past.
    if r > anchor:
        n = month_offset(anchor, r) // plan.months
        assert renewal_date(anchor, plan, n - 1) < today


@FAST
@given(anchor=anchors(), plan=plans, day=days_in_range)
def test_renewal_on_or_after_is_idempotent(anchor: date, plan: Plan, day: date) -> None:
    r = renewal_on_or_after(anchor, plan, day)
    assert r >= day
    assert on_schedule(anchor, plan, r)
    assert renewal_on_or_after(anchor, plan, r) == r


@FAST
@given(anchor=anchors(), plan=plans, n=st.integers(min_value=0, max_value=200))
def test_renewal_after_is_the_next_one(anchor: date, plan: Plan, n: int) -> None:
    r = renewal_date(anchor, plan, n)
    following = renewal_after(anchor, plan, r)
    assert following > r
    assert following == renewal_date(anchor, plan, n + 1)
    assert on_schedule(anchor, plan, following)
    # Nothing on the schedule lies strictly between r and the following renewal.
    between = [r + timedelta(days=k) for k in range(1, (following - r).days)]
    assert not any(on_schedule(anchor, plan, d) for d in between)


@FAST
@given(anchor=anchors(), plan=plans, now=instants, tz=timezones)
def test_request_target_deadline(anchor: date, plan: Plan, now: datetime, tz: str) -> None:
    today = local_date(now, tz)
    target = request_target(anchor, plan, now, tz)
    assert target.deadline >= today
    assert target.renewal - target.deadline == timedelta(days=DEADLINE_DAYS)
    assert target.days_left == (target.deadline - today).days >= 0
    assert on_schedule(anchor, plan, target.renewal)
    upcoming = next_renewal(anchor, plan, now, tz)
    if target.missed is None:
        # Still in time for the upcoming renewal.
        assert target.renewal == upcoming
    else:
        # The upcoming renewal's deadline has passed; the request moves to the very next renewal.
        assert target.missed == upcoming
        assert today > target.missed - timedelta(days=DEADLINE_DAYS)
        assert target.renewal == renewal_after(anchor, plan, upcoming)
