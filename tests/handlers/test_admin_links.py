"""Issue 15, item 1 in Slack: the license page looks admins without a Slack id up by email, and names whoever
is still unreachable."""

from __future__ import annotations

from bot import usecases
from bot.core.members_csv import MemberRow
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import home_text, last_reply, member


def add_zoe(db: Database, team: str) -> None:
    row = MemberRow(line=2, email="zoe@acme.test", name="Zoe", slack_user_id=None, admin=True, added_at=NOW)
    usecases.import_members(db, team=team, rows=[row], now=NOW)


def test_the_page_names_an_admin_nobody_can_reach(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    add_zoe(db, team)
    slack.command(ADMIN, "status")
    assert "Zoe (1 admin) has no Slack user licensebot can find" in last_reply(standin)
    slack.open_home(ADMIN)
    assert "Zoe (1 admin) has no Slack user licensebot can find" in home_text(standin, ADMIN)


def test_the_page_finds_the_admin_by_email_and_links_them(
    slack: SlackSim, standin: SlackStandIn, team: str, db: Database
) -> None:
    add_zoe(db, team)
    standin.add_user("U0ZOE", name="Zoe", email="zoe@acme.test")
    slack.command(ADMIN, "status")
    assert "no Slack user licensebot can find" not in last_reply(standin)
    assert member(db, "zoe@acme.test").slack_user_id == "U0ZOE"
