"""Only the target admin can answer their consent: anybody else is refused and nothing changes."""

from __future__ import annotations

import pytest

from bot.core.audit import Actor
from bot.testing.blocktext import view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import consent
from handlers.ids import Action
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import audit_actions, consent_rows, member_rows
from tests.dbsnapshot import changes, snapshot
from tests.factories import add_account, add_members
from tests.handlers.conftest import ADMIN, ADMIN2, USER
from tests.handlers.consent_steps import request_dm_value, review, sign
from tests.handlers.helpers import last_reply

REFUSED = "This consent request is addressed to another admin"
OTHER_TEAM = "T0002"

IMPOSTORS = [
    pytest.param(ADMIN, None, id="another-admin-the-requester"),
    pytest.param(USER, None, id="a-non-admin"),
    pytest.param(ADMIN2, OTHER_TEAM, id="same-user-id-in-another-workspace"),
]


@pytest.fixture
def asked(slack: SlackSim, standin: SlackStandIn, team: str, db: Database) -> str:
    """User 0 asked User 1 (U0001); returns the consent id. T0002 is linked too, U0001 is an admin there."""
    add_account(db, OTHER_TEAM)
    add_members(db, OTHER_TEAM, 3, admins=(0, 1))
    slack.command(ADMIN, "consent <@U0001>")
    return request_dm_value(standin, ADMIN2)


def _refusals(db: Database) -> list[dict[str, object]]:
    return [d for _, action, d in audit_actions(db) if action == "consent.refused"]


@pytest.mark.parametrize(("user", "workspace"), IMPOSTORS)
def test_nobody_else_can_review_or_decline(
    slack: SlackSim, standin: SlackStandIn, db: Database, asked: str, user: str, workspace: str | None
) -> None:
    rows, members, before = consent_rows(db), member_rows(db), snapshot(db)
    mark = standin.mark()
    review(slack, user, asked, team=workspace)
    assert REFUSED in last_reply(standin)
    slack.click(user, Action.DECLINE_CONSENT, asked, channel=f"D{user}", team=workspace)
    assert REFUSED in last_reply(standin)
    assert "views.open" not in [c.method for c in standin.since(mark)]  # the statement was never shown
    assert "chat.postMessage" not in [c.method for c in standin.since(mark)]  # nobody was told anything
    assert consent_rows(db) == rows and member_rows(db) == members
    assert list(changes(before, snapshot(db))) == ["audit_log"]  # the refusals are recorded, nothing else
    assert [(d["attempted"], d["user"], d["team"]) for d in _refusals(db)] == [
        ("review", user, workspace or "T0001"),
        ("decline", user, workspace or "T0001"),
    ]


@pytest.mark.parametrize(("user", "workspace"), IMPOSTORS)
def test_nobody_else_can_submit_the_consent_modal(
    slack: SlackSim, standin: SlackStandIn, db: Database, asked: str, user: str, workspace: str | None
) -> None:
    review(slack, ADMIN2, asked)  # the target opens the modal; its private_metadata names the consent
    view_id = slack.last_modal_id()
    rows = consent_rows(db)
    answer = sign(slack, user, view_id, signature="User 1", team=workspace)  # a correct signature, the wrong signer
    assert answer["response_action"] == "update"
    assert REFUSED in view_to_text(answer["view"])
    assert consent_rows(db) == rows and rows[0]["status"] == "requested"
    assert _refusals(db)[-1]["attempted"] == "grant"
    # The target can still sign.
    assert sign(slack, ADMIN2, view_id)["response_action"] == "update"
    assert consent_rows(db)[0]["signed_by_user_id"] == ADMIN2


@pytest.mark.parametrize(("user", "workspace"), IMPOSTORS)
def test_nobody_else_can_revoke(
    slack: SlackSim, standin: SlackStandIn, db: Database, asked: str, user: str, workspace: str | None
) -> None:
    review(slack, ADMIN2, asked)
    sign(slack, ADMIN2, slack.last_modal_id())
    rows = consent_rows(db)
    slack.click(user, Action.REVOKE_CONSENT, asked, where="home", team=workspace)
    assert consent_rows(db) == rows and rows[0]["status"] == "granted"
    assert _refusals(db)[-1]["attempted"] == "revoke"


def test_a_button_value_that_is_not_a_consent_is_refused_clearly(
    slack: SlackSim, standin: SlackStandIn, db: Database, asked: str
) -> None:
    rows = consent_rows(db)
    review(slack, ADMIN2, "not-a-number")
    assert "That button does not name a consent request" in last_reply(standin)
    review(slack, ADMIN2, "987654")
    assert "This consent request no longer exists." in last_reply(standin)
    assert consent_rows(db) == rows


def test_a_tampered_modal_cannot_point_at_another_consent(
    slack: SlackSim, standin: SlackStandIn, db: Database, asked: str
) -> None:
    """private_metadata is only a pointer. U0001 of T0001 points it at the consent asked of U0001 in T0002
    (same user id, another workspace): refused, because the team is checked too."""
    elsewhere = consent.request_consent(db, team=OTHER_TEAM, actor=Actor.slack(ADMIN), user_id=ADMIN2, now=NOW)
    review(slack, ADMIN2, asked)
    view_id = slack.last_modal_id()
    meta = standin.views[view_id]["private_metadata"]
    standin.views[view_id]["private_metadata"] = meta.replace(f'"consent": {asked}', f'"consent": {elsewhere.id}')
    answer = sign(slack, ADMIN2, view_id)
    assert REFUSED in view_to_text(answer["view"])
    standin.views[view_id]["private_metadata"] = meta.replace(f'"consent": {asked}', '"consent": 987654')
    assert "This consent request no longer exists." in view_to_text(sign(slack, ADMIN2, view_id)["view"])
    standin.views[view_id]["private_metadata"] = "{not json"
    assert "out of date" in view_to_text(sign(slack, ADMIN2, view_id)["view"])
    assert [r["status"] for r in consent_rows(db)] == ["requested", "requested"]
    assert _refusals(db)[-1] == {
        "consent": elsewhere.id,
        "attempted": "grant",
        "reason": "another team",
        "user": ADMIN2,
        "team": "T0001",
    }
