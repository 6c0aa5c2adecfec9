"""The tick over a real database and a Web API stand-in: reminders, the unused-seats note, wakeups."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot import usecases
from bot.testing.slack_standin import SlackStandIn
from bot.worker.sender import Sender
from bot.worker.tick import due_account_ids
from handlers.ids import Action
from store import queries
from store.db import Database
from tests.bot.worker.scenario import (
    ADMIN,
    CHANNEL,
    D0,
    D1,
    D3,
    D7,
    D14,
    RENEWAL_OVER,
    TEAM,
    account_row,
    deactivate,
    deliveries,
    post_keys,
    posts,
    run,
    standard_team,
    utc,
)
from tests.conftest import NOW
from tests.factories import add_account, add_members

RECIPIENTS = [CHANNEL, "DU0000", "DU0001"]  # the admin channel and a DM to each admin


def _texts(standin: SlackStandIn) -> list[str]:
    return [str(c.params["text"]) for c in standin.posts()]


@pytest.mark.parametrize(
    ("now", "key", "when"),
    [
        pytest.param(D14, "reminder:2027-01-01:d14", "in 14 days", id="d14"),
        pytest.param(D7, "reminder:2027-01-01:d7", "in 7 days", id="d7"),
        pytest.param(D3, "reminder:2027-01-01:d3", "in 3 days", id="d3"),
        pytest.param(D1, "reminder:2027-01-01:d1", "tomorrow", id="d1"),
        pytest.param(D0, "reminder:2027-01-01:d0", "today", id="d0"),
    ],
)
def test_each_reminder_day_reaches_the_channel_and_every_admin_once(
    db: Database, team: str, sender: Sender, standin: SlackStandIn, now: datetime, key: str, when: str
) -> None:
    run(db, sender, now)
    assert sorted(post_keys(standin)) == sorted(RECIPIENTS)
    assert {k for k, *_ in deliveries(db)} == {key}
    assert all(status == "sent" for _, _, status, _ in deliveries(db))
    post = standin.posts()[0]
    blocks = json.dumps(post.params["blocks"])
    assert "2 users must still be deactivated" in blocks
    assert f"({when})" in blocks
    assert "User 8" in blocks and "User 7" in blocks and "User 6" not in blocks
    assert Action.OPEN_DEACTIVATE.value in blocks
    assert "Fri 01 Jan 2027" in str(post.params["text"])


def test_the_minute_before_0900_sends_nothing(db: Database, team: str, sender: Sender, standin: SlackStandIn) -> None:
    run(db, sender, D14 - timedelta(minutes=1))
    assert standin.posts() == []
    run(db, sender, D14)
    assert len(standin.posts()) == 3


def test_a_quarter_walked_through_sends_each_occasion_once(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    instants = [NOW, D14, D14 + timedelta(hours=5), D7, D7, D3, D1, D0, D0 + timedelta(hours=12), RENEWAL_OVER]
    for now in instants:
        run(db, sender, now)
    keys = [k for k, *_ in deliveries(db)]
    expected = ["d14", "d7", "d3", "d1", "d0"]
    assert keys == [f"reminder:2027-01-01:{d}" for d in expected for _ in RECIPIENTS] + ["renewal:2027-01-01"] * 3
    assert all(c == 1 for c in posts(standin).values())
    assert len(standin.posts()) == 18


def test_rerunning_a_tick_at_the_same_instant_sends_nothing_new(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    first = run(db, sender, D7)
    assert first.tick.accounts[0].queued == {"reminder:2027-01-01:d7": 3}
    again = run(db, sender, D7)
    assert again.tick.accounts == []  # the account is not due any more
    # Even when something wakes the account at the same instant, the occasion is not queued twice.
    usecases.set_admin_channel(db, team=TEAM, actor=ADMIN, channel="C0OTHER", now=D7)
    woken = run(db, sender, D7)
    assert woken.tick.accounts[0].queued == {"reminder:2027-01-01:d7": 1}  # only the new channel
    assert woken.delivery is not None and [o.target for o in woken.delivery.sent] == ["C0OTHER"]
    assert sorted(post_keys(standin)) == sorted([*RECIPIENTS, "C0OTHER"])


def test_no_reminder_once_enough_users_are_deactivated(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    deactivate(db, TEAM, "User 3", "User 4", now=D14 - timedelta(days=1))
    run(db, sender, D14)
    run(db, sender, D7)
    assert standin.posts() == []
    assert deliveries(db) == []


def test_the_reminder_names_who_is_left_after_a_manual_deactivation(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    deactivate(db, TEAM, "User 8", now=D14 - timedelta(days=1))
    run(db, sender, D14)
    blocks = json.dumps(standin.posts()[0].params["blocks"])
    assert "1 user must still be deactivated" in blocks
    assert "User 7" in blocks and "User 8" not in blocks


def test_catch_up_after_downtime_sends_only_the_latest_reminder(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    run(db, sender, D14)
    # The worker is down from D14 until two hours after the d3 reminder was due.
    run(db, sender, D3 + timedelta(hours=2))
    keys = [k for k, *_ in deliveries(db)]
    assert keys == ["reminder:2027-01-01:d14"] * 3 + ["reminder:2027-01-01:d3"] * 3
    assert len(standin.posts()) == 6


def test_down_over_the_renewal_processes_it_late_without_stale_reminders(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    run(db, sender, NOW)
    report = run(db, sender, utc(2027, 1, 3, 10))
    [account] = report.tick.accounts
    assert [r.late for r in account.renewals] == [True]
    assert {k for k, *_ in deliveries(db)} == {"renewal:2027-01-01"}
    texts = _texts(standin)
    assert len(texts) == 3 and all("(late)" in t for t in texts)
    assert "Processed late" in json.dumps(standin.posts()[0].params["blocks"])


def test_unused_seats_note_is_sent_once_seven_days_before_the_deadline(
    db: Database, sender: Sender, standin: SlackStandIn
) -> None:
    standard_team(db, members=8, remove=None)  # 10 licenses, 8 active users, no request
    note = utc(2026, 12, 10, 8)  # deadline Thu 17 Dec 2026 - 7 days, 09:00 Brussels
    run(db, sender, NOW)
    run(db, sender, note - timedelta(minutes=1))
    assert standin.posts() == []
    run(db, sender, note)
    run(db, sender, note + timedelta(days=2))
    assert sorted(post_keys(standin)) == sorted(RECIPIENTS)
    blocks = json.dumps(standin.posts()[0].params["blocks"], ensure_ascii=False)
    assert "2 licenses unused" in blocks
    assert "€180.00" in blocks  # 2 x 30.00 x 3 months
    assert "Thu 17 Dec 2026" in blocks
    assert Action.OPEN_REDUCE.value in blocks
    assert {k for k, *_ in deliveries(db)} == {"unused:2027-01-01"}


@pytest.mark.parametrize(
    ("members", "remove"),
    [pytest.param(10, None, id="no-unused-seats"), pytest.param(8, 1, id="request-pending")],
)
def test_no_unused_seats_note(
    db: Database, sender: Sender, standin: SlackStandIn, members: int, remove: int | None
) -> None:
    standard_team(db, members=members, remove=remove)
    run(db, sender, utc(2026, 12, 10, 8))
    assert standin.posts() == []


def test_new_accounts_are_due_at_once_and_ticks_skip_accounts_with_nothing_due(
    db: Database, sender: Sender, standin: SlackStandIn
) -> None:
    for team in ("T0001", "T0002", "T0003"):
        add_account(db, team)
        assert account_row(db, team).next_tick_at == NOW
    first = run(db, sender, NOW)
    assert sorted(a.team for a in first.tick.accounts) == ["T0001", "T0002", "T0003"]
    assert all(account_row(db, t).next_tick_at > NOW for t in ("T0001", "T0002", "T0003"))  # type: ignore[operator]
    later = NOW + timedelta(hours=1)
    assert run(db, sender, later).tick.accounts == []
    add_members(db, "T0002", 3)  # a use case that changes what is due wakes the account
    assert [a.team for a in run(db, sender, later).tick.accounts] == ["T0002"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda db, now: usecases.cancel_request(db, team=TEAM, actor=ADMIN, now=now), id="cancel"),
        pytest.param(
            lambda db, now: usecases.update_account(db, team=TEAM, changes=usecases.AccountChanges(seats=12), now=now),
            id="account-set",
        ),
        pytest.param(lambda db, now: deactivate(db, TEAM, "User 8", now=now), id="deactivate"),
    ],
)
def test_use_cases_wake_the_account(db: Database, team: str, sender: Sender, change: object) -> None:
    run(db, sender, D14)
    assert account_row(db, TEAM).next_tick_at == D7
    later = D14 + timedelta(hours=1)
    change(db, later)  # type: ignore[operator]
    assert account_row(db, TEAM).next_tick_at == later


def test_an_account_with_no_next_tick_is_due_at_once(db: Database, team: str, sender: Sender) -> None:
    run(db, sender, D14)
    with db.transaction() as s:
        queries.load_account(s, TEAM).next_tick_at = None  # what code that predates `wake` does
    report = run(db, sender, D14 + timedelta(minutes=1))
    assert [a.team for a in report.tick.accounts] == [TEAM]
    assert account_row(db, TEAM).next_tick_at == D7


def test_the_due_query_reads_only_due_accounts_through_the_index(db: Database) -> None:
    for n in range(30):
        add_account(db, f"T{n:04d}")
    run(db, None, NOW)  # every account now waits for a later instant
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert due_account_ids(db, NOW + timedelta(hours=1)) == []
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    selects = [(sql, params) for sql, params in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2
    with db.engine.connect() as conn:
        for sql, params in selects:
            if db.engine.dialect.name == "sqlite":
                plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                assert "USING COVERING INDEX ix_accounts_next_tick_at" in plan and "SCAN" not in plan, plan
            else:
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # tiny tables: prove an index path exists
                plan = " ".join(str(row[0]) for row in conn.exec_driver_sql("EXPLAIN " + sql, params))
                assert "ix_accounts_next_tick_at" in plan, plan
