"""In production mode (acks first, the work after), every button in every refused state is answered with
HTTP 200 and a reply: a stale button pressed by its owner, an impostor, a value naming nothing. A refusal
after the ack is an answer, never an exception (which made Bolt answer Slack 404 after 3 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.core.consent import SlackIdentity
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import consent, consent_answers
from handlers import followup
from handlers.deps import Deps
from handlers.ids import Action
from store.db import Database
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, ADMIN2, TEAM, USER
from tests.handlers.helpers import BUTTONS
from tests.handlers.test_after_ack import production_sim, wait_until

ALL_BUTTONS = BUTTONS


@pytest.fixture
def live(standin: SlackStandIn, deps: Deps, team: str) -> Iterator[SlackSim]:
    yield production_sim(standin, deps, listener_threads=4)
    followup.drain(10)


def settle(slack: SlackSim, standin: SlackStandIn, user: str, action: Action, value: str | None) -> list[str]:
    """Click, check the HTTP answer, let the work after the ack end; the Web API calls it made."""
    mark = standin.mark()
    answer = slack.click(user, action, value)
    assert answer.status == 200, (action, value, answer.body)
    # The listener goes on after its ack (on Bolt's listener thread, then on the after-ack pool).
    wait_until(lambda: replied([c.method for c in standin.since(mark)]), f"an answer to {action} {value!r}")
    assert followup.drain(10) == 0
    return [c.method for c in standin.since(mark)]


def replied(methods: list[str]) -> bool:
    # An answer: ephemeral, a DM, a modal, or the App Home the button sits on (Link this workspace).
    return bool({"response_url", "chat.postMessage", "views.open", "views.update", "views.publish"} & set(methods))


def test_stale_buttons_pressed_by_their_owners(live: SlackSim, standin: SlackStandIn, db: Database) -> None:
    request = usecases.submit_reduction(db, team=TEAM, actor=Actor.slack(ADMIN), seats=2, now=NOW).request.id
    assert "response_url" in settle(live, standin, ADMIN, Action.CANCEL_REQUEST, str(request))  # cancelled
    for action in (Action.CANCEL_REQUEST, Action.CONFIRM_CANCEL):  # pressed again: nothing is pending
        assert replied(settle(live, standin, ADMIN, action, str(request)))
    asked = consent.request_consent(db, team=TEAM, actor=Actor.slack(ADMIN), member_id=None, user_id=ADMIN2, now=NOW)
    consent_answers.decline(db, consent_id=asked.id, who=SlackIdentity(ADMIN2, TEAM), now=NOW)
    for action in (Action.DECLINE_CONSENT, Action.REVIEW_CONSENT, Action.REVOKE_CONSENT):  # after declining
        assert replied(settle(live, standin, ADMIN2, action, str(asked.id)))


@pytest.mark.parametrize("action", ALL_BUTTONS)
def test_every_button_pressed_by_an_impostor_is_answered(
    live: SlackSim, standin: SlackStandIn, db: Database, action: Action
) -> None:
    request = usecases.submit_reduction(db, team=TEAM, actor=Actor.slack(ADMIN), seats=2, now=NOW).request.id
    asked = consent.request_consent(db, team=TEAM, actor=Actor.slack(ADMIN), member_id=None, user_id=ADMIN2, now=NOW)
    value = (
        str(asked.id)
        if action in (Action.REVIEW_CONSENT, Action.DECLINE_CONSENT, Action.REVOKE_CONSENT)
        else str(request)
    )
    assert replied(settle(live, standin, USER, action, value))  # a member who is not an admin
    assert usecases.license_page(db, team=TEAM, now=NOW).pending is not None


@pytest.mark.parametrize("value", [None, "", "abc", "999999", "-1", "1" * 40])
@pytest.mark.parametrize("action", ALL_BUTTONS)
def test_every_button_with_a_value_naming_nothing_is_answered(
    live: SlackSim, standin: SlackStandIn, action: Action, value: str | None
) -> None:
    assert replied(settle(live, standin, ADMIN, action, value))
