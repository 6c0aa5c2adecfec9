"""Renewal processing through the tick: applied request, automatic deactivations, summary, crashes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import usecases
from bot.core.audit import Actor
from bot.core.statuses import RequestStatus
from bot.testing.slack_standin import SlackStandIn
from bot.worker import outbox
from bot.worker import tick as tick_module
from bot.worker.sender import Sender
from store import models, queries
from store.db import Database
from tests.bot.worker.scenario import (
    CHANNEL,
    RENEWAL_OVER,
    TEAM,
    account_row,
    audit_actions,
    deactivate,
    deliveries,
    grant_consent,
    member_states,
    run,
    standard_team,
    utc,
)
from tests.conftest import NOW
from tests.factories import member_rows


def _request_status(db: Database) -> str:
    with db.transaction() as s:
        account = queries.load_account(s, TEAM)
        return (
            s.scalars(select(models.ReductionRequest).where(models.ReductionRequest.account_id == account.id))
            .one()
            .status
        )


def _deactivated(db: Database) -> list[str]:
    return sorted(name for name, (status, how) in member_states(db, TEAM).items() if how == "automatic")


def test_renewal_applies_the_request_and_deactivates_the_newest_users(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    report = run(db, sender, RENEWAL_OVER)
    [outcome] = report.tick.accounts[0].renewals
    assert [m.name for m in outcome.deactivated] == ["User 8", "User 7"]  # most recently added first
    assert (outcome.seats_before, outcome.seats_after, outcome.late, outcome.unresolved) == (10, 7, False, 0)
    assert _request_status(db) == RequestStatus.APPLIED.value
    row = account_row(db, TEAM)
    assert row.licensed_seats == 7
    assert row.last_processed_renewal == date(2027, 1, 1)
    assert row.next_tick_at is not None and row.next_tick_at > RENEWAL_OVER
    assert _deactivated(db) == ["User 7", "User 8"]
    actions = [a for a, _ in audit_actions(db, TEAM)]
    assert actions.count("member.deactivated") == 2 and actions.count("renewal.processed") == 1
    # The summary reaches the admin channel and each admin.
    assert sorted(str(c.params["channel"]) for c in standin.posts()) == sorted([CHANNEL, "DU0000", "DU0001"])
    blocks = json.dumps(standin.posts()[0].params["blocks"])
    assert "10 \\u2192 7 licenses" in blocks and "User 8" in blocks and "User 7" in blocks
    assert "late" not in str(standin.posts()[0].params["text"])


def test_users_deactivated_on_the_renewal_day_still_count(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    deactivate(db, TEAM, "User 2", "User 3", now=utc(2027, 1, 1, 22, 30))  # 23:30 in Brussels
    run(db, sender, RENEWAL_OVER)
    assert _deactivated(db) == []
    assert _request_status(db) == RequestStatus.APPLIED.value
    assert "nobody was deactivated" in json.dumps(standin.posts()[0].params["blocks"])


def test_nothing_is_processed_before_the_renewal_day_is_over(db: Database, team: str, sender: Sender) -> None:
    run(db, sender, RENEWAL_OVER - timedelta(minutes=1))
    assert _request_status(db) == RequestStatus.PENDING.value
    assert account_row(db, TEAM).next_tick_at == RENEWAL_OVER


@pytest.mark.parametrize(
    ("admins", "consented", "expected"),
    [
        pytest.param((0, 1), (), ["User 7", "User 8"], id="plain-users"),
        pytest.param((0, 8), (), ["User 6", "User 7"], id="newest-is-an-admin-without-consent"),
        pytest.param((0, 8), ("U0008",), ["User 7", "User 8"], id="newest-admin-consented"),
        pytest.param((0, 7, 8), ("U0007",), ["User 6", "User 7"], id="one-of-two-consented"),
    ],
)
def test_admins_are_deactivated_only_with_consent(
    db: Database, sender: Sender, admins: Sequence[int], consented: Sequence[str], expected: list[str]
) -> None:
    standard_team(db, admins=admins)
    for user in consented:
        grant_consent(db, TEAM, user)
    run(db, sender, RENEWAL_OVER)
    assert _deactivated(db) == expected


def test_when_only_admins_without_consent_are_left_it_does_what_it_can_and_says_so(
    db: Database, sender: Sender, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standard_team(db, members=4, seats=4, remove=2)  # 4 -> 2: admins User 0 and User 1 fit
    # After the request User 3 becomes an admin too (no consent): only User 2 can be chosen.
    usecases.import_members(db, team=TEAM, rows=member_rows(4, admins=(0, 1, 3)), now=NOW)
    report = run(db, sender, RENEWAL_OVER)
    [outcome] = report.tick.accounts[0].renewals
    assert [m.name for m in outcome.deactivated] == ["User 2"]
    assert outcome.unresolved == 1
    assert _deactivated(db) == ["User 2"]
    assert {n for n, (status, _) in member_states(db, TEAM).items() if status == "active"} == {
        "User 0",
        "User 1",
        "User 3",
    }
    incomplete = [d for a, d in audit_actions(db, TEAM) if a == "renewal.incomplete"]
    assert incomplete and incomplete[0]["unresolved"] == 1
    assert "could not be deactivated automatically" in caplog.text
    blocks = json.dumps(standin.posts()[0].params["blocks"])
    assert "1 user could not be deactivated automatically" in blocks
    assert "3 users are active for 2 licenses" in blocks


def test_a_renewal_without_request_moves_on_quietly(db: Database, sender: Sender, standin: SlackStandIn) -> None:
    standard_team(db, members=10, remove=None)
    report = run(db, sender, RENEWAL_OVER)
    [outcome] = report.tick.accounts[0].renewals
    assert outcome.request_id is None
    assert account_row(db, TEAM).last_processed_renewal == date(2027, 1, 1)
    assert account_row(db, TEAM).licensed_seats == 10
    assert standin.posts() == []
    # The next renewal follows from the anchor.
    run(db, sender, utc(2027, 4, 1, 21, 59))
    assert account_row(db, TEAM).last_processed_renewal == date(2027, 1, 1)
    run(db, sender, utc(2027, 4, 1, 22))  # CEST: 1 Apr ends at 22:00 UTC
    assert account_row(db, TEAM).last_processed_renewal == date(2027, 4, 1)


def test_a_renewal_is_processed_once(db: Database, team: str, sender: Sender, standin: SlackStandIn) -> None:
    run(db, sender, RENEWAL_OVER)
    run(db, sender, RENEWAL_OVER)
    usecases.set_admin_channel(db, team=TEAM, actor=Actor.slack("U0000"), channel="C0NEW", now=RENEWAL_OVER)
    run(db, sender, RENEWAL_OVER + timedelta(minutes=1))
    actions = [a for a, _ in audit_actions(db, TEAM)]
    assert actions.count("renewal.processed") == 1
    assert actions.count("member.deactivated") == 2
    assert account_row(db, TEAM).licensed_seats == 7


def test_after_a_long_downtime_every_overdue_renewal_is_processed_and_called_late(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    report = run(db, sender, utc(2027, 4, 5, 9))
    renewals = report.tick.accounts[0].renewals
    assert [(r.renewal, r.late, r.request_id is not None) for r in renewals] == [
        (date(2027, 1, 1), True, True),
        (date(2027, 4, 1), True, False),
    ]
    assert account_row(db, TEAM).last_processed_renewal == date(2027, 4, 1)
    assert {k for k, *_ in deliveries(db)} == {"renewal:2027-01-01"}
    assert all("(late)" in str(c.params["text"]) for c in standin.posts())


class Crash(RuntimeError):
    pass


def test_a_crash_between_two_steps_rolls_back_and_a_rerun_completes_once(
    db: Database, team: str, sender: Sender, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_audit = queries.audit
    calls: list[str] = []

    def audit_then_crash(*args: Any, **kwargs: Any) -> None:
        calls.append(args[3])
        if len(calls) == 1:  # the users are deactivated (one UPDATE), the renewal's own audit entry dies
            raise Crash("power cut")
        real_audit(*args, **kwargs)

    monkeypatch.setattr("bot.worker.renewal.audit", audit_then_crash)
    report = run(db, sender, RENEWAL_OVER)
    [failed] = report.tick.accounts
    assert failed.error is not None and "power cut" in failed.error
    # Nothing of the half-done processing is left.
    assert _request_status(db) == RequestStatus.PENDING.value
    assert _deactivated(db) == []
    assert account_row(db, TEAM).last_processed_renewal is None
    assert deliveries(db) == [] and standin.posts() == []
    assert "worker.failed" in [a for a, _ in audit_actions(db, TEAM)]

    monkeypatch.setattr("bot.worker.renewal.audit", real_audit)
    assert run(db, sender, RENEWAL_OVER + timedelta(minutes=1)).tick.accounts == []  # retried a bit later
    run(db, sender, RENEWAL_OVER + tick_module.RETRY_AFTER)
    run(db, sender, RENEWAL_OVER + tick_module.RETRY_AFTER)
    assert _deactivated(db) == ["User 7", "User 8"]
    assert [a for a, _ in audit_actions(db, TEAM)].count("renewal.processed") == 1
    assert len(standin.posts()) == 3


def test_a_crash_after_queueing_the_summary_keeps_nothing(
    db: Database, team: str, sender: Sender, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_queue = outbox.queue

    def queue_then_crash(*args: Any, **kwargs: Any) -> int:
        real_queue(*args, **kwargs)
        raise Crash("killed after queueing")

    monkeypatch.setattr("bot.worker.tick.queue", queue_then_crash)
    run(db, sender, RENEWAL_OVER)
    assert deliveries(db) == [] and _deactivated(db) == []
    monkeypatch.setattr("bot.worker.tick.queue", real_queue)
    run(db, sender, RENEWAL_OVER + tick_module.RETRY_AFTER)
    assert [k for k, *_ in deliveries(db)] == ["renewal:2027-01-01"] * 3
    assert len(standin.posts()) == 3


def test_before_renewal_runs_first_and_its_changes_count(
    db: Database, team: str, sender: Sender, standin: SlackStandIn
) -> None:
    seen: list[tuple[str, datetime]] = []

    def sync(database: Database, team_id: str, now: datetime) -> None:
        seen.append((team_id, now))
        deactivate(database, team_id, "User 3", "User 4", now=now)  # e.g. users removed in Teamleader

    run(db, sender, RENEWAL_OVER - timedelta(hours=1), before_renewal=sync)
    assert seen == []  # nothing to process yet
    run(db, sender, RENEWAL_OVER, before_renewal=sync)
    assert seen == [(TEAM, RENEWAL_OVER)]
    assert _deactivated(db) == []
    assert _request_status(db) == RequestStatus.APPLIED.value


def test_a_failing_before_renewal_postpones_processing(db: Database, team: str, sender: Sender) -> None:
    def broken(database: Database, team_id: str, now: datetime) -> None:
        raise ConnectionError("Teamleader is down")

    report = run(db, sender, RENEWAL_OVER, before_renewal=broken)
    assert report.tick.accounts[0].error is not None and "Teamleader is down" in report.tick.accounts[0].error
    assert _request_status(db) == RequestStatus.PENDING.value
    assert account_row(db, TEAM).next_tick_at == RENEWAL_OVER + tick_module.RETRY_AFTER
    run(db, sender, RENEWAL_OVER + tick_module.RETRY_AFTER)
    assert _request_status(db) == RequestStatus.APPLIED.value
