"""Remind me later and user_change events through the real Bolt app."""

from __future__ import annotations

from datetime import date

from bot import usecases
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.blocks.notices import snooze_value
from handlers.ids import Action
from store import queries
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, TEAM, USER
from tests.handlers.helpers import audit_actions, last_reply

RENEWAL = date(2027, 1, 1)


def _timezone(db: Database, user: str) -> str | None:
    with db.transaction() as s:
        member = queries.member_for_slack_user(s, queries.load_account(s, TEAM).id, user)
        assert member is not None
        return member.timezone


def test_remind_me_later_is_stored_and_confirmed(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=4, now=NOW)
    assert slack.click(ADMIN, Action.SNOOZE, snooze_value(RENEWAL, 14, 3), channel="DU0000").status == 200
    assert last_reply(standin).startswith("⏰ Snoozed: I remind you again on Sun 29 Nov 2026 at 09:00")
    assert "reminder.snoozed" in audit_actions(db)


def test_remind_me_later_refusals_are_answers(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    assert slack.click(ADMIN, Action.SNOOZE, snooze_value(RENEWAL, 14, 3)).status == 200
    assert "No request is pending" in last_reply(standin)
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=4, now=NOW)
    for value in ("x", '{"r":"2027-01-01","d":14,"n":2}', '{"r":"2027-01-01","d":true,"n":1}'):
        assert slack.click(ADMIN, Action.SNOOZE, value).status == 200
        assert "does not name a reminder" in last_reply(standin)
    slack.click(USER, Action.SNOOZE, snooze_value(RENEWAL, 14, 1))
    assert "Only account admins" in last_reply(standin)
    assert "reminder.snoozed" not in audit_actions(db)


def test_a_user_change_event_stores_the_timezone(slack: SlackSim, team: str, db: Database) -> None:
    event = {"type": "user_change", "user": {"id": "U0001", "team_id": TEAM, "tz": "America/New_York"}}
    assert slack.event(event).status == 200
    assert _timezone(db, "U0001") == "America/New_York"
    slack.event({"type": "user_change", "user": {"id": "U0001", "tz": "Not/AZone"}})
    slack.event({"type": "user_change", "user": "nonsense"})
    assert _timezone(db, "U0001") == "America/New_York"
