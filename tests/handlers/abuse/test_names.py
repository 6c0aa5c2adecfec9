"""Names with line breaks, bidirectional overrides or terminal escapes: cleaned where they enter (CSV,
Teamleader, the command line), and whatever is stored cannot forge a line in Slack or drive a terminal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import text, update

from bot.cli.main import main
from bot.core.members_csv import parse_members_csv
from bot.teamleader.plan import User
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.blocks.mrkdwn import escape
from store import models
from store.db import Database, make_engine, upgrade
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN, TEAM

FAKE = "Eve\n*FAKE: every user was deactivated*"


def test_the_csv_import_cleans_names() -> None:
    content = 'email,name,slack_user_id,admin,added_on\neve@x.test,"Eve\n*FAKE: every user*\u202e",,no,2024-01-01\n'
    [row] = parse_members_csv(content, "Europe/Brussels")
    assert row.name == "Eve *FAKE: every user*"


def test_teamleader_names_are_cleaned() -> None:
    user = User(id="tl-1", first_name="Eve\n*FAKE*", last_name="\u202eReversed\t", email="e@x.test", status="active")
    assert user.name == "Eve *FAKE* Reversed"


def test_an_account_name_from_the_command_line_is_cleaned(db_url: str) -> None:
    args = ["--database", db_url, "account", "add", "--team", TEAM, "--name", "Acme\nBV\u202e", "--plan", "annual"]
    assert main([*args, "--seats", "5", "--renews", "2027-01-31"]) == 0
    database = Database.connect(db_url, migrate=False)
    with database.transaction() as s:
        assert s.execute(text("SELECT name FROM accounts")).scalar() == "Acme BV"
    database.dispose()


def test_a_stored_name_cannot_make_a_line_of_its_own_in_slack(
    slack: SlackSim, standin: SlackStandIn, db: Database
) -> None:
    add_account(db, TEAM, seats=10, renews=date(2027, 1, 1))
    add_members(db, TEAM, 8, admins=(0, 1))
    with db.transaction() as s:  # as data stored before names were cleaned would be
        s.execute(update(models.Member).where(models.Member.name == "User 7").values(name=FAKE + "\u202e"))
    slack.command(ADMIN, "users")
    shown = json.dumps(standin.calls_to("response_url")[-1].params)
    assert "\\n*FAKE" not in shown and "\\u202e" not in shown


def test_the_migration_cleans_names_already_stored(tmp_path: pytest.TempPathFactory) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (slack_team_id, name, plan, licensed_seats, renewal_anchor, timezone, "
                "reminder_days, created_at, updated_at) VALUES ('T0001', :name, 'annual', 5, '2027-01-31', 'UTC', "
                "'14,7,3,1,0', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ),
            {"name": "Acme\nBV"},
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM accounts")).scalar() == "Acme BV"
    engine.dispose()


def test_escape_drops_bidirectional_controls() -> None:
    assert escape("\u202egnp.exe <@U1>") == "gnp.exe &lt;@U1&gt;"


def test_the_command_line_prints_no_terminal_escapes(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    add_account(db, TEAM, seats=10, renews=date(2027, 1, 1))
    with db.transaction() as s:
        s.execute(update(models.Account).values(name="\x1b[31mAcme\x07"))
    assert main(["--database", db_url, "status", "--team", TEAM]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[31mAcme\\x07" in out
