"""The database connection lost between two steps of processing a renewal: nothing of it is kept, and
a later pass completes it exactly once. (test_renewal.py crashes the process's code between two steps;
here the database itself fails: on an UPDATE of the users, and when the summary is queued.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.testing.slack_standin import SlackStandIn
from bot.worker import tick as tick_module
from bot.worker.sender import Sender
from store import models
from store.db import Database
from tests.bot.worker.scenario import RENEWAL_OVER, TEAM, account_row, audit_actions, deliveries, run
from tests.dbsnapshot import changes, snapshot
from tests.faults import statement_fails


@pytest.mark.parametrize("statement", ["UPDATE members", "INSERT INTO deliveries"])
def test_a_lost_connection_mid_renewal_keeps_nothing_and_a_rerun_completes_once(
    db: Database, team: str, sender: Sender, standin: SlackStandIn, statement: str
) -> None:
    before = snapshot(db)
    with statement_fails(db, statement) as failed:
        report = run(db, sender, RENEWAL_OVER)
    assert failed
    [account] = report.tick.accounts
    assert account.error is not None
    lost = changes(before, snapshot(db))
    assert set(lost) <= {"accounts", "audit_log"}  # only the failure is recorded (worker.failed, retry time)
    assert account_row(db, TEAM).last_processed_renewal is None
    assert deliveries(db) == [] and standin.posts() == []

    run(db, sender, RENEWAL_OVER + tick_module.RETRY_AFTER)
    run(db, sender, RENEWAL_OVER + tick_module.RETRY_AFTER * 2)
    actions = [a for a, _ in audit_actions(db, TEAM)]
    assert actions.count("renewal.processed") == 1 and actions.count("member.deactivated") == 2
    with db.transaction() as s:
        statuses = list(s.scalars(select(models.ReductionRequest.status)))
    assert statuses == ["applied"]
    assert [key for key, *_ in deliveries(db)] == ["renewal:2027-01-01"] * 3
    assert len(standin.posts()) == 3  # the summary, once per recipient
