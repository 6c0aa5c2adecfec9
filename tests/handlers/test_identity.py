"""Who is an admin: the member with the Slack user id, or (none stored yet) the email from users.info."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot import usecases
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, member_rows
from tests.handlers.conftest import TEAM
from tests.handlers.helpers import action_ids, audit_actions, last_reply, member, replies


def email_lookups(standin: SlackStandIn) -> list[Any]:
    """users.info calls that look for an email (not those asking for the locale: bot/usecases/languages.py)."""
    return [c for c in standin.calls_to("users.info") if not c.params.get("include_locale")]


def workspace_without_slack_ids(db: Database) -> None:
    add_account(db, TEAM)
    rows = [replace(r, slack_user_id=None) for r in member_rows(3, admins=(0,))]
    usecases.import_members(db, team=TEAM, rows=rows, now=NOW)


def test_an_admin_is_recognised_by_email_and_the_slack_id_is_stored(
    slack: SlackSim, standin: SlackStandIn, db: Database
) -> None:
    workspace_without_slack_ids(db)
    standin.add_user("U0NEWADMIN", name="User 0", email="User0@Example.com")
    slack.command("U0NEWADMIN", "")
    assert [c.params["user"] for c in email_lookups(standin)] == ["U0NEWADMIN"]
    assert action_ids(replies(standin)[-1].params["blocks"])  # the admin's buttons
    assert member(db, "user0@example.com").slack_user_id == "U0NEWADMIN"
    assert audit_actions(db)[-1] == "member.linked"
    slack.command("U0NEWADMIN", "")
    assert len(email_lookups(standin)) == 1  # known by id from now on


def test_somebody_slack_cannot_match_is_a_non_admin(slack: SlackSim, standin: SlackStandIn, db: Database) -> None:
    workspace_without_slack_ids(db)
    standin.add_user("U0STRANGER", name="Stranger", email="stranger@elsewhere.example")
    slack.command("U0STRANGER", "")
    assert action_ids(replies(standin)[-1].params["blocks"]) == []
    slack.command("U0GHOST", "")  # users.info: user_not_found
    assert "Ask your account admin" in last_reply(standin)  # an outsider: no page, no names (issue 15)
    assert all(member(db, f"user{i}@example.com").slack_user_id is None for i in range(3))


def test_a_record_that_has_a_slack_id_is_not_matched_by_email_again(
    slack: SlackSim, standin: SlackStandIn, db: Database
) -> None:
    add_account(db, TEAM)
    usecases.import_members(db, team=TEAM, rows=member_rows(2, admins=(0,)), now=NOW)  # User 0 is U0000
    standin.add_user("U0IMPOSTOR", name="Impostor", email="user0@example.com")
    slack.command("U0IMPOSTOR", "")
    assert action_ids(replies(standin)[-1].params["blocks"]) == []
    assert member(db, "user0@example.com").slack_user_id == "U0000"
