"""Every mutating action, tried by somebody who may not: refused with a clear message, nothing changes.

Two impostors for each action: a user of the workspace who is not an admin there (but is an admin of
another linked workspace), and the user id of one of the workspace's admins arriving from another
workspace (where that id is not an admin). Nothing may change in any table, and nobody but the
impostor hears about it. (The target admin's answers to a consent request, tried by anybody else,
are in test_consent_security.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.ids import Action, Block
from store.db import Database
from tests.conftest import NOW
from tests.dbsnapshot import changes, snapshot
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import chosen, member, replies, seats

OTHER_TEAM = "T0002"
REFUSED = "Only account admins can change licenses."


@dataclass(frozen=True)
class Setup:
    """What the admin of T0001 has on screen: the modals and buttons the impostor reuses."""

    request_id: int
    reduce_view: str
    deactivate_view: str
    user5: int
    admin2: int


@pytest.fixture
def setup(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> Setup:
    add_account(db, OTHER_TEAM)
    add_members(db, OTHER_TEAM, 3, admins=(2,))  # U0002 is an admin there; U0000 is not
    slack.command(ADMIN, "reduce")
    reduce_view = slack.last_modal_id()
    slack.command(ADMIN, "deactivate")
    deactivate_view = slack.last_modal_id()
    done = usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=2, now=NOW)
    return Setup(
        request_id=done.request.id,
        reduce_view=reduce_view,
        deactivate_view=deactivate_view,
        user5=member(db, "user5@example.com").id,
        admin2=member(db, "user1@example.com").id,
    )


def _reply(standin: SlackStandIn) -> str:
    calls = replies(standin)
    return message_to_text(calls[-1].params) if calls else ""


def _errors(answer: Any, block: str) -> str:
    assert answer is not None and answer["response_action"] == "errors", answer
    return str(answer["errors"][block])


Attempt = Callable[[SlackSim, SlackStandIn, Setup, str, str], str]
"""(slack, standin, setup, user, team) -> what the impostor was told."""

ATTEMPTS: dict[str, Attempt] = {
    "reduce-submit": lambda slack, _st, s, user, team: _errors(
        slack.submit(user, s.reduce_view, seats("2"), team=team).json(), Block.SEATS
    ),
    "cancel-button": lambda slack, st, s, user, team: (
        slack.click(user, Action.CANCEL_REQUEST, str(s.request_id), team=team),
        _reply(st),
    )[1],
    "cancel-confirm": lambda slack, st, s, user, team: (
        slack.click(user, Action.CONFIRM_CANCEL, str(s.request_id), team=team),
        _reply(st),
    )[1],
    "deactivate-command": lambda slack, st, _s, user, team: (
        slack.command(user, "deactivate <@U0005>", team=team),
        _reply(st),
    )[1],
    "deactivate-submit": lambda slack, _st, s, user, team: _errors(
        slack.submit(user, s.deactivate_view, chosen(s.user5), team=team).json(), Block.USERS
    ),
    "channel-command": lambda slack, st, _s, user, team: (
        slack.command(user, "channel", channel="C0NEWCHAN", team=team),
        _reply(st),
    )[1],
    "consent-command": lambda slack, st, _s, user, team: (
        slack.command(user, "consent <@U0001>", team=team),
        _reply(st),
    )[1],
    "consent-request-button": lambda slack, st, s, user, team: (
        slack.click(user, Action.REQUEST_CONSENT, str(s.admin2), team=team),
        _reply(st),
    )[1],
}

IMPOSTORS = [
    pytest.param("U0002", "T0001", id="non-admin"),
    pytest.param(ADMIN, OTHER_TEAM, id="admin-id-from-another-workspace"),
]


@pytest.mark.parametrize(("user", "workspace"), IMPOSTORS)
def test_every_mutating_action_is_refused_and_changes_nothing(
    slack: SlackSim, standin: SlackStandIn, db: Database, setup: Setup, user: str, workspace: str
) -> None:
    for action, attempt in ATTEMPTS.items():  # one database for all: a refused action leaves it as it was
        before, mark = snapshot(db), standin.mark()
        told = attempt(slack, standin, setup, user, workspace)
        assert REFUSED in told, (action, told)
        assert f"The admins of Account {workspace} are:" in told, (action, told)  # who to ask instead
        assert changes(before, snapshot(db)) == {}, action
        methods = {c.method for c in standin.since(mark)}
        assert methods <= {"response_url", "users.info"}, (action, methods)  # nobody else was told
