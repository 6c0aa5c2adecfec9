"""Issue 15, item 6: someone not in the member list sees no license page and no names, only whom to ask."""

from __future__ import annotations

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import action_ids, home_text, last_reply

STRANGER = "U0STRANGE"  # no member row, and Slack has no email for them that matches one


@pytest.fixture
def pending(team: str, db: Database) -> str:
    usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=5, now=NOW)  # names User 7, 6, 5
    return team


def no_names(text: str) -> None:
    for i in range(8):
        assert f"User {i}" not in text, text
    assert "Pending request" not in text and "deactivated automatically" not in text


def test_the_app_home_of_an_outsider_says_ask_your_admin(slack: SlackSim, standin: SlackStandIn, pending: str) -> None:
    slack.open_home(STRANGER)
    text = home_text(standin, STRANGER)
    no_names(text)
    assert "not an active user in the member list of Account T0001" in text and "Ask your account admin" in text
    assert action_ids(standin.homes[STRANGER]["blocks"]) == []


@pytest.mark.parametrize("command", ["", "status", "users", "history", "deactivate <@U0003>"])
def test_the_commands_of_an_outsider_show_no_page_and_no_names(
    slack: SlackSim, standin: SlackStandIn, pending: str, command: str
) -> None:
    slack.command(STRANGER, command)
    text = last_reply(standin)
    no_names(text)
    assert "Ask your account admin" in text
