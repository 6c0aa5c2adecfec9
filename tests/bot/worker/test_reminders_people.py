"""Reminders that respect people: each admin's own 09:00, snoozes, the d3 escalation, quiet when all set.

The standard team: 9 users, admins User 0 (U0000, Brussels like the account) and User 1 (U0001), 10
licenses of which the request removes 3 (2 users must go), renewal Fri 1 Jan 2027 (Europe/Brussels).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.testing.blocktext import message_to_text
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import people
from bot.usecases.snooze import snooze_reminder
from bot.worker.sender import Sender
from handlers.ids import Action
from store.db import Database
from tests.bot.worker.scenario import (
    CHANNEL,
    D1,
    D3,
    D7,
    D14,
    RENEWAL,
    TEAM,
    account_row,
    audit_actions,
    deactivate,
    deliveries,
    run,
    utc,
)

NY = "America/New_York"
NY_D7 = utc(2026, 12, 25, 14)  # 09:00 EST
NY_D3 = utc(2026, 12, 29, 14)
NY_D1 = utc(2026, 12, 31, 14)


def _in_new_york(db: Database, user: str = "U0001") -> None:
    assert people.store_timezone(db, team=TEAM, user_id=user, timezone=NY, now=D14 - timedelta(days=2))


def _queued(db: Database, since: int = 0) -> list[tuple[str, str]]:
    return [(key, target) for key, target, _, _ in deliveries(db)[since:]]


def _texts(standin: SlackStandIn, channel: str) -> list[str]:
    return [message_to_text(c.params) for c in standin.posts() if c.params["channel"] == channel]


def test_a_dm_goes_at_09_00_in_the_admins_own_timezone(db: Database, team: str, sender: Sender) -> None:
    _in_new_york(db)
    run(db, sender, D14)
    run(db, sender, D14 + timedelta(hours=6))  # his d14 at 09:00 New York
    assert [t for _, t in _queued(db)] == [CHANNEL, "U0000", "U0001"]
    run(db, sender, D7)  # 09:00 Brussels = 03:00 New York
    assert _queued(db, 3) == [("reminder:2027-01-01:d7", CHANNEL), ("reminder:2027-01-01:d7", "U0000")]
    assert account_row(db, team).next_tick_at == NY_D7  # the next instant anything is due: his 09:00
    run(db, sender, NY_D7 - timedelta(minutes=1))
    assert len(deliveries(db)) == 5
    run(db, sender, NY_D7)
    assert _queued(db, 5) == [("reminder:2027-01-01:d7", "U0001")]
    run(db, sender, NY_D7 + timedelta(minutes=5))  # another worker, a re-run: nothing twice
    assert len(deliveries(db)) == 6


def test_no_flood_after_downtime_per_recipient(db: Database, team: str, sender: Sender) -> None:
    _in_new_york(db)
    run(db, sender, D1 + timedelta(hours=1))  # down since before d14: 10:00 Brussels, 04:00 New York on d1
    assert sorted(_queued(db)) == [("reminder:2027-01-01:d1", CHANNEL), ("reminder:2027-01-01:d1", "U0000")]
    # his latest due one is 2 days late and his d1 comes at his 09:00, in 5 hours: only that one, then
    assert account_row(db, team).next_tick_at == NY_D1
    run(db, sender, NY_D1)
    assert _queued(db)[2:] == [("reminder:2027-01-01:d1", "U0001")]


def test_after_downtime_the_latest_late_reminder_still_goes_when_the_next_is_far(
    db: Database, team: str, sender: Sender
) -> None:
    _in_new_york(db)
    run(db, sender, D7 + timedelta(days=2))  # Sun 27 Dec 09:00 Brussels: d7 is 2 days late, d3 two days away
    assert sorted(t for k, t in _queued(db) if k.endswith(":d7")) == [CHANNEL, "U0000", "U0001"]


def test_an_unknown_or_missing_timezone_keeps_the_accounts(db: Database, team: str) -> None:
    assert not people.store_timezone(db, team=TEAM, user_id="U0001", timezone="Mars/Olympus", now=D14)
    assert not people.store_timezone(db, team=TEAM, user_id="U0001", timezone=None, now=D14)
    _in_new_york(db)
    assert not people.store_timezone(db, team=TEAM, user_id="U0001", timezone=NY, now=D14)  # unchanged
    assert ("member.timezone_changed", {"member": 2, "before": None, "timezone": NY}) in audit_actions(db, TEAM)


def test_early_reminder_dms_offer_remind_me_later_and_the_channel_does_not(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    run(db, sender, D14)
    dm = next(c.params for c in standin.posts() if c.params["channel"] == "DU0000")
    post = next(c.params for c in standin.posts() if c.params["channel"] == CHANNEL)
    labels = [e["text"]["text"] for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Deactivate users", "Remind me later: tomorrow", "Remind me later: in 3 days"]
    assert Action.SNOOZE not in str(post["blocks"])
    run(db, sender, D1)
    dm = [c.params for c in standin.posts() if c.params["channel"] == "DU0000"][-1]
    assert "tomorrow" in dm["text"] and Action.SNOOZE not in str(dm["blocks"])  # d1 cannot be snoozed


def test_a_snoozed_reminder_comes_back_to_that_admin_only(db: Database, team: str, sender: Sender) -> None:
    run(db, sender, D14)
    done = snooze_reminder(
        db,
        team=TEAM,
        actor=Actor.slack("U0000"),
        renewal=RENEWAL,
        days_before=14,
        choice=3,
        now=D14 + timedelta(hours=1),
    )
    assert done.until == utc(2026, 12, 21, 8)  # in 3 days, 09:00 Brussels
    run(db, sender, D14 + timedelta(hours=2))  # the snooze woke the account: its next wakeup is the snooze's end
    assert account_row(db, team).next_tick_at == done.until
    before = len(deliveries(db))
    run(db, sender, done.until)
    assert _queued(db, before) == [("reminder:2027-01-01:d14:later", "U0000")]
    snoozed = [(a, d) for a, d in audit_actions(db, TEAM) if a == "reminder.snoozed"]
    assert snoozed == [
        ("reminder.snoozed", {"member": 1, "renewal": "2027-01-01", "reminder": "d14", "until": done.until.isoformat()})
    ]
    run(db, sender, D7)
    assert {t for k, t in _queued(db) if k.endswith(":d7")} == {CHANNEL, "U0000", "U0001"}


def test_snoozes_never_reach_the_last_48_hours_and_d1_cannot_be_snoozed(db: Database, team: str) -> None:
    admin = Actor.slack("U0000")
    late = utc(2026, 12, 29, 10)  # Tue 29 Dec: the renewal day ends Sat 2 Jan 00:00, 48 h before is Thu 31 00:00
    done = snooze_reminder(db, team=TEAM, actor=admin, renewal=RENEWAL, days_before=7, choice=1, now=late)
    assert done.until == utc(2026, 12, 30, 8)
    with pytest.raises(UserError, match="last 48 hours"):
        snooze_reminder(db, team=TEAM, actor=admin, renewal=RENEWAL, days_before=7, choice=3, now=late)
    with pytest.raises(UserError, match="cannot be snoozed"):
        snooze_reminder(db, team=TEAM, actor=admin, renewal=RENEWAL, days_before=1, choice=1, now=D1)
    with pytest.raises(UserError, match="Only account admins"):
        snooze_reminder(db, team=TEAM, actor=Actor.slack("U0005"), renewal=RENEWAL, days_before=7, choice=1, now=D7)
    with pytest.raises(UserError, match="No request is pending"):
        snooze_reminder(db, team=TEAM, actor=admin, renewal=RENEWAL.replace(month=4), days_before=7, choice=1, now=D7)


def _late_snooze_over_d3(db: Database) -> None:
    """U0001 snoozes the d7 reminder late (Sun 27 Dec) for 3 days: until Wed 30 Dec, over the d3 reminder."""
    done = snooze_reminder(
        db, team=TEAM, actor=Actor.slack("U0001"), renewal=RENEWAL, days_before=7, choice=3, now=utc(2026, 12, 27, 9)
    )
    assert done.until == utc(2026, 12, 30, 8)


def test_the_d3_reminder_escalates_when_nobody_acted_since_d7(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    run(db, sender, D7)
    _late_snooze_over_d3(db)
    run(db, sender, D3)
    d3 = [(k, t) for k, t in _queued(db) if k.endswith(":d3")]
    assert sorted(t for _, t in d3) == [CHANNEL, "U0000", "U0001"]  # the snoozer too
    channel = _texts(standin, CHANNEL)[-1]
    assert channel.startswith("Escalation: 2 users to deactivate by Fri 01 Jan 2027")
    assert "Nobody has acted since the last reminder" in channel and "Admins: @U0000 @U0001" in channel
    raw = next(c.params for c in reversed(standin.posts()) if c.params["channel"] == CHANNEL)
    assert "<@U0000> <@U0001>" in str(raw["blocks"])  # real mentions: the admins are notified
    assert "• User 8\n• User 7" in channel  # who goes automatically
    dm = _texts(standin, "DU0001")[-1]
    assert "Nobody has acted since the last reminder" in dm and "@U0000" not in dm
    assert ("reminder.escalated", {"key": "reminder:2027-01-01:d3", "recipients": 3}) in audit_actions(db, TEAM)


def test_no_escalation_after_an_admin_acted(db: Database, team: str, sender: Sender, standin: SlackStandIn) -> None:
    run(db, sender, D7)
    _late_snooze_over_d3(db)
    deactivate(db, TEAM, "User 8", now=D7 + timedelta(days=1))  # one must still go
    run(db, sender, D3)
    assert sorted(t for k, t in _queued(db) if k.endswith(":d3")) == [CHANNEL, "U0000"]  # the snooze holds
    assert "Nobody has acted" not in _texts(standin, CHANNEL)[-1]
    assert not [a for a, _ in audit_actions(db, TEAM) if a == "reminder.escalated"]


def test_escalation_can_be_turned_off_per_account(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    usecases.update_account(db, team=TEAM, changes=usecases.AccountChanges(escalate=False), now=D7)
    run(db, sender, D7)
    run(db, sender, D3)
    assert "Escalation" not in _texts(standin, CHANNEL)[-1]


def test_quiet_when_all_set_one_short_message_to_those_reminded(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    run(db, sender, D7)
    deactivate(db, TEAM, "User 8", "User 7", now=D7 + timedelta(days=1))  # the shortfall falls to 0
    before = len(deliveries(db))
    run(db, sender, D3)
    assert sorted(_queued(db, before)) == [("allset:2027-01-01", t) for t in sorted([CHANNEL, "U0000", "U0001"])]
    assert "is all set for the renewal of Fri 01 Jan 2027" in _texts(standin, CHANNEL)[-1]
    run(db, sender, D1)
    assert len(deliveries(db)) == before + 3  # once: no reminder, no second "all set"


def test_no_reminder_and_no_all_set_when_nothing_was_ever_to_do(db: Database, sender: Sender) -> None:
    from tests.bot.worker.scenario import standard_team

    standard_team(db, remove=1)  # 9 active users for 9 licenses
    for now in (D14, D7, D3, D1):
        run(db, sender, now)
    assert deliveries(db) == []
