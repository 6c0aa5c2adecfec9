"""The pure schedule per recipient: each one's own 09:00 across DST, snoozes, escalation, all set."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.policy import Plan
from bot.core.schedule import (
    AccountState,
    PendingTerms,
    Recipient,
    Snooze,
    due_at,
    snooze_choices,
    snooze_until,
)

BXL, NY = "Europe/Brussels", "America/New_York"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def state(renewal: date, *recipients: Recipient, active: int = 9, escalation: bool = False) -> AccountState:
    return AccountState(
        anchor=renewal,
        plan=Plan.QUARTERLY,
        timezone=BXL,
        licensed_seats=10,
        active_users=active,
        pending=PendingTerms(renewal=renewal, new_seat_count=7),
        last_processed_renewal=None,
        since=date(2026, 11, 1),
        recipients=recipients,
        escalation=escalation,
    )


def keys(s: AccountState, now: datetime) -> dict[str, str]:
    return {r.target: r.key for r in due_at(s, now).reminders}


def test_new_york_keeps_09_00_across_the_us_dst_change() -> None:
    # Renewal Sat 20 Mar 2027: New York moves to EDT on Sun 14 Mar, Brussels stays on CET until 28 Mar.
    s = state(date(2027, 3, 20), Recipient("C1", BXL), Recipient("U1", NY, member_id=1))
    # his d14 is a week late and his d7 is a minute away: not yesterday's reminder at 08:59 his time
    assert keys(s, utc(2027, 3, 13, 13, 59)) == {"C1": "reminder:2027-03-20:d7"}
    assert keys(s, utc(2027, 3, 13, 14)) == {"C1": "reminder:2027-03-20:d7", "U1": "reminder:2027-03-20:d7"}
    assert "U1" not in keys(s, utc(2027, 3, 17, 12, 59))  # 08:59 EDT: his d3 is not due yet (d7 went long ago)
    assert keys(s, utc(2027, 3, 17, 13))["U1"] == "reminder:2027-03-20:d3"  # 09:00 EDT = 13:00 UTC now
    assert due_at(s, utc(2027, 3, 17, 8, 30)).next_wakeup == utc(2027, 3, 17, 13)


def test_a_snooze_skips_the_reminders_before_it_ends_and_brings_one_back() -> None:
    snooze = Snooze(days_before=7, snoozed_at=utc(2026, 12, 27, 9), until=utc(2026, 12, 30, 8))
    s = state(date(2027, 1, 1), Recipient("U1", BXL, member_id=1, snoozes=(snooze,)))
    assert keys(s, utc(2026, 12, 29, 9)) == {"U1": "reminder:2027-01-01:d7"}  # d3 skipped: the d7 one is latest
    assert keys(s, utc(2026, 12, 30, 8)) == {"U1": "reminder:2027-01-01:d7:later"}
    assert keys(s, utc(2026, 12, 31, 8)) == {"U1": "reminder:2027-01-01:d1"}
    escalated = replace(s, escalation=True)
    due = due_at(escalated, utc(2026, 12, 29, 9)).reminders
    assert [(r.key, r.escalated) for r in due] == [("reminder:2027-01-01:d3", True)]  # escalation goes through


def test_snooze_choices_stop_48_hours_before_the_renewal_day_ends() -> None:
    r = date(2027, 1, 1)

    def choices(days_before: int, now: datetime) -> tuple[int, ...]:
        return snooze_choices(days_before, now, renewal=r, account_tz=BXL, recipient_tz=BXL)

    assert choices(14, utc(2026, 12, 18, 8)) == (1, 3)
    assert choices(7, utc(2026, 12, 29, 10)) == (1,)
    assert choices(7, utc(2026, 12, 30, 10)) == ()
    assert choices(3, utc(2026, 12, 29, 8)) == ()  # d3, d1, d0: never
    tokyo = snooze_until(7, 1, utc(2026, 12, 29, 10), renewal=r, account_tz=BXL, recipient_tz="Asia/Tokyo")
    assert tokyo == utc(2026, 12, 30, 0)  # 09:00 Tokyo on Wed 30 Dec (it is 19:00 there on the 29th)
    assert snooze_until(7, 2, utc(2026, 12, 20), renewal=r, account_tz=BXL, recipient_tz=BXL) is None


def test_all_set_only_for_those_reminded_and_only_once() -> None:
    renewal = date(2027, 1, 1)
    s = state(
        renewal,
        Recipient("C1", BXL, reminded=True),
        Recipient("U1", BXL, member_id=1),
        Recipient("U2", BXL, member_id=2, reminded=True, all_set=True),
        active=7,
    )
    assert keys(s, utc(2026, 12, 29, 8)) == {"C1": "allset:2027-01-01"}


@settings(max_examples=200, deadline=None)
@given(
    minutes=st.integers(min_value=0, max_value=40 * 24 * 60),
    zone=st.sampled_from([BXL, NY, "Asia/Tokyo", "Pacific/Auckland", "Pacific/Honolulu"]),
)
def test_at_most_one_due_per_recipient_never_in_the_future(minutes: int, zone: str) -> None:
    now = utc(2026, 12, 1) + timedelta(minutes=minutes)
    s = state(date(2027, 1, 1), Recipient("C1", BXL), Recipient("U1", zone, member_id=1))
    due = due_at(s, now)
    assert len({r.target for r in due.reminders}) == len(due.reminders)
    assert all(r.at <= now for r in due.reminders) and due.next_wakeup > now
