"""Issue 15, item 1: an admin without a Slack id is looked up by email before a reminder is queued, and one
who still cannot be reached is named (the page, `licensebot status`, the admin-channel post)."""

from __future__ import annotations

import pytest

from bot import usecases
from bot.cli.main import main
from bot.cli.wiring import installed_hooks
from bot.core.members_csv import MemberRow
from bot.testing.slack_standin import SlackStandIn
from bot.worker.sender import Sender
from store.db import Database
from tests.bot.worker.scenario import CHANNEL, D14, TEAM, run
from tests.conftest import NOW


def add_zoe(db: Database) -> None:
    """Zoe is an admin imported without a Slack user id (`zoe@acme.test,Zoe,,yes,…`)."""
    row = MemberRow(line=2, email="zoe@acme.test", name="Zoe", slack_user_id=None, admin=True, added_at=NOW)
    usecases.import_members(db, team=TEAM, rows=[row], now=NOW)


def hooks(standin: SlackStandIn) -> dict[str, object]:
    wired = installed_hooks({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url})
    return {"each_pass": wired.each_pass}


def dm_targets(standin: SlackStandIn) -> list[str]:
    return sorted(str(c.params["users"]) for c in standin.calls_to("conversations.open"))


def test_an_admin_slack_knows_by_email_gets_the_reminder(
    db: Database, team: str, standin: SlackStandIn, sender: Sender
) -> None:
    add_zoe(db)
    standin.add_user("U0ZOE", name="Zoe", email="Zoe@acme.test")
    run(db, sender, D14, **hooks(standin))
    assert dm_targets(standin) == ["U0000", "U0001", "U0ZOE"]
    channel = [str(c.params["blocks"]) for c in standin.posts() if c.params["channel"] == CHANNEL]
    assert channel and "Zoe" not in channel[0]  # reachable: nothing to warn about


def test_an_admin_nobody_can_reach_is_named_in_the_channel_post_and_the_status(
    db: Database, team: str, standin: SlackStandIn, sender: Sender, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_zoe(db)  # Slack has nobody with that email
    run(db, sender, D14, **hooks(standin))
    assert dm_targets(standin) == ["U0000", "U0001"]
    [post] = [str(c.params["blocks"]) for c in standin.posts() if c.params["channel"] == CHANNEL]
    assert "Zoe (1 admin) has no Slack user licensebot can find" in post
    assert main(["--database", db_url, "status", "--team", TEAM, "--now", D14.isoformat()]) == 0
    assert "! unreachable    Zoe (1 admin) has no Slack user licensebot can find" in capsys.readouterr().out


def test_status_looks_the_admin_up_by_email_when_it_has_the_token(
    db: Database,
    team: str,
    standin: SlackStandIn,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    add_zoe(db)
    standin.add_user("U0ZOE", name="Zoe", email="zoe@acme.test")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", standin.api_url)
    assert main(["--database", db_url, "status", "--team", TEAM, "--now", D14.isoformat()]) == 0
    assert "unreachable" not in capsys.readouterr().out
    assert [c.params["email"] for c in standin.calls_to("users.lookupByEmail")] == ["zoe@acme.test"]
