"""Deactivating users by hand: never lowers the licenses; admins need written consent first."""

from __future__ import annotations

from bot import usecases
from bot.core.audit import Actor
from bot.testing.blocktext import view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action, Block, View
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2, USER
from tests.handlers.helpers import chosen, deactivate_confirmed, last_reply, member, posts

NOT_LOWERING = "Deactivating users does not lower the number of licenses"


def status(db: Database, email: str) -> str:
    return member(db, email).status


def test_deactivating_a_user_by_mention_says_it_does_not_lower_the_licenses(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    deactivate_confirmed(slack, standin, ADMIN, "deactivate <@U0005|user5> <@U0006>")
    assert status(db, "user5@example.com") == "deactivated"
    assert status(db, "user6@example.com") == "deactivated"
    text = last_reply(standin)
    assert "Deactivated: User 5, User 6." in text
    assert NOT_LOWERING in text
    assert "No request is pending: to lower the number of licenses, use `/licenses reduce`." in text
    assert usecases.license_page(db, team=team, now=NOW).terms.licensed_seats == 10
    assert sorted(standin.homes) == [ADMIN, ADMIN2]


def test_an_admin_is_not_deactivated_and_the_consent_step_is_named(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=2, now=NOW)
    deactivate_confirmed(slack, standin, ADMIN, "deactivate <@U0001> <@U0004>")
    assert status(db, "user1@example.com") == "active"
    assert status(db, "user4@example.com") == "deactivated"
    text = last_reply(standin)
    assert "User 1 is an admin and was not deactivated" in text
    assert "after they give written consent that their admin rights may be removed" in text
    assert NOT_LOWERING in text
    assert "use `/licenses reduce`" not in text  # a request is pending: it is named instead
    assert "Pending: request #1 removes 2 licenses at the renewal of Fri 01 Jan 2027." in text


def test_unknown_people_and_unreadable_text_deactivate_nobody(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "deactivate <@U0005> bob")
    assert "I could not read bob as users: nothing was deactivated." in last_reply(standin)
    assert status(db, "user5@example.com") == "active"
    slack.command(ADMIN, "deactivate <@U9999>")
    assert "Not members of this account (nothing done): @U9999." in last_reply(standin)


def test_a_non_admin_cannot_deactivate(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    slack.command(USER, "deactivate <@U0005>")
    assert last_reply(standin).startswith("Only account admins can change licenses.")
    assert status(db, "user5@example.com") == "active"
    slack.click(USER, Action.OPEN_DEACTIVATE)
    assert "submit" not in slack.modal()


def test_the_modal_lists_active_users_and_deactivates_the_chosen_ones(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    deactivate_confirmed(slack, standin, ADMIN, "deactivate <@U0007>")
    slack.command(ADMIN, "deactivate")  # without names: the modal
    assert [c.method for c in standin.calls][-2:] == ["views.open", "views.update"]
    modal = slack.modal()
    assert modal["callback_id"] == View.DEACTIVATE
    options = modal["blocks"][1]["element"]["options"]
    labels = [o["text"]["text"] for o in options]
    assert labels == ["User 0 (admin)", "User 1 (admin)", "User 2", "User 3", "User 4", "User 5", "User 6"]
    assert NOT_LOWERING in view_to_text(modal)
    user3 = member(db, "user3@example.com").id
    assert slack.submit(ADMIN, modal["id"], chosen(user3)).body == b""
    assert status(db, "user3@example.com") == "deactivated"
    dm = posts(standin, ADMIN)[-1]
    assert "Deactivated: User 3." in dm and NOT_LOWERING in dm


def test_the_modal_shows_problems_under_the_field(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.click(ADMIN, Action.OPEN_DEACTIVATE, where="home")
    view_id = slack.last_modal_id()
    empty = slack.submit(ADMIN, view_id, chosen()).json()
    assert empty == {"response_action": "errors", "errors": {Block.USERS: "Choose at least one user from the list."}}
    stranger = slack.submit(ADMIN, view_id, chosen(99999)).json()
    assert stranger["errors"][Block.USERS] == "Some of those users are not members of this account."
    assert posts(standin, ADMIN) == []


def test_the_command_asks_first_and_only_the_button_deactivates(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    slack.command(ADMIN, "deactivate <@U0005> <@U0006>")
    assert status(db, "user5@example.com") == "active"  # nothing yet
    question = last_reply(standin)
    assert "Deactivate 2 users? They lose access" in question and "• User 5" in question and "• User 6" in question
    assert "[Yes, deactivate 2 users]" in question
    value = ",".join(str(member(db, f"user{i}@example.com").id) for i in (5, 6))
    slack.click(USER, Action.CONFIRM_DEACTIVATE, value)  # a forged click by a non-admin
    assert status(db, "user5@example.com") == "active"
    slack.click(ADMIN, Action.CONFIRM_DEACTIVATE, value)
    assert status(db, "user5@example.com") == "deactivated" and status(db, "user6@example.com") == "deactivated"
    assert "Deactivated: User 5, User 6." in last_reply(standin)
    slack.click(ADMIN, Action.CONFIRM_DEACTIVATE, "5,x")
    assert "That button does not name users" in last_reply(standin)


def test_the_modal_marks_who_would_otherwise_go_automatically(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=4, now=NOW)  # 10 → 6: 2 of 8 go
    slack.command(ADMIN, "deactivate")
    modal = slack.modal()
    labels = [o["text"]["text"] for o in modal["blocks"][1]["element"]["options"]]
    assert labels[-3:] == ["User 5", "User 6 · goes automatically", "User 7 · goes automatically"]
    assert "the 2 users deactivated automatically at the renewal" in str(modal["blocks"][0])
