"""The renewal processing (bot.worker) deactivates an admin automatically only after their consent."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import usecases
from bot.cli.wiring import slack_notices
from bot.core.audit import Actor
from bot.usecases import consent_answers
from bot.worker.loop import run_once
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import TEAM, ask, granted, who
from tests.factories import add_account, add_members
from tests.handlers.helpers import member

AFTER_RENEWAL = date(2027, 1, 1)


@pytest.mark.parametrize(
    ("state", "deactivated"),
    [
        ("not asked", "User 1"),
        ("requested", "User 1"),
        ("declined", "User 1"),
        ("granted", "User 3"),  # the most recently added user, an admin who consented
        ("revoked", "User 1"),
    ],
)
def test_an_admin_is_deactivated_at_renewal_only_with_consent(db: Database, state: str, deactivated: str) -> None:
    add_account(db, seats=4, renews=AFTER_RENEWAL)
    add_members(db, TEAM, 4, admins=(0, 2, 3))  # the two newest users are admins
    if state == "granted":
        granted(db, 0, 3)
    elif state == "revoked":
        c = granted(db, 0, 3)
        consent_answers.revoke(db, consent_id=c.id, who=who(3), now=NOW)
    elif state != "not asked":
        c = ask(db, 0, 3)
        if state == "declined":
            consent_answers.decline(db, consent_id=c.id, who=who(3), now=NOW)
    usecases.submit_reduction(db, team=TEAM, actor=Actor.slack("U0000"), seats=1, now=NOW)
    run_once(
        db, None, datetime(2027, 1, 1, 23, tzinfo=UTC), notices=slack_notices()
    )  # the renewal day is over: it is processed
    gone = [f"User {i}" for i in range(4) if member(db, f"user{i}@example.com").status == "deactivated"]
    assert gone == [deactivated]
