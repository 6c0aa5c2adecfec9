"""One rule for every listener: a user of another workspace (Slack Connect, Enterprise Grid) acting in
this account's workspace is refused, whatever the action; nothing changes and nothing else is told."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.binding import OTHER_WORKSPACE
from handlers.ids import Action, Block, View
from store.db import Database
from tests.conftest import NOW
from tests.dbsnapshot import changes, snapshot
from tests.handlers.conftest import ADMIN, TEAM
from tests.handlers.helpers import BUTTONS, chosen, last_reply, seats

OTHER = "T0OTHER"
INPUTS = {
    View.REDUCE: seats("2"),
    View.DEACTIVATE: chosen(5),
    View.CONSENT: {},
    View.LIST: {},
    View.CHOOSE_LINE: {},
    View.SWITCH: {"licenses_package": {"licenses_package_input": {"selected_option": {"value": "Go"}}}},
}


@pytest.fixture
def pending(db: Database, team: str) -> int:
    return usecases.submit_reduction(db, team=team, actor=Actor.slack(ADMIN), seats=2, now=NOW).request.id


def test_every_action_id_is_covered() -> None:
    inputs = {
        Action.SEATS_INPUT,
        Action.USERS_INPUT,
        Action.CONSENT_CHECKBOX,
        Action.SIGNATURE_INPUT,
        Action.LINK_CODE_INPUT,
        Action.CHOOSE_LANGUAGE,  # a person's own language (tests/handlers/test_language.py), no account data
        Action.PACKAGE_INPUT,
    }
    assert set(BUTTONS) | inputs == set(Action) and set(INPUTS) == set(View)


@pytest.mark.parametrize("action", BUTTONS)
def test_a_click_by_a_user_of_another_workspace_is_refused(
    slack: SlackSim, standin: SlackStandIn, db: Database, pending: int, action: Action
) -> None:
    before, mark = snapshot(db), standin.mark()
    answer = slack.click(ADMIN, action, str(pending), user_team=OTHER)
    assert answer.status == 200
    assert changes(before, snapshot(db)) == {}
    assert [c.method for c in standin.since(mark)] == ["response_url"]
    assert OTHER_WORKSPACE in last_reply(standin)


@pytest.mark.parametrize("callback", list(View))
def test_a_submission_by_a_user_of_another_workspace_is_refused_under_the_field(
    slack: SlackSim, standin: SlackStandIn, db: Database, pending: int, callback: View
) -> None:
    first_input = {
        View.REDUCE: Block.SEATS,
        View.DEACTIVATE: Block.USERS,
        View.CONSENT: Block.CONSENT_CHECKBOX,
        View.LIST: Block.USERS,
        View.CHOOSE_LINE: Block.SEATS,
        View.SWITCH: Block.PACKAGE,
    }
    view: dict[str, Any] = {
        "id": "V0FORGED",
        "type": "modal",
        "callback_id": callback,
        "blocks": [{"type": "input", "block_id": first_input[callback], "label": {"type": "plain_text", "text": "x"}}],
        "private_metadata": json.dumps({"consent": 1, "digest": "x", "renewal": "2027-01-01"}),
        "state": {"values": INPUTS[callback]},
        "team_id": TEAM,
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "standin"},
        "user": {"id": ADMIN, "name": "ann", "team_id": OTHER},
        "api_app_id": "A0LICENSES",
        "view": view,
    }
    before, mark = snapshot(db), standin.mark()
    answer = slack.send(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")
    assert answer.status == 200
    assert answer.json() == {"response_action": "errors", "errors": {first_input[callback]: OTHER_WORKSPACE}}
    assert changes(before, snapshot(db)) == {} and standin.since(mark) == []


def test_a_type_ahead_by_a_user_of_another_workspace_gets_no_options(
    slack: SlackSim, standin: SlackStandIn, db: Database, team: str
) -> None:
    slack.command(ADMIN, "deactivate")
    payload = {
        "type": "block_suggestion",
        "user": {"id": ADMIN, "team_id": OTHER},
        "team": {"id": TEAM, "domain": "standin"},
        "api_app_id": "A0LICENSES",
        "view": slack.modal(),
        "action_id": Action.USERS_INPUT,
        "block_id": Block.USERS,
        "value": "user",
    }
    mark = standin.mark()
    answer = slack.send(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded")
    assert answer.status == 200 and answer.json() == {"options": []}
    assert standin.since(mark) == []  # no DM at every keystroke


def test_the_same_user_in_their_own_workspace_is_served(slack: SlackSim, db: Database, pending: int) -> None:
    assert slack.click(ADMIN, Action.CANCEL_REQUEST, str(pending), user_team=TEAM).status == 200
    assert usecases.license_page(db, team=TEAM, now=NOW).pending is None
