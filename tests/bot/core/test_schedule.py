"""Table-driven tests for the pure reminder / renewal schedule (bot/core/schedule.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.policy import Plan, PolicyError
from bot.core.schedule import (
    DEFAULT_REMINDER_DAYS,
    AccountState,
    PendingTerms,
    due_at,
    parse_reminder_days,
    renewal_to_process,
)

Q = Plan.QUARTERLY
BXL = "Europe/Brussels"
NY = "America/New_York"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def state(
    *,
    renewal: date = date(2027, 1, 1),
    tz: str = BXL,
    licensed: int = 10,
    active: int = 9,
    new_seats: int | None = 7,
    last: date | None = None,
    since: date = date(2026, 11, 26),
    days: tuple[int, ...] = DEFAULT_REMINDER_DAYS,
) -> AccountState:
    return AccountState(
        anchor=renewal,
        plan=Q,
        timezone=tz,
        licensed_seats=licensed,
        active_users=active,
        pending=PendingTerms(renewal=renewal, new_seat_count=new_seats) if new_seats is not None else None,
        last_processed_renewal=last,
        since=since,
        reminder_days=days,
    )


def reminder_at(s: AccountState, now: datetime) -> str | None:
    due = due_at(s, now)
    return due.reminder.key if due.reminder else None


# --- reminders -----------------------------------------------------------------------------------

# Renewal Fri 1 Jan 2027 in Brussels (CET = UTC+1): reminders at 08:00 UTC on the reminder days.
# At 08:59 on a reminder day the previous reminder (a day or more behind) is not due again: had the worker
# been down, the 09:00 one is the single catch-up (CATCH_UP_SKIP); running, it was sent at its time.
BRUSSELS_DAYS = [
    pytest.param(utc(2026, 12, 18, 7, 59), None, id="before-d14"),
    pytest.param(utc(2026, 12, 18, 8, 0), "reminder:2027-01-01:d14", id="d14-0900"),
    pytest.param(utc(2026, 12, 24, 23, 0), None, id="d14-still-latest"),
    pytest.param(utc(2026, 12, 25, 7, 59), None, id="d7-0859"),
    pytest.param(utc(2026, 12, 25, 8, 0), "reminder:2027-01-01:d7", id="d7-0900"),
    pytest.param(utc(2026, 12, 29, 8, 0), "reminder:2027-01-01:d3", id="d3-0900"),
    pytest.param(utc(2026, 12, 31, 8, 0), "reminder:2027-01-01:d1", id="d1-0900"),
    pytest.param(utc(2027, 1, 1, 7, 59), None, id="d0-0859"),
    pytest.param(utc(2027, 1, 1, 8, 0), "reminder:2027-01-01:d0", id="d0-0900"),
    pytest.param(utc(2027, 1, 1, 22, 59), "reminder:2027-01-01:d0", id="renewal-day-2359"),
    pytest.param(utc(2027, 1, 1, 23, 0), None, id="renewal-day-over"),
]


@pytest.mark.parametrize(("now", "key"), BRUSSELS_DAYS)
def test_each_reminder_day_at_0900_brussels(now: datetime, key: str | None) -> None:
    assert reminder_at(state(), now) == key


# New York (EST = UTC-5): 09:00 local is 14:00 UTC.
@pytest.mark.parametrize(
    ("now", "key"),
    [
        pytest.param(utc(2026, 12, 18, 13, 59), None, id="d14-0859"),
        pytest.param(utc(2026, 12, 18, 14, 0), "reminder:2027-01-01:d14", id="d14-0900"),
        pytest.param(utc(2026, 12, 25, 13, 59), None, id="d7-0859"),
        pytest.param(utc(2026, 12, 25, 14, 0), "reminder:2027-01-01:d7", id="d7-0900"),
        pytest.param(utc(2027, 1, 1, 14, 0), "reminder:2027-01-01:d0", id="d0-0900"),
        pytest.param(utc(2027, 1, 2, 4, 59), "reminder:2027-01-01:d0", id="renewal-day-2359"),
        pytest.param(utc(2027, 1, 2, 5, 0), None, id="renewal-day-over"),
    ],
)
def test_reminder_boundary_new_york(now: datetime, key: str | None) -> None:
    assert reminder_at(state(tz=NY), now) == key


# DST: Brussels moves to CEST on Sun 28 Mar 2027; New York to EDT on Sun 14 Mar 2027.
@pytest.mark.parametrize(
    ("renewal", "tz", "now", "key"),
    [
        pytest.param(date(2027, 4, 1), BXL, utc(2027, 3, 25, 7, 59), None, id="bxl-d7-cet-0859"),
        pytest.param(date(2027, 4, 1), BXL, utc(2027, 3, 25, 8, 0), "reminder:2027-04-01:d7", id="bxl-d7-cet-0900"),
        pytest.param(date(2027, 4, 1), BXL, utc(2027, 3, 29, 6, 59), None, id="bxl-d3-cest-0859"),
        pytest.param(date(2027, 4, 1), BXL, utc(2027, 3, 29, 7, 0), "reminder:2027-04-01:d3", id="bxl-d3-cest-0900"),
        pytest.param(date(2027, 3, 20), NY, utc(2027, 3, 13, 13, 59), None, id="ny-d7-est-0859"),
        pytest.param(date(2027, 3, 20), NY, utc(2027, 3, 13, 14, 0), "reminder:2027-03-20:d7", id="ny-d7-est-0900"),
        pytest.param(date(2027, 3, 20), NY, utc(2027, 3, 17, 12, 59), None, id="ny-d3-edt-0859"),
        pytest.param(date(2027, 3, 20), NY, utc(2027, 3, 17, 13, 0), "reminder:2027-03-20:d3", id="ny-d3-edt-0900"),
    ],
)
def test_reminder_0900_across_dst(renewal: date, tz: str, now: datetime, key: str) -> None:
    assert reminder_at(state(renewal=renewal, tz=tz, since=date(2027, 2, 1)), now) == key


@pytest.mark.parametrize(
    ("active", "new_seats", "key"),
    [
        pytest.param(9, 7, "reminder:2027-01-01:d7", id="two-over"),
        pytest.param(8, 7, "reminder:2027-01-01:d7", id="one-over"),
        pytest.param(7, 7, None, id="already-deactivated-exactly"),
        pytest.param(5, 7, None, id="already-deactivated-more"),
        pytest.param(9, None, None, id="no-request"),
    ],
)
def test_reminder_only_while_users_must_still_be_deactivated(
    active: int, new_seats: int | None, key: str | None
) -> None:
    assert reminder_at(state(active=active, new_seats=new_seats), utc(2026, 12, 25, 9)) == key


def test_custom_reminder_days() -> None:
    s = state(days=(10, 2))
    assert reminder_at(s, utc(2026, 12, 18, 8)) is None
    assert reminder_at(s, utc(2026, 12, 22, 8)) == "reminder:2027-01-01:d10"
    assert reminder_at(s, utc(2026, 12, 30, 8)) == "reminder:2027-01-01:d2"


@pytest.mark.parametrize(
    ("now", "key"),
    [
        pytest.param(utc(2026, 12, 30, 12), "reminder:2027-01-01:d3", id="down-since-d14-back-before-d1"),
        pytest.param(utc(2027, 1, 1, 20), "reminder:2027-01-01:d0", id="down-since-d14-back-on-renewal-day"),
    ],
)
def test_catch_up_after_downtime_gives_only_the_latest_reminder(now: datetime, key: str) -> None:
    # Whatever was missed, exactly one reminder is due: the latest one.
    due = due_at(state(), now)
    assert due.reminder is not None and due.reminder.key == key
    assert due.renewal is None


def test_a_restart_at_0859_on_a_reminder_day_sends_one_reminder_not_two() -> None:
    """Down since before d14; back at 08:59 on the d7 day: d14 is not sent a minute before d7 (issue 15)."""
    s = state()
    back = utc(2026, 12, 25, 7, 59)
    first = due_at(s, back)
    assert first.reminder is None and first.next_wakeup == utc(2026, 12, 25, 8, 0)
    assert reminder_at(s, first.next_wakeup) == "reminder:2027-01-01:d7"


@pytest.mark.parametrize(
    ("now", "key"),
    [
        pytest.param(utc(2026, 12, 18, 9, 0), "reminder:2027-01-01:d14", id="on-time-is-never-skipped"),
        pytest.param(utc(2026, 12, 24, 19, 59), "reminder:2027-01-01:d14", id="missed-next-12h-01m-away"),
        pytest.param(utc(2026, 12, 24, 20, 0), None, id="missed-next-12h-away"),
        pytest.param(utc(2027, 1, 1, 20), "reminder:2027-01-01:d0", id="last-one-has-no-next"),
    ],
)
def test_a_missed_reminder_is_skipped_only_when_the_next_is_near(now: datetime, key: str | None) -> None:
    assert reminder_at(state(), now) == key


# --- unused-seats note ---------------------------------------------------------------------------

# Renewal 1 Jan 2027, deadline Thu 17 Dec 2026: the note is due from Thu 10 Dec 09:00 Brussels.


@pytest.mark.parametrize(
    ("now", "licensed", "active", "new_seats", "key"),
    [
        pytest.param(utc(2026, 12, 10, 7, 59), 10, 8, None, None, id="before-0900"),
        pytest.param(utc(2026, 12, 10, 8, 0), 10, 8, None, "unused:2027-01-01", id="at-0900"),
        pytest.param(utc(2026, 12, 17, 22, 59), 10, 8, None, "unused:2027-01-01", id="deadline-day-2359"),
        pytest.param(utc(2026, 12, 17, 23, 0), 10, 8, None, None, id="deadline-over"),
        pytest.param(utc(2026, 12, 12), 10, 10, None, None, id="no-unused-seats"),
        pytest.param(utc(2026, 12, 12), 10, 8, 9, None, id="request-pending"),
    ],
)
def test_unused_seats_note(now: datetime, licensed: int, active: int, new_seats: int | None, key: str | None) -> None:
    due = due_at(state(licensed=licensed, active=active, new_seats=new_seats), now)
    assert (due.unused_note.key if due.unused_note else None) == key


def test_unused_seats_note_in_new_york_at_0900_local() -> None:
    s = state(tz=NY, licensed=10, active=4, new_seats=None)
    assert due_at(s, utc(2026, 12, 10, 13, 59)).unused_note is None
    note = due_at(s, utc(2026, 12, 10, 14, 0)).unused_note
    assert note is not None and note.key == "unused:2027-01-01" and note.at == utc(2026, 12, 10, 14, 0)


# --- renewal processing --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "tz", "due", "late"),
    [
        pytest.param(utc(2027, 1, 1, 22, 59), BXL, False, False, id="bxl-renewal-day-2359"),
        pytest.param(utc(2027, 1, 1, 23, 0), BXL, True, False, id="bxl-day-over"),
        pytest.param(utc(2027, 1, 2, 0, 0), BXL, True, False, id="bxl-within-an-hour"),
        pytest.param(utc(2027, 1, 2, 0, 1), BXL, True, True, id="bxl-late"),
        pytest.param(utc(2027, 1, 2, 4, 59), NY, False, False, id="ny-renewal-day-2359"),
        pytest.param(utc(2027, 1, 2, 5, 0), NY, True, False, id="ny-day-over"),
        pytest.param(utc(2027, 1, 9), NY, True, True, id="ny-a-week-later"),
    ],
)
def test_renewal_processing_due(now: datetime, tz: str, due: bool, late: bool) -> None:
    got = due_at(state(tz=tz), now).renewal
    assert (got is not None) == due
    if got is not None:
        assert got.renewal == date(2027, 1, 1)
        assert got.late == late


def test_renewal_without_request_is_due_too() -> None:
    got = due_at(state(new_seats=None), utc(2027, 1, 2, 12)).renewal
    assert got is not None and got.renewal == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("last", "since", "expected"),
    [
        pytest.param(None, date(2026, 11, 26), date(2027, 1, 1), id="first-renewal-is-the-anchor"),
        pytest.param(date(2027, 1, 1), date(2026, 11, 26), date(2027, 4, 1), id="follows-from-the-anchor"),
        pytest.param(None, date(2027, 5, 3), date(2027, 7, 1), id="account-added-after-the-anchor"),
        pytest.param(None, date(2027, 4, 1), date(2027, 4, 1), id="added-on-a-renewal-day"),
    ],
)
def test_renewal_to_process(last: date | None, since: date, expected: date) -> None:
    assert renewal_to_process(state(last=last, since=since)) == expected


def test_processed_renewal_is_not_due_again() -> None:
    assert due_at(state(last=date(2027, 1, 1), new_seats=None), utc(2027, 1, 2, 12)).renewal is None


# --- next wakeup ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "now", "wakeup"),
    [
        pytest.param(state(), utc(2026, 12, 18, 8), utc(2026, 12, 25, 8), id="d14-to-d7"),
        pytest.param(state(), utc(2026, 12, 31, 8), utc(2027, 1, 1, 8), id="d1-to-d0"),
        pytest.param(state(), utc(2027, 1, 1, 8), utc(2027, 1, 1, 23), id="d0-to-processing"),
        pytest.param(
            state(last=date(2027, 1, 1), new_seats=None),
            utc(2027, 1, 1, 23),
            utc(2027, 3, 10, 8),
            id="after-processing-to-next-unused-note",
        ),
        pytest.param(state(new_seats=None), utc(2026, 11, 26, 8), utc(2026, 12, 10, 8), id="to-unused-note"),
    ],
)
def test_next_wakeup(s: AccountState, now: datetime, wakeup: datetime) -> None:
    assert due_at(s, now).next_wakeup == wakeup


TIMEZONES = ["UTC", BXL, NY, "Pacific/Auckland", "Asia/Kolkata", "Australia/Lord_Howe"]


@st.composite
def states(draw: st.DrawFn) -> AccountState:
    renewal = draw(st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)))
    licensed = draw(st.integers(min_value=1, max_value=30))
    new_seats = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=licensed)))
    days = tuple(sorted(draw(st.sets(st.integers(min_value=0, max_value=40), min_size=1, max_size=6)), reverse=True))
    return replace(
        state(renewal=renewal, since=renewal - timedelta(days=draw(st.integers(min_value=0, max_value=200)))),
        timezone=draw(st.sampled_from(TIMEZONES)),
        licensed_seats=licensed,
        active_users=draw(st.integers(min_value=0, max_value=40)),
        pending=PendingTerms(renewal=renewal, new_seat_count=new_seats) if new_seats is not None else None,
        reminder_days=days,
    )


@settings(max_examples=300, deadline=None)
@given(s=states(), offset_hours=st.integers(min_value=-24 * 120, max_value=24 * 120), frac=st.floats(0, 1))
def test_nothing_new_becomes_due_before_next_wakeup(s: AccountState, offset_hours: int, frac: float) -> None:
    # Sleeping until next_wakeup never misses an occasion: in between, what is due does not change.
    now = datetime(s.anchor.year, s.anchor.month, s.anchor.day, tzinfo=UTC) + timedelta(hours=offset_hours)
    due = due_at(s, now)
    assert due.next_wakeup > now
    between = now + (due.next_wakeup - now) * frac
    if between >= due.next_wakeup:
        return
    later = due_at(s, between)
    # (Something may stop being due in between, e.g. the note after the deadline: that needs no wakeup.)
    assert later.reminder is None or later.reminder == due.reminder
    assert later.unused_note is None or later.unused_note == due.unused_note
    assert later.renewal is None or (due.renewal is not None and later.renewal.renewal == due.renewal.renewal)


# --- reminder days setting -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("14,7,3,1,0", (14, 7, 3, 1, 0), id="default"),
        pytest.param(" 0, 7 ,14,7", (14, 7, 0), id="unordered-duplicates-spaces"),
        pytest.param("", (), id="none"),
    ],
)
def test_parse_reminder_days(text: str, expected: tuple[int, ...]) -> None:
    assert parse_reminder_days(text) == expected


@pytest.mark.parametrize("text", ["7,-1", "seven", "3.5", "400"])
def test_parse_reminder_days_rejects(text: str) -> None:
    with pytest.raises(PolicyError, match="reminder days"):
        parse_reminder_days(text)
