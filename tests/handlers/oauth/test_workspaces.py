"""Two workspaces in one deployment: each sees only its own account, every call carries its own token."""

from __future__ import annotations

from datetime import date

from bot.testing.blocktext import view_to_text
from bot.testing.standin_calls import ACK_MESSAGE
from store.db import Database
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import last_reply
from tests.handlers.oauth.conftest import Deployment


def two_accounts(deployment: Deployment, db: Database) -> None:
    for team, seats in (("TAAAA", 10), ("TBBBB", 20)):
        assert deployment.install(team).status == 200
        add_account(db, team, seats=seats, renews=date(2027, 1, 1))
        add_members(db, team, 4, admins=(0,))


def test_each_workspace_sees_its_own_account_with_its_own_token(deployment: Deployment, db: Database) -> None:
    two_accounts(deployment, db)
    standin = deployment.standin
    for team, seats in (("TAAAA", 10), ("TBBBB", 20)):
        mark = standin.mark()
        sim = deployment.sim(team)
        assert sim.open_home(ADMIN).status == 200
        assert f"{seats} licensed" in view_to_text(standin.homes[ADMIN])
        sim.command(ADMIN, "status")
        assert f"{seats} licensed" in last_reply(standin)
        calls = [c for c in standin.since(mark) if c.method not in ("response_url", ACK_MESSAGE)]
        assert {c.method for c in calls} >= {"auth.test", "views.publish"}
        assert {c.token for c in calls} == set(standin.tokens_of(team)), calls


def test_a_workspace_that_did_not_install_gets_nothing(deployment: Deployment, db: Database) -> None:
    two_accounts(deployment, db)
    mark = deployment.standin.mark()
    deployment.sim("TCCCC").command(ADMIN, "status")
    [answer] = deployment.standin.since(mark)  # no Web API call: no token to make one with
    assert answer.method == "response_url" and "not installed in this workspace" in answer.params["text"]


def test_a_rotating_token_is_refreshed_before_a_listener_uses_it(deployment: Deployment, db: Database) -> None:
    ws = deployment.standin.workspaces["TAAAA"]
    ws.rotating, ws.expires_in = True, 60  # the installed token expires within the refresh margin
    deployment.install("TAAAA")
    add_account(db, "TAAAA", seats=10, renews=date(2027, 1, 1))
    add_members(db, "TAAAA", 2, admins=(0,))
    ws.expires_in = 12 * 3600
    [installed] = deployment.standin.tokens_of("TAAAA")
    mark = deployment.standin.mark()
    deployment.sim("TAAAA").open_home(ADMIN)
    deployment.sim("TAAAA").open_home(ADMIN)
    assert deployment.standin.refreshes == 1
    [fresh] = [t for t in deployment.standin.tokens_of("TAAAA") if t != installed]
    used = {c.token for c in deployment.standin.since(mark) if c.method not in ("oauth.v2.access", "response_url")}
    assert used == {fresh}
