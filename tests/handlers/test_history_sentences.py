"""Issue 15: history and "Recent activity" are sentences for people, never internal entries."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import usecases
from bot.cli.wiring import slack_notices
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import AccountChanges
from bot.worker.loop import run_once
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, Clock
from tests.handlers.helpers import audit_actions, home_text, last_reply

D14 = datetime(2026, 12, 18, 8, tzinfo=UTC)  # the d14 reminder of the renewal of 1 Jan 2027 (Brussels)


def test_history_reads_as_sentences_without_internal_entries(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, clock: Clock
) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=5, now=NOW)
    usecases.update_account(db, team=team, changes=AccountChanges(price_per_seat="12.50"), now=NOW)
    run_once(db, None, D14, notices=slack_notices())  # queues the d14 reminder: an internal entry
    assert "message.queued" in audit_actions(db)
    clock.now = D14
    slack.command(ADMIN, "history")
    text = last_reply(standin)
    assert "@U0000 requested to remove 5 licenses at the renewal of Fri 01 Jan 2027" in text
    assert "an operator changed the price per license to 12.50" in text
    for internal in ("message.queued", "worker:", "key=", "recipients=", "price_per_seat="):
        assert internal not in text, text
    slack.open_home(ADMIN)
    assert "message.queued" not in home_text(standin, ADMIN)


def test_a_request_for_an_addon_line_names_the_line() -> None:
    """Issue 19: an add-on line's request reads with its line (the guarded case comes first)."""
    from datetime import UTC, datetime

    from bot.core.audit import ActivityEntry, AuditAction
    from handlers.blocks.activity import describe

    entry = ActivityEntry(
        at=datetime(2026, 11, 26, tzinfo=UTC),
        actor="U0000",
        action=AuditAction.REQUEST_SUBMITTED.value,
        details={"request": 3, "seats_removed": 2, "renewal": "2027-01-01", "line": 1, "line_name": "Booster"},
    )
    assert "of Booster at the renewal of" in describe(entry)
