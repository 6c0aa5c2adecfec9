"""Issue 15: reactivate a user deactivated by hand, in Slack and at the CLI: a free license needed, audited."""

from __future__ import annotations

import pytest

from bot import usecases
from bot.cli.main import main
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, USER
from tests.handlers.helpers import audit_actions, last_reply, member


def deactivate(db: Database, team: str, email: str) -> None:
    usecases.deactivate_members(db, team=team, actor=Actor.slack(ADMIN), member_ids=[member(db, email).id], now=NOW)


def test_an_admin_reactivates_a_user_in_slack(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    deactivate(db, team, "user5@example.com")
    slack.command(ADMIN, "reactivate <@U0005>")
    assert "User 5 is active again: 8 active users for 10 licenses" in last_reply(standin)
    assert member(db, "user5@example.com").status == "active"
    assert audit_actions(db)[-1] == "member.reactivated"
    slack.command(ADMIN, "reactivate <@U0005>")
    assert "User 5 is active already" in last_reply(standin)


def test_a_non_admin_cannot_reactivate(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> None:
    deactivate(db, team, "user5@example.com")
    slack.command(USER, "reactivate <@U0005>")
    assert "Only account admins can change licenses" in last_reply(standin)
    assert member(db, "user5@example.com").status == "deactivated"


def test_reactivating_needs_a_free_license(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    deactivate(db, team, "user5@example.com")
    usecases.update_account(db, team=team, changes=usecases.AccountChanges(seats=7), now=NOW)  # 7 active, 7 licenses
    slack.command(ADMIN, "reactivate <@U0005>")
    assert "No free license: 7 active users for 7 licenses" in last_reply(standin)
    code = main(["--database", db_url, "users", "reactivate", "--team", team, "--email", "user5@example.com"])
    assert code == 2 and "No free license" in capsys.readouterr().err
    usecases.update_account(db, team=team, changes=usecases.AccountChanges(seats=8), now=NOW)
    code = main(["--database", db_url, "users", "reactivate", "--team", team, "--email", "USER5@example.com"])
    assert code == 0
    assert "User 5 is active again: 8 active users for 8 licenses" in capsys.readouterr().out
