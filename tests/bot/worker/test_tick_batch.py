"""The tick's batches (bot/worker/tick_batch.py): a handful of statements per batch of due accounts, the same
outbox as one account at a time, and one account's failure neither loses the others' work nor is hidden."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, select, update

from bot.core.audit import AuditAction
from bot.worker import tick_batch
from bot.worker.tick import RETRY_AFTER, tick_accounts
from store import models
from store.db import Database
from tests.bot.worker.scenario import D3, D7, NOTICES, deliveries, standard_team

TEAMS = [f"T{n:04d}" for n in range(1, 13)]


@pytest.fixture
def teams(db: Database) -> list[str]:
    for team in TEAMS:
        standard_team(db, team)
    return TEAMS


def _queued(db: Database) -> Counter[str]:
    """Outbox rows per key."""
    return Counter(key for key, _target, _status, _attempts in deliveries(db))


def test_a_batch_of_due_accounts_costs_a_few_statements_not_a_few_per_account(db: Database, teams: list[str]) -> None:
    tick_accounts(db, D7, notices=NOTICES)  # the d14 reminder missed: d7 is the one due
    for team in teams[:2]:
        standard_team(db, team + "X")
    with db.transaction() as s:  # every account due again for its d3 reminder
        s.execute(update(models.Account).values(next_tick_at=D3))
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = tick_accounts(db, D3, notices=NOTICES)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(report.accounts) == 14 and not report.failures
    assert statements <= 25  # one account at a time: ~20 per account (280 here)
    assert _queued(db)["reminder:2027-01-01:d3"] == 14 * 3  # the channel and two admins each


def test_a_second_pass_at_the_same_instant_queues_nothing_twice(db: Database, teams: list[str]) -> None:
    first = tick_accounts(db, D7, notices=NOTICES)
    assert sum(sum(a.queued.values()) for a in first.accounts) == len(teams) * 3
    with db.transaction() as s:
        s.execute(update(models.Account).values(next_tick_at=D7))
    again = tick_accounts(db, D7, notices=NOTICES)
    assert sum(sum(a.queued.values()) for a in again.accounts) == 0
    assert _queued(db) == Counter({"reminder:2027-01-01:d7": len(teams) * 3})


def test_an_account_that_fails_in_a_batch_is_recorded_and_retried_the_others_are_queued(
    db: Database, teams: list[str]
) -> None:
    with db.transaction() as s:  # garbage only this account's decision trips over
        s.execute(update(models.Account).where(models.Account.slack_team_id == teams[4]).values(reminder_days="x"))
    report = tick_accounts(db, D7, notices=NOTICES)
    assert [a.team for a in report.failures] == [teams[4]]
    assert _queued(db)["reminder:2027-01-01:d7"] == (len(teams) - 1) * 3
    with db.transaction() as s:
        broken = s.scalars(select(models.Account).where(models.Account.slack_team_id == teams[4])).one()
        assert broken.next_tick_at == D7 + RETRY_AFTER
        failed = s.scalars(
            select(models.AuditEntry.action).where(
                models.AuditEntry.account_id == broken.id, models.AuditEntry.action == AuditAction.WORKER_FAILED.value
            )
        ).all()
    assert len(failed) == 1


def test_when_a_batch_transaction_fails_each_account_is_done_on_its_own(
    db: Database, teams: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("the batch's insert failed")

    monkeypatch.setattr(tick_batch, "insert_planned", broken)
    report = tick_accounts(db, D7, notices=NOTICES)
    assert len(report.accounts) == len(teams) and not report.failures
    assert _queued(db) == Counter({"reminder:2027-01-01:d7": len(teams) * 3})
