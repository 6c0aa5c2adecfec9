"""Cancelling the pending request: `/licenses cancel` asks first; buttons carry Slack's confirm dialog."""

from __future__ import annotations

from bot import usecases
from bot.core.audit import Actor
from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2, USER
from tests.handlers.helpers import action_ids, audit_actions, last_reply, posts, replies, requests


def pending(db: Database, team: str, n: int = 3) -> int:
    return usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN2), seats=n, now=NOW).request.id


def test_cancel_asks_for_confirmation_first_and_changes_nothing_yet(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    rid = pending(db, team)
    slack.command(ADMIN, "cancel")
    answer = replies(standin)[-1].params
    assert "Cancel request #1 to remove 3 licenses at the renewal of Fri 01 Jan 2027?" in last_reply(standin)
    assert action_ids(answer["blocks"]) == [Action.CONFIRM_CANCEL]
    assert answer["blocks"][-1]["elements"][0]["value"] == str(rid)
    assert [r.status for r in requests(db)] == ["pending"]


def test_confirming_cancels_keeps_the_history_posts_and_refreshes_homes(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    rid = pending(db, team)
    slack.click(ADMIN, Action.CONFIRM_CANCEL, str(rid))
    [row] = requests(db)
    assert (row.status, row.cancelled_by) == ("cancelled", ADMIN)
    answer = replies(standin)[-1].params
    assert answer["replace_original"] is True  # the question is replaced by the outcome
    assert "Request #1 to remove 3 licenses at the renewal of Fri 01 Jan 2027 is cancelled" in message_to_text(answer)
    assert posts(standin, "C0ADMINS") == [
        "@U0000 cancelled request #1 to remove 3 licenses at the renewal of Fri 01 Jan 2027."
    ]
    assert sorted(standin.homes) == [ADMIN, ADMIN2]
    assert audit_actions(db)[-1] == "request.cancelled"


def test_a_second_confirmation_finds_nothing_to_cancel(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    rid = pending(db, team)
    slack.click(ADMIN, Action.CONFIRM_CANCEL, str(rid))
    slack.click(ADMIN2, Action.CONFIRM_CANCEL, str(rid))
    assert "There is no pending license reduction to cancel" in last_reply(standin)
    assert audit_actions(db).count("request.cancelled") == 1


def test_an_old_button_does_not_cancel_a_newer_request(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    old = pending(db, team)
    usecases.cancel_request(db, team=team, actor=Actor.slack(ADMIN), now=NOW)
    pending(db, team, 2)
    slack.click(ADMIN, Action.CANCEL_REQUEST, str(old))
    assert [r.status for r in requests(db)] == ["cancelled", "pending"]
    assert "There is no pending license reduction to cancel" in last_reply(standin)


def test_the_cancel_button_in_app_home_answers_in_a_dm(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    rid = pending(db, team)
    slack.click(ADMIN, Action.CANCEL_REQUEST, str(rid), where="home")
    assert [r.status for r in requests(db)] == ["cancelled"]
    assert any("is cancelled" in text for text in posts(standin, ADMIN))


def test_nothing_pending_is_said_plainly(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.command(ADMIN, "cancel")
    assert last_reply(standin) == "There is no pending request to cancel."


def test_a_non_admin_cannot_cancel(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    rid = pending(db, team)
    slack.command(USER, "cancel")
    assert last_reply(standin).startswith("Only account admins can change licenses.")
    slack.click(USER, Action.CONFIRM_CANCEL, str(rid))
    assert "Only account admins can change licenses" in last_reply(standin)
    assert [r.status for r in requests(db)] == ["pending"]
    assert standin.calls_to("views.publish") == []
