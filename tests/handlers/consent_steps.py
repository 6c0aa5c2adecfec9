"""Steps of the consent flow through signed requests, shared by the consent handler tests."""

from __future__ import annotations

from typing import Any

from bot.testing.slack_sim import Response, SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.testing.standin_calls import Call
from handlers.blocks.consent import AGREE_VALUE
from handlers.ids import Action, Block

DM_TS = "1700000000.000001"
"""The message_ts SlackSim puts in a click's container."""


def form(*, agree: bool = True, signature: str | None = "User 1") -> dict[str, Any]:
    """view.state.values of the consent modal."""
    options = [{"text": {"type": "plain_text", "text": "I consent"}, "value": AGREE_VALUE}] if agree else []
    return {
        Block.CONSENT_CHECKBOX: {Action.CONSENT_CHECKBOX: {"type": "checkboxes", "selected_options": options}},
        Block.SIGNATURE: {Action.SIGNATURE_INPUT: {"type": "plain_text_input", "value": signature}},
    }


def dms(standin: SlackStandIn, user: str) -> list[Call]:
    """Messages the app posted to a user (chat.postMessage with the user id as channel)."""
    return [c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == user]


def value_in(blocks: Any, action_id: str) -> str:
    """The value of the first button with `action_id` in blocks (accessories included)."""

    def walk(node: Any) -> str | None:
        if isinstance(node, dict):
            if node.get("action_id") == action_id:
                return str(node.get("value"))
            for v in node.values():
                if (found := walk(v)) is not None:
                    return found
        elif isinstance(node, list):
            for v in node:
                if (found := walk(v)) is not None:
                    return found
        return None

    found = walk(blocks)
    assert found is not None, f"no {action_id} button in {blocks}"
    return found


def button_value(call: Call, action_id: str) -> str:
    return value_in(call.params.get("blocks"), action_id)


def request_dm_value(standin: SlackStandIn, user: str) -> str:
    """The consent id on the Review button of the last request DM to `user`."""
    return button_value(dms(standin, user)[-1], Action.REVIEW_CONSENT)


def review(slack: SlackSim, user: str, consent_id: str, *, team: str | None = None) -> Response:
    """Click Review in the request DM (a message in the app's DM channel with `user`)."""
    return slack.click(user, Action.REVIEW_CONSENT, consent_id, channel=f"D{user}", team=team)


def sign(slack: SlackSim, user: str, view_id: str, **values: Any) -> Any:
    """Submit the consent modal; the JSON the app acknowledged with (None for a plain ack)."""
    team = values.pop("team", None)
    response = slack.submit(user, view_id, form(**values), team=team)
    assert response.status == 200
    return response.json()
