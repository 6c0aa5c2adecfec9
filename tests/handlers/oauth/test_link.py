"""Linking a workspace to an account from Slack with a one-time code (no shell access for the customer)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot import usecases
from bot.cli.main import main
from bot.usecases import linking
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, add_members
from tests.handlers.conftest import Clock
from tests.handlers.helpers import audit_actions, last_reply
from tests.handlers.oauth.conftest import Deployment

ADMIN = "U0000"
MEMBER = "U0002"


@pytest.fixture
def installed(deployment: Deployment) -> Deployment:
    deployment.standin.add_user(ADMIN, name="Ann Admin", workspace_admin=True)
    deployment.standin.add_user(MEMBER, name="Mo Member")
    for team in ("TAAAA", "TBBBB"):
        assert deployment.install(team).status == 200
    return deployment


def new_account(db: Database, name: str = "Acme NV") -> int:
    changes = usecases.AccountChanges(name=name, plan="annual", seats=10, renews=date(2027, 1, 1))
    return usecases.add_account(db, team=None, changes=changes, now=NOW)


def code_for(db: Database, account_id: int, now: object = NOW) -> str:
    return linking.issue_link_code(db, account_id=account_id, now=now).code  # type: ignore[arg-type]


def test_account_add_without_team_prints_a_code_that_links_from_slack(
    installed: Deployment, db: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--database", db_url, "account", "add", "--name", "Acme NV", "--plan", "annual"]
    assert main([*args, "--seats", "10", "--renews", "2027-01-01"]) == 0
    out = capsys.readouterr().out
    assert "account 1 added (not linked to a Slack workspace yet)" in out
    found = re.search(r"link code: (\S+) \(single use, valid until", out)
    assert found is not None
    sim = installed.sim("TAAAA")
    sim.command(ADMIN, f"link {found.group(1).lower()}")  # typed in lower case: still the code
    assert "now linked to Acme NV" in last_reply(installed.standin)
    sim.command(ADMIN, "status")  # the workspace is Acme NV's now; its admin is not in the member list yet
    assert "not an active user in the member list of Acme NV" in last_reply(installed.standin)
    add_members(db, "TAAAA", 3)  # the operator imports the member list (U0000 an admin)
    sim.command(ADMIN, "status")
    assert "Acme NV" in last_reply(installed.standin) and "10 licensed" in last_reply(installed.standin)
    assert "slack.linked" in audit_actions(db)


def test_a_code_works_once(installed: Deployment, db: Database) -> None:
    code = code_for(db, new_account(db))
    installed.sim("TAAAA").command(ADMIN, f"link {code}")
    assert "now linked" in last_reply(installed.standin)
    installed.sim("TBBBB").command(ADMIN, f"link {code}")
    assert "does not work" in last_reply(installed.standin)


def test_an_expired_code_is_refused(installed: Deployment, db: Database, clock: Clock) -> None:
    code = code_for(db, new_account(db))
    clock.now = NOW + linking.CODE_LIFETIME + timedelta(seconds=1)
    installed.sim("TAAAA").command(ADMIN, f"link {code}")
    assert "does not work" in last_reply(installed.standin)


def test_a_new_code_voids_the_old_one(installed: Deployment, db: Database) -> None:
    account = new_account(db)
    old = code_for(db, account)
    new = code_for(db, account)
    installed.sim("TAAAA").command(ADMIN, f"link {old}")
    assert "does not work" in last_reply(installed.standin)
    installed.sim("TAAAA").command(ADMIN, f"link {new}")
    assert "now linked" in last_reply(installed.standin)


def test_a_workspace_linked_already_cannot_take_another_account(installed: Deployment, db: Database) -> None:
    add_account(db, "TAAAA", seats=5, renews=date(2027, 1, 1))
    code = code_for(db, new_account(db))
    installed.sim("TAAAA").command(ADMIN, f"link {code}")
    assert "linked to an account already" in last_reply(installed.standin)
    with pytest.raises(Exception, match="linked to the Slack workspace TAAAA already"):
        linking.issue_link_code(db, account_id=1, now=NOW)


def test_only_a_workspace_admin_links(installed: Deployment, db: Database) -> None:
    code = code_for(db, new_account(db))
    installed.sim("TAAAA").command(MEMBER, f"link {code}")
    assert "Only an admin or owner of this Slack workspace" in last_reply(installed.standin)
    installed.sim("TAAAA").command(ADMIN, f"link {code}")
    assert "now linked" in last_reply(installed.standin)  # the refusal did not use the code up


def test_guessing_is_rate_limited_and_audited(installed: Deployment, db: Database, clock: Clock) -> None:
    code = code_for(db, new_account(db))
    sim = installed.sim("TAAAA")
    for n in range(linking.MAX_FAILURES):
        sim.command(ADMIN, f"link WRONG-CODE-{n:04d}")
        assert "does not work" in last_reply(installed.standin)
    sim.command(ADMIN, f"link {code}")  # even the right code: the workspace must wait
    assert "Too many wrong link codes" in last_reply(installed.standin)
    installed.sim("TBBBB").command(ADMIN, "link WRONG-CODE")  # another workspace is not held back
    assert "does not work" in last_reply(installed.standin)
    clock.now = NOW + linking.WINDOW + timedelta(seconds=1)
    sim.command(ADMIN, f"link {code}")
    assert "now linked" in last_reply(installed.standin)
    assert audit_actions(db).count("slack.link_refused") == linking.MAX_FAILURES + 2


def test_link_code_for_an_unknown_account_says_so(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database", db_url, "account", "link-code", "--account", "42"]) == 2
    assert "there is no account 42" in capsys.readouterr().err


def test_the_code_can_be_pasted_on_the_app_home(installed: Deployment, db: Database) -> None:
    from bot.testing.blocktext import view_to_text
    from handlers.ids import Action, Block

    code = code_for(db, new_account(db))
    sim = installed.sim("TAAAA")
    sim.open_home(ADMIN)
    home = installed.standin.homes[ADMIN]
    assert "No licensebot account is linked" in view_to_text(home)
    assert Action.LINK_WORKSPACE in str(home["blocks"])

    def typed(value: str) -> dict[str, object]:
        return {Block.LINK_CODE: {Action.LINK_CODE_INPUT: {"type": "plain_text_input", "value": value}}}

    sim.click(ADMIN, Action.LINK_WORKSPACE, where="home", state=typed("WRONG-WRONG-WRONG"))
    assert "does not work" in view_to_text(installed.standin.homes[ADMIN])
    sim.click(ADMIN, Action.LINK_WORKSPACE, where="home", state=typed(code))
    text = view_to_text(installed.standin.homes[ADMIN])  # Acme NV's Home now; its admin is not a member yet
    assert "not an active user in the member list of Acme NV" in text
    assert Action.LINK_WORKSPACE not in str(installed.standin.homes[ADMIN]["blocks"])
    add_members(db, "TAAAA", 3)  # the operator imports the member list (U0000 an admin)
    sim.open_home(ADMIN)
    text = view_to_text(installed.standin.homes[ADMIN])
    assert "Acme NV" in text and "10 licensed" in text  # the Home is the license page now


def test_the_refusals_are_in_the_readers_language(deployment: Deployment, db: Database) -> None:
    deployment.standin.add_user(ADMIN, name="Anne Admin", workspace_admin=True, locale="fr-FR")
    deployment.standin.add_user(MEMBER, name="Mo Member", locale="fr-FR")
    assert deployment.install("TAAAA").status == 200
    code = code_for(db, new_account(db))
    deployment.sim("TAAAA").command(MEMBER, f"link {code}")
    assert "Seul un administrateur ou un propriétaire de cet espace de travail Slack" in last_reply(deployment.standin)
    deployment.sim("TAAAA").command(ADMIN, "link WRONG-CODE")
    assert "Ce code de liaison ne fonctionne pas" in last_reply(deployment.standin)
