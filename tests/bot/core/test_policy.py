"""Table-driven tests for the pure seat policy (bot/core/policy.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.core.policy import (
    DEADLINE_DAYS,
    Member,
    Plan,
    PolicyError,
    Roster,
    Target,
    Violation,
    automatic_deactivations,
    check_timezone,
    deadline_for,
    local_date,
    local_instant,
    most_removable,
    next_renewal,
    parse_seat_count,
    renewal_after,
    renewal_date,
    renewal_on_or_after,
    renewal_processing_due,
    request_target,
    saving,
    seats_to_keep,
    start_of_local_day,
    unconsented_admins,
    validate_reduction,
)

Q = Plan.QUARTERLY
A = Plan.ANNUAL


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def t0(minutes: int) -> datetime:
    """An `added_at` instant: minutes after a fixed base instant."""
    return utc(2024, 1, 1) + timedelta(minutes=minutes)


def member(
    id: int,
    added: int,
    *,
    admin: bool = False,
    consented: bool = False,
    active: bool = True,
) -> Member:
    return Member(
        id=id,
        name=f"user{id}",
        added_at=t0(added),
        is_admin=admin,
        consented=consented,
        active=active,
    )


# --- Plan and timezone ---------------------------------------------------------------------------


def test_deadline_days_is_fifteen() -> None:
    assert DEADLINE_DAYS == 15


@pytest.mark.parametrize(
    ("plan", "months"),
    [pytest.param(Q, 3, id="quarterly-3"), pytest.param(A, 12, id="annual-12")],
)
def test_plan_months(plan: Plan, months: int) -> None:
    assert plan.months == months


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("quarterly", Q, id="quarterly"),
        pytest.param("annual", A, id="annual"),
        pytest.param("  Annual ", A, id="case-and-whitespace"),
        pytest.param("QUARTERLY", Q, id="upper"),
    ],
)
def test_plan_parse(text: str, expected: Plan) -> None:
    assert Plan.parse(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("monthly", id="monthly"),
        pytest.param("", id="empty"),
        pytest.param("yearly", id="yearly"),
        pytest.param("quarter ly", id="inner-space"),
    ],
)
def test_plan_parse_rejects(text: str) -> None:
    with pytest.raises(PolicyError, match="unknown plan") as exc:
        Plan.parse(text)
    assert repr(text) in str(exc.value)
    assert "quarterly" in str(exc.value) and "annual" in str(exc.value)


def test_policy_error_is_value_error() -> None:
    assert issubclass(PolicyError, ValueError)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("Europe/Brussels", id="brussels"),
        pytest.param("Pacific/Auckland", id="auckland"),
        pytest.param("America/Los_Angeles", id="los-angeles"),
        pytest.param("UTC", id="utc"),
    ],
)
def test_check_timezone_accepts(name: str) -> None:
    assert check_timezone(name) == name


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("Not/AZone", id="unknown"),
        pytest.param("", id="empty"),
        pytest.param("Europe/Brussels ", id="trailing-space"),
        pytest.param("../etc/passwd", id="path"),
        pytest.param("CET+99", id="garbage"),
    ],
)
def test_check_timezone_rejects(name: str) -> None:
    with pytest.raises(PolicyError, match="unknown timezone"):
        check_timezone(name)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda now: local_date(now, "UTC"), id="local_date"),
        pytest.param(lambda now: next_renewal(date(2024, 1, 1), Q, now, "UTC"), id="next_renewal"),
        pytest.param(lambda now: request_target(date(2024, 1, 1), Q, now, "UTC"), id="request_target"),
        pytest.param(lambda now: renewal_processing_due(date(2024, 1, 1), now, "UTC"), id="processing_due"),
    ],
)
def test_naive_datetime_rejected(call: Callable[[datetime], object]) -> None:
    with pytest.raises(PolicyError, match="timezone-aware"):
        call(datetime(2025, 1, 1, 12, 0))


def test_naive_added_at_rejected() -> None:
    members = [
        Member(id=1, name="a", added_at=datetime(2024, 1, 1)),
        Member(id=2, name="b", added_at=datetime(2024, 1, 2)),
    ]
    with pytest.raises(PolicyError, match="timezone-aware"):
        automatic_deactivations(Roster.of(members), 1)


# --- local time helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "tz", "expected"),
    [
        pytest.param(utc(2025, 6, 15, 11, 59), "Pacific/Auckland", date(2025, 6, 15), id="auckland-2359"),
        pytest.param(utc(2025, 6, 15, 12, 0), "Pacific/Auckland", date(2025, 6, 16), id="auckland-0000"),
        pytest.param(utc(2025, 7, 16, 6, 59), "America/Los_Angeles", date(2025, 7, 15), id="la-2359"),
        pytest.param(utc(2025, 7, 16, 7, 0), "America/Los_Angeles", date(2025, 7, 16), id="la-0000"),
        pytest.param(
            datetime(2025, 7, 16, 1, 0, tzinfo=timezone(timedelta(hours=5))),
            "UTC",
            date(2025, 7, 15),
            id="non-utc-aware-input",
        ),
    ],
)
def test_local_date(now: datetime, tz: str, expected: date) -> None:
    assert local_date(now, tz) == expected


@pytest.mark.parametrize(
    ("day", "tz", "expected"),
    [
        pytest.param(date(2025, 3, 30), "Europe/Brussels", utc(2025, 3, 29, 23), id="brussels-cet"),
        pytest.param(date(2025, 3, 31), "Europe/Brussels", utc(2025, 3, 30, 22), id="brussels-cest"),
        pytest.param(date(2025, 6, 16), "Pacific/Auckland", utc(2025, 6, 15, 12), id="auckland"),
    ],
)
def test_start_of_local_day(day: date, tz: str, expected: datetime) -> None:
    assert start_of_local_day(day, tz) == expected


def test_local_instant_resolves_dst_gap_forward() -> None:
    # 02:00 does not exist in Brussels on 2025-03-30; it becomes 03:00 CEST = 01:00 UTC.
    assert local_instant(date(2025, 3, 30), 2, "Europe/Brussels") == utc(2025, 3, 30, 1)
    assert local_instant(date(2025, 3, 30), 12, "Europe/Brussels") == utc(2025, 3, 30, 10)


# --- renewal schedule ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "plan", "n", "expected"),
    [
        pytest.param(date(2025, 1, 15), Q, 0, date(2025, 1, 15), id="index-0-is-anchor"),
        pytest.param(date(2025, 1, 15), Q, 1, date(2025, 4, 15), id="q-1"),
        pytest.param(date(2025, 1, 15), Q, 5, date(2026, 4, 15), id="q-5-crosses-year"),
        pytest.param(date(2025, 1, 15), A, 3, date(2028, 1, 15), id="a-3"),
        pytest.param(date(2025, 1, 31), Q, 1, date(2025, 4, 30), id="jan31-q1-apr30"),
        pytest.param(date(2025, 1, 31), Q, 2, date(2025, 7, 31), id="jan31-q2-jul31-not-jul30"),
        pytest.param(date(2025, 1, 31), Q, 3, date(2025, 10, 31), id="jan31-q3-oct31"),
        pytest.param(date(2025, 1, 31), Q, 4, date(2026, 1, 31), id="jan31-q4-jan31"),
        pytest.param(date(2024, 11, 30), Q, 1, date(2025, 2, 28), id="nov30-q1-feb28"),
        pytest.param(date(2024, 11, 30), Q, 2, date(2025, 5, 30), id="nov30-q2-may30-not-may28"),
        pytest.param(date(2023, 11, 30), Q, 1, date(2024, 2, 29), id="nov30-q1-leap-feb29"),
        pytest.param(date(2024, 2, 29), A, 1, date(2025, 2, 28), id="feb29-a1"),
        pytest.param(date(2024, 2, 29), A, 2, date(2026, 2, 28), id="feb29-a2"),
        pytest.param(date(2024, 2, 29), A, 4, date(2028, 2, 29), id="feb29-a4-back-to-29"),
        pytest.param(date(2024, 2, 29), Q, 1, date(2024, 5, 29), id="feb29-q1"),
        pytest.param(date(2024, 8, 31), Q, 2, date(2025, 2, 28), id="aug31-q2-feb28"),
        pytest.param(date(2024, 8, 31), Q, 3, date(2025, 5, 31), id="aug31-q3-may31"),
    ],
)
def test_renewal_date(anchor: date, plan: Plan, n: int, expected: date) -> None:
    assert renewal_date(anchor, plan, n) == expected


def test_renewal_date_negative_index() -> None:
    with pytest.raises(PolicyError, match=">= 0"):
        renewal_date(date(2025, 1, 1), Q, -1)


@pytest.mark.parametrize(
    ("anchor", "plan", "day", "expected"),
    [
        pytest.param(date(2025, 1, 31), Q, date(2020, 1, 1), date(2025, 1, 31), id="before-anchor"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 1, 31), date(2025, 1, 31), id="anchor-day"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 2, 1), date(2025, 4, 30), id="day-after-anchor"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 4, 30), date(2025, 4, 30), id="on-clamped"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 5, 1), date(2025, 7, 31), id="after-clamped"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 7, 30), date(2025, 7, 31), id="jul30-to-jul31"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 11, 1), date(2026, 1, 31), id="wraps-year"),
        pytest.param(date(2024, 2, 29), A, date(2025, 2, 28), date(2025, 2, 28), id="feb29-on-feb28"),
        pytest.param(date(2024, 2, 29), A, date(2025, 3, 1), date(2026, 2, 28), id="feb29-next-year"),
        pytest.param(date(2024, 2, 29), A, date(2027, 3, 1), date(2028, 2, 29), id="feb29-leap-again"),
        pytest.param(date(2020, 6, 10), A, date(2035, 6, 11), date(2036, 6, 10), id="far-future"),
    ],
)
def test_renewal_on_or_after(anchor: date, plan: Plan, day: date, expected: date) -> None:
    assert renewal_on_or_after(anchor, plan, day) == expected


@pytest.mark.parametrize(
    ("anchor", "plan", "renewal", "expected"),
    [
        pytest.param(date(2025, 1, 31), Q, date(2025, 1, 31), date(2025, 4, 30), id="jan31-apr30"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 4, 30), date(2025, 7, 31), id="apr30-jul31"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 7, 31), date(2025, 10, 31), id="jul31-oct31"),
        pytest.param(date(2025, 1, 31), Q, date(2025, 10, 31), date(2026, 1, 31), id="oct31-jan31"),
        pytest.param(date(2024, 2, 29), A, date(2027, 2, 28), date(2028, 2, 29), id="feb28-feb29"),
        pytest.param(date(2024, 2, 29), A, date(2028, 2, 29), date(2029, 2, 28), id="feb29-feb28"),
    ],
)
def test_renewal_after(anchor: date, plan: Plan, renewal: date, expected: date) -> None:
    assert renewal_after(anchor, plan, renewal) == expected


@pytest.mark.parametrize(
    ("anchor", "plan", "now", "tz", "expected"),
    [
        pytest.param(date(2025, 1, 31), Q, utc(2025, 4, 30, 12), "UTC", date(2025, 4, 30), id="renewal-day"),
        pytest.param(date(2025, 1, 31), Q, utc(2025, 4, 30, 23, 59), "UTC", date(2025, 4, 30), id="late"),
        pytest.param(date(2025, 1, 31), Q, utc(2025, 5, 1), "UTC", date(2025, 7, 31), id="day-after"),
        # 2025-04-30 12:00 UTC is already 2025-05-01 00:00 in Auckland (NZST, +12).
        pytest.param(date(2025, 1, 31), Q, utc(2025, 4, 30, 12), "Pacific/Auckland", date(2025, 7, 31), id="auckland"),
        # 2025-05-01 06:59 UTC is still 2025-04-30 23:59 in Los Angeles (PDT, -7).
        pytest.param(
            date(2025, 1, 31),
            Q,
            utc(2025, 5, 1, 6, 59),
            "America/Los_Angeles",
            date(2025, 4, 30),
            id="los-angeles",
        ),
        pytest.param(date(2025, 3, 1), A, utc(2024, 1, 1), "UTC", date(2025, 3, 1), id="before-anchor"),
    ],
)
def test_next_renewal(anchor: date, plan: Plan, now: datetime, tz: str, expected: date) -> None:
    assert next_renewal(anchor, plan, now, tz) == expected


@pytest.mark.parametrize(
    ("renewal", "expected"),
    [
        pytest.param(date(2025, 4, 30), date(2025, 4, 15), id="same-month"),
        pytest.param(date(2025, 3, 10), date(2025, 2, 23), id="crosses-month"),
        pytest.param(date(2024, 3, 15), date(2024, 2, 29), id="leap-feb29"),
        pytest.param(date(2025, 1, 5), date(2024, 12, 21), id="crosses-year"),
    ],
)
def test_deadline_for(renewal: date, expected: date) -> None:
    assert deadline_for(renewal) == expected


# --- request_target ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "plan", "now", "tz", "expected"),
    [
        pytest.param(
            date(2024, 3, 1),
            A,
            utc(2025, 2, 1, 9),
            "UTC",
            Target(date(2025, 3, 1), date(2025, 2, 14), 13, None),
            id="days-left-13",
        ),
        pytest.param(
            date(2024, 3, 1),
            A,
            utc(2025, 2, 13, 9),
            "UTC",
            Target(date(2025, 3, 1), date(2025, 2, 14), 1, None),
            id="days-left-1",
        ),
        pytest.param(
            date(2024, 3, 1),
            A,
            utc(2025, 2, 14, 0, 0),
            "UTC",
            Target(date(2025, 3, 1), date(2025, 2, 14), 0, None),
            id="deadline-day-start",
        ),
        pytest.param(
            date(2024, 3, 1),
            A,
            utc(2025, 2, 14, 23, 59),
            "UTC",
            Target(date(2025, 3, 1), date(2025, 2, 14), 0, None),
            id="deadline-day-2359",
        ),
        pytest.param(
            date(2024, 3, 1),
            A,
            utc(2025, 2, 15, 0, 0),
            "UTC",
            Target(date(2026, 3, 1), date(2026, 2, 14), 364, date(2025, 3, 1)),
            id="next-day-0000-missed",
        ),
        pytest.param(
            date(2025, 1, 31),
            Q,
            utc(2025, 4, 15, 23, 59),
            "UTC",
            Target(date(2025, 4, 30), date(2025, 4, 15), 0, None),
            id="quarterly-deadline-2359",
        ),
        pytest.param(
            date(2025, 1, 31),
            Q,
            utc(2025, 4, 16, 0, 0),
            "UTC",
            Target(date(2025, 7, 31), date(2025, 7, 16), 91, date(2025, 4, 30)),
            id="quarterly-next-day-missed",
        ),
        pytest.param(
            date(2025, 1, 31),
            Q,
            utc(2025, 4, 30, 10),
            "UTC",
            Target(date(2025, 7, 31), date(2025, 7, 16), 77, date(2025, 4, 30)),
            id="on-renewal-day-moves-on",
        ),
        pytest.param(
            date(2025, 1, 31),
            Q,
            utc(2025, 5, 1, 10),
            "UTC",
            Target(date(2025, 7, 31), date(2025, 7, 16), 76, None),
            id="day-after-renewal-nothing-missed",
        ),
        pytest.param(
            date(2025, 6, 1),
            Q,
            utc(2025, 1, 1),
            "UTC",
            Target(date(2025, 6, 1), date(2025, 5, 17), 136, None),
            id="before-anchor",
        ),
        pytest.param(
            date(2025, 6, 1),
            Q,
            utc(2025, 5, 20),
            "UTC",
            Target(date(2025, 9, 1), date(2025, 8, 17), 89, date(2025, 6, 1)),
            id="first-renewal-missed",
        ),
    ],
)
def test_request_target(anchor: date, plan: Plan, now: datetime, tz: str, expected: Target) -> None:
    assert request_target(anchor, plan, now, tz) == expected


# Local date differs from the UTC date. Auckland is NZST (+12) in June; Los Angeles is PDT (-7) in July.
AUCKLAND_ANCHOR = date(2024, 6, 30)  # annual: renewal 2025-06-30, deadline 2025-06-15
LA_ANCHOR = date(2025, 1, 30)  # quarterly: renewal 2025-07-30, deadline 2025-07-15


@pytest.mark.parametrize(
    ("anchor", "plan", "now", "tz", "expected"),
    [
        pytest.param(
            AUCKLAND_ANCHOR,
            A,
            utc(2025, 6, 14, 12, 30),  # 2025-06-15 00:30 local (UTC date is still the 14th)
            "Pacific/Auckland",
            Target(date(2025, 6, 30), date(2025, 6, 15), 0, None),
            id="auckland-deadline-day-utc-date-before",
        ),
        pytest.param(
            AUCKLAND_ANCHOR,
            A,
            utc(2025, 6, 15, 11, 59),  # 2025-06-15 23:59 local
            "Pacific/Auckland",
            Target(date(2025, 6, 30), date(2025, 6, 15), 0, None),
            id="auckland-deadline-2359",
        ),
        pytest.param(
            AUCKLAND_ANCHOR,
            A,
            utc(2025, 6, 15, 12, 0),  # 2025-06-16 00:00 local, though still the 15th in UTC
            "Pacific/Auckland",
            Target(date(2026, 6, 30), date(2026, 6, 15), 364, date(2025, 6, 30)),
            id="auckland-next-day-0000",
        ),
        pytest.param(
            LA_ANCHOR,
            Q,
            utc(2025, 7, 16, 6, 59),  # 2025-07-15 23:59 local, already the 16th in UTC
            "America/Los_Angeles",
            Target(date(2025, 7, 30), date(2025, 7, 15), 0, None),
            id="la-deadline-2359-utc-date-after",
        ),
        pytest.param(
            LA_ANCHOR,
            Q,
            utc(2025, 7, 16, 7, 0),  # 2025-07-16 00:00 local
            "America/Los_Angeles",
            Target(date(2025, 10, 30), date(2025, 10, 15), 91, date(2025, 7, 30)),
            id="la-next-day-0000",
        ),
        pytest.param(
            LA_ANCHOR,
            Q,
            utc(2025, 7, 16, 6, 59),
            "UTC",  # the same instant read in UTC is past the deadline
            Target(date(2025, 10, 30), date(2025, 10, 15), 91, date(2025, 7, 30)),
            id="same-instant-in-utc-misses",
        ),
    ],
)
def test_request_target_local_date_differs_from_utc(
    anchor: date, plan: Plan, now: datetime, tz: str, expected: Target
) -> None:
    assert request_target(anchor, plan, now, tz) == expected


# Europe/Brussels: DST starts Sunday 2025-03-30 (CET +1 -> CEST +2), ends Sunday 2025-10-26 (back to +1).
# Renewal 2025-04-14 has deadline 2025-03-30; renewal 2025-11-10 has deadline 2025-10-26.
@pytest.mark.parametrize(
    ("anchor", "now", "expected"),
    [
        pytest.param(
            date(2025, 1, 14),
            utc(2025, 3, 29, 23, 30),  # 2025-03-30 00:30 CET: start of the deadline day
            Target(date(2025, 4, 14), date(2025, 3, 30), 0, None),
            id="spring-deadline-0030",
        ),
        pytest.param(
            date(2025, 1, 14),
            utc(2025, 3, 30, 21, 30),  # 2025-03-30 23:30 CEST
            Target(date(2025, 4, 14), date(2025, 3, 30), 0, None),
            id="spring-deadline-2330",
        ),
        pytest.param(
            date(2025, 1, 14),
            utc(2025, 3, 30, 22, 30),  # 2025-03-31 00:30 CEST (would be 23:30 if still CET)
            Target(date(2025, 7, 14), date(2025, 6, 29), 90, date(2025, 4, 14)),
            id="spring-next-day-0030",
        ),
        pytest.param(
            date(2025, 2, 10),
            utc(2025, 10, 26, 22, 30),  # 2025-10-26 23:30 CET (would be 00:30 next day if still CEST)
            Target(date(2025, 11, 10), date(2025, 10, 26), 0, None),
            id="autumn-deadline-2330",
        ),
        pytest.param(
            date(2025, 2, 10),
            utc(2025, 10, 26, 23, 30),  # 2025-10-27 00:30 CET
            Target(date(2026, 2, 10), date(2026, 1, 26), 91, date(2025, 11, 10)),
            id="autumn-next-day-0030",
        ),
    ],
)
def test_request_target_across_dst_change(anchor: date, now: datetime, expected: Target) -> None:
    assert request_target(anchor, Q, now, "Europe/Brussels") == expected


# --- renewal_processing_due ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("renewal", "now", "tz", "expected"),
    [
        pytest.param(date(2025, 7, 30), utc(2025, 7, 29, 12), "UTC", False, id="utc-day-before"),
        pytest.param(date(2025, 7, 30), utc(2025, 7, 30, 0), "UTC", False, id="utc-renewal-0000"),
        pytest.param(date(2025, 7, 30), utc(2025, 7, 30, 23, 59), "UTC", False, id="utc-renewal-2359"),
        pytest.param(date(2025, 7, 30), utc(2025, 7, 31, 0), "UTC", True, id="utc-next-midnight"),
        pytest.param(date(2025, 7, 30), utc(2025, 9, 1), "UTC", True, id="utc-long-after"),
        # Los Angeles, PDT (-7): local 2025-07-30 runs 07:00 UTC 30th .. 06:59 UTC 31st.
        pytest.param(date(2025, 7, 30), utc(2025, 7, 31, 0), "America/Los_Angeles", False, id="la-utc-next"),
        pytest.param(date(2025, 7, 30), utc(2025, 7, 31, 6, 59), "America/Los_Angeles", False, id="la-renewal-2359"),
        pytest.param(date(2025, 7, 30), utc(2025, 7, 31, 7, 0), "America/Los_Angeles", True, id="la-next-midnight"),
        # Auckland, NZST (+12): local 2025-06-30 runs 12:00 UTC 29th .. 11:59 UTC 30th.
        pytest.param(date(2025, 6, 30), utc(2025, 6, 29, 12, 0), "Pacific/Auckland", False, id="akl-renewal-0000"),
        pytest.param(date(2025, 6, 30), utc(2025, 6, 30, 11, 59), "Pacific/Auckland", False, id="akl-renewal-2359"),
        pytest.param(date(2025, 6, 30), utc(2025, 6, 30, 12, 0), "Pacific/Auckland", True, id="akl-next-midnight"),
    ],
)
def test_renewal_processing_due(renewal: date, now: datetime, tz: str, expected: bool) -> None:
    assert renewal_processing_due(renewal, now, tz) is expected


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(3, 3, id="int"),
        pytest.param("3", 3, id="text"),
        pytest.param(" 3 ", 3, id="whitespace"),
        pytest.param("\t7\n", 7, id="tabs-newlines"),
        pytest.param("+4", 4, id="plus"),
        pytest.param("-2", -2, id="minus"),
        pytest.param("\u22122", -2, id="unicode-minus"),
        pytest.param("007", 7, id="leading-zeros"),
        pytest.param(0, 0, id="zero"),
        pytest.param("9" * 30, int("9" * 30), id="30-digits"),
        pytest.param(True, None, id="bool-true"),
        pytest.param(False, None, id="bool-false"),
        pytest.param(2.0, None, id="float"),
        pytest.param("2.5", None, id="decimal-text"),
        pytest.param("3 seats", None, id="words"),
        pytest.param("three", None, id="spelled"),
        pytest.param("", None, id="empty"),
        pytest.param("   ", None, id="blank"),
        pytest.param("+", None, id="sign-only"),
        pytest.param("--3", None, id="double-minus"),
        pytest.param("+-3", None, id="plus-minus"),
        pytest.param("3-", None, id="trailing-sign"),
        pytest.param("1_000", None, id="underscore"),
        pytest.param("1e3", None, id="exponent"),
        pytest.param("\uff13", None, id="fullwidth-digit"),
        pytest.param("\u0663", None, id="arabic-indic-digit"),
        pytest.param("\u00b3", None, id="superscript"),
        pytest.param("9" * 31, None, id="31-digits"),
        pytest.param(None, None, id="none"),
        pytest.param(Decimal(3), None, id="decimal-object"),
    ],
)
def test_parse_seat_count(raw: object, expected: int | None) -> None:
    assert parse_seat_count(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("abc", id="text"),
        pytest.param("2.5", id="decimal"),
        pytest.param(True, id="bool"),
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
        pytest.param(2.5, id="float"),
        pytest.param("--3", id="double-minus"),
        pytest.param("1" * 31, id="over-30-digits"),
    ],
)
def test_validate_not_a_number(raw: object) -> None:
    problems = validate_reduction(raw, 10, [])
    assert [p.code for p in problems] == [Violation.NOT_A_NUMBER]
    assert "whole number" in problems[0].message


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(0, id="zero"),
        pytest.param("0", id="zero-text"),
        pytest.param(-1, id="negative"),
        pytest.param(" -5 ", id="negative-text"),
        pytest.param("\u22123", id="unicode-minus"),
    ],
)
def test_validate_too_few(raw: object) -> None:
    problems = validate_reduction(raw, 10, [])
    assert [p.code for p in problems] == [Violation.TOO_FEW]
    assert "at least 1" in problems[0].message


@pytest.mark.parametrize(
    ("raw", "seats", "max_removable"),
    [
        pytest.param(10, 10, 9, id="all-seats"),
        pytest.param("10", 10, 9, id="all-seats-text"),
        pytest.param(11, 10, 9, id="more-than-seats"),
        pytest.param(10**12, 10, 9, id="huge-int"),
        pytest.param("999999999999", 10, 9, id="huge-text"),
        pytest.param(1, 1, 0, id="single-seat"),
    ],
)
def test_validate_none_left(raw: object, seats: int, max_removable: int) -> None:
    problems = validate_reduction(raw, seats, [])
    assert [p.code for p in problems] == [Violation.NONE_LEFT]
    message = problems[0].message
    assert f"You have {seats} license" in message
    assert f"remove at most {max_removable}." in message


def test_none_left_message_singular() -> None:
    (problem,) = validate_reduction(1, 1, [])
    assert problem.message.startswith("You have 1 license and")


@pytest.mark.parametrize(
    ("raw", "seats"),
    [
        pytest.param(9, 10, id="seats-minus-1"),
        pytest.param(" 3 ", 10, id="whitespace"),
        pytest.param("+3", 10, id="plus-sign"),
        pytest.param(1, 2, id="two-seats-remove-one"),
    ],
)
def test_validate_ok(raw: object, seats: int) -> None:
    assert validate_reduction(raw, seats, []) == ()


def admins(unconsented: int = 0, consented: int = 0, deactivated: int = 0) -> list[Member]:
    out: list[Member] = []
    for _ in range(unconsented):
        out.append(member(len(out) + 1, len(out), admin=True))
    for _ in range(consented):
        out.append(member(len(out) + 1, len(out), admin=True, consented=True))
    for _ in range(deactivated):
        out.append(member(len(out) + 1, len(out), admin=True, active=False))
    out.append(member(len(out) + 1, len(out)))  # a regular user; never counts
    return out


@pytest.mark.parametrize(
    ("raw", "seats", "members", "expected"),
    [
        pytest.param(3, 5, admins(unconsented=3), [Violation.ADMINS_WITHOUT_CONSENT], id="3-admins-2-left"),
        pytest.param(4, 5, admins(unconsented=3), [Violation.ADMINS_WITHOUT_CONSENT], id="3-admins-1-left"),
        pytest.param(2, 5, admins(unconsented=3), [], id="3-admins-3-left-ok"),
        pytest.param(4, 5, admins(consented=3), [], id="consented-dont-count"),
        pytest.param(4, 5, admins(deactivated=3), [], id="deactivated-dont-count"),
        pytest.param(
            3,
            5,
            admins(unconsented=2, consented=2, deactivated=2),
            [],
            id="only-active-unconsented-count-ok",
        ),
        pytest.param(
            4,
            5,
            admins(unconsented=2, consented=2, deactivated=2),
            [Violation.ADMINS_WITHOUT_CONSENT],
            id="only-active-unconsented-count-violation",
        ),
        pytest.param(4, 5, admins(unconsented=1), [], id="single-admin-1-left-ok"),
    ],
)
def test_validate_admins(raw: int, seats: int, members: list[Member], expected: list[Violation]) -> None:
    assert [p.code for p in validate_reduction(raw, seats, members)] == expected


def test_none_left_reported_with_unconsented_admins() -> None:
    codes = [p.code for p in validate_reduction(5, 5, admins(unconsented=3))]
    assert Violation.NONE_LEFT in codes


def test_admins_without_consent_message_has_numbers() -> None:
    (problem,) = validate_reduction(3, 5, admins(unconsented=3))
    assert problem.code is Violation.ADMINS_WITHOUT_CONSENT
    assert "3 admins have not consented" in problem.message
    assert "at least 3 licenses must remain" in problem.message
    assert "remove at most 2" in problem.message
    assert "consent" in problem.message


@pytest.mark.parametrize(
    ("members", "unconsented", "keep"),
    [
        pytest.param([], 0, 1, id="empty"),
        pytest.param(admins(), 0, 1, id="no-admins"),
        pytest.param(admins(unconsented=1), 1, 1, id="one"),
        pytest.param(admins(unconsented=3, consented=2, deactivated=4), 3, 3, id="mixed"),
    ],
)
def test_unconsented_admins_and_seats_to_keep(members: list[Member], unconsented: int, keep: int) -> None:
    assert unconsented_admins(members) == unconsented
    assert seats_to_keep(members) == keep


def test_violation_codes_are_distinct() -> None:
    assert len({v.value for v in Violation}) == len(Violation) == 4


# --- automatic deactivations ---------------------------------------------------------------------


def ids(members: tuple[Member, ...]) -> list[int]:
    return [m.id for m in members]


@pytest.mark.parametrize(
    ("members", "new_seats", "shortfall", "chosen", "unresolved"),
    [
        pytest.param(
            [member(1, 10), member(2, 30), member(3, 20), member(4, 40)],
            2,
            2,
            [4, 2],
            0,
            id="newest-first",
        ),
        pytest.param(
            [member(1, 10), member(2, 30), member(3, 20)],
            3,
            0,
            [],
            0,
            id="no-shortfall",
        ),
        pytest.param(
            [member(1, 10), member(2, 30)],
            5,
            0,
            [],
            0,
            id="more-seats-than-users",
        ),
        pytest.param(
            [member(1, 10), member(5, 30), member(3, 30), member(9, 20)],
            2,
            2,
            [5, 3],
            0,
            id="tie-broken-by-higher-id",
        ),
        pytest.param(
            [member(1, 10), member(2, 30, active=False), member(3, 20), member(4, 5)],
            2,
            1,
            [3],
            0,
            id="deactivated-ignored",
        ),
        pytest.param(
            [member(1, 10), member(2, 30, admin=True), member(3, 20), member(4, 40)],
            2,
            2,
            [4, 3],
            0,
            id="unconsented-admin-skipped",
        ),
        pytest.param(
            [member(1, 10, admin=True), member(2, 30, admin=True, consented=True), member(3, 20)],
            2,
            1,
            [2],
            0,
            id="consented-admin-chosen",
        ),
        pytest.param(
            [
                member(1, 10, admin=True, consented=True),
                member(2, 30, admin=True, consented=True),
                member(3, 20),
            ],
            1,
            2,
            [2, 3],
            0,
            id="last-admin-remains-all-consented",
        ),
        pytest.param(
            [
                member(1, 10, admin=True, consented=True),
                member(2, 30, admin=True, consented=True),
                member(3, 20, admin=True, consented=True),
            ],
            0,
            3,
            [2, 3],
            1,
            id="all-consented-admins-one-remains",
        ),
        pytest.param(
            [member(1, 10, admin=True), member(2, 30, admin=True), member(3, 20)],
            1,
            2,
            [3],
            1,
            id="not-enough-eligible",
        ),
        pytest.param(
            [member(1, 10, admin=True), member(2, 30, admin=True, active=False), member(3, 20)],
            1,
            1,
            [3],
            0,
            id="deactivated-admin-ignored",
        ),
        pytest.param(
            [member(1, 10, admin=True, consented=True), member(2, 30)],
            0,
            2,
            [2],
            1,
            id="sole-consented-admin-kept",
        ),
        pytest.param(
            [member(1, 10, admin=True), member(2, 30, admin=True, consented=True), member(3, 20)],
            1,
            2,
            [2, 3],
            0,
            id="consented-admin-goes-unconsented-stays",
        ),
    ],
)
def test_automatic_deactivations(
    members: list[Member], new_seats: int, shortfall: int, chosen: list[int], unresolved: int
) -> None:
    result = automatic_deactivations(Roster.of(members), new_seats)
    assert result.shortfall == shortfall
    assert ids(result.chosen) == chosen
    assert result.unresolved == unresolved
    assert result.complete is (unresolved == 0)


def test_automatic_deactivations_compares_instants_across_zones() -> None:
    # 10:00 at +05:00 is 05:00 UTC: earlier than 06:00 UTC despite the larger wall-clock hour.
    plus5 = timezone(timedelta(hours=5))
    members = [
        Member(id=1, name="a", added_at=datetime(2024, 1, 1, 10, 0, tzinfo=plus5)),
        Member(id=2, name="b", added_at=datetime(2024, 1, 1, 6, 0, tzinfo=UTC)),
        Member(id=3, name="c", added_at=datetime(2023, 1, 1, tzinfo=UTC)),
    ]
    assert ids(automatic_deactivations(Roster.of(members), 2).chosen) == [2]


# --- saving --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seats", "price", "plan", "expected"),
    [
        pytest.param(3, Decimal("10"), Q, Decimal("90.00"), id="quarterly-3-months"),
        pytest.param(3, Decimal("10"), A, Decimal("360.00"), id="annual-12-months"),
        pytest.param(1, Decimal("12.50"), A, Decimal("150.00"), id="cents"),
        pytest.param(2, Decimal("3.333"), Q, Decimal("20.00"), id="rounds-up-to-cents"),
        pytest.param(1, Decimal("0.001"), Q, Decimal("0.00"), id="rounds-down-to-cents"),
        pytest.param(7, Decimal("0.3333"), A, Decimal("28.00"), id="many-decimals"),
        pytest.param(0, Decimal("10"), A, Decimal("0.00"), id="zero-seats"),
        pytest.param(1, None, Q, None, id="unknown-price"),
        pytest.param(5, None, A, None, id="unknown-price-annual"),
    ],
)
def test_saving(seats: int, price: Decimal | None, plan: Plan, expected: Decimal | None) -> None:
    result = saving(seats, price, plan)
    assert result == expected
    if expected is not None:
        assert isinstance(result, Decimal)
        assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("licensed", "members", "most"),
    [
        pytest.param(10, [], 9, id="one-license-always-stays"),
        pytest.param(10, [member(1, 1, admin=True), member(2, 2, admin=True)], 8, id="two-unconsented-admins"),
        pytest.param(10, [member(1, 1, admin=True), member(2, 2, admin=True, consented=True)], 9, id="consented-free"),
        pytest.param(1, [member(1, 1, admin=True)], 0, id="nothing-to-remove"),
        pytest.param(2, [member(i, i, admin=True) for i in range(3)], 0, id="more-admins-than-licenses"),
    ],
)
def test_most_removable_matches_what_validation_accepts(licensed: int, members: list[Member], most: int) -> None:
    assert most_removable(licensed, members) == most
    if most >= 1:
        assert validate_reduction(most, licensed, members) == ()
    assert validate_reduction(most + 1, licensed, members) != ()
