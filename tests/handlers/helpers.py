"""Reading what the app sent to Slack, and filling modals, for the handler tests."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.testing.blocktext import message_to_text, view_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.testing.standin_calls import Call
from handlers.ids import Action, Block
from store import models
from store.db import Database


def seats(value: str | None) -> dict[str, Any]:
    """view.state.values of the reduce modal with `value` typed in."""
    return {Block.SEATS: {Action.SEATS_INPUT: {"type": "number_input", "value": value}}}


def chosen(*member_ids: int) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in member_ids]
    return {Block.USERS: {Action.USERS_INPUT: {"type": "multi_static_select", "selected_options": options}}}


def replies(standin: SlackStandIn) -> list[Call]:
    """What the app answered through response_urls or in a command's ack (ephemeral answers)."""
    return standin.answers()


def last_reply(standin: SlackStandIn) -> str:
    calls = replies(standin)
    assert calls, f"no answer through a response_url or an ack; calls: {standin.methods()}"
    return message_to_text(calls[-1].params)


def posts(standin: SlackStandIn, channel: str) -> list[str]:
    return [message_to_text(c.params) for c in standin.calls_to("chat.postMessage") if c.params["channel"] == channel]


def home_text(standin: SlackStandIn, user: str) -> str:
    assert user in standin.homes, f"no App Home published for {user}"
    return view_to_text(standin.homes[user])


def action_ids(blocks: Any) -> list[str]:
    """Every action_id in blocks, accessories included."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "action_id" in node:
                found.append(node["action_id"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(blocks)
    return found


def raw(standin: SlackStandIn) -> str:
    """Every body sent to Slack, as JSON text (to look for unescaped text)."""
    return "\n".join(json.dumps(c.params) for c in standin.calls)


def requests(db: Database) -> list[models.ReductionRequest]:
    with db.transaction() as s:
        return list(s.scalars(select(models.ReductionRequest).order_by(models.ReductionRequest.id)))


def member(db: Database, email: str) -> models.Member:
    with db.transaction() as s:
        m = s.scalar(select(models.Member).where(models.Member.email == email))
        assert m is not None
        return m


def audit_actions(db: Database) -> list[str]:
    with db.transaction() as s:
        return list(s.scalars(select(models.AuditEntry.action).order_by(models.AuditEntry.id)))


def deactivate_confirmed(slack: SlackSim, standin: SlackStandIn, user: str, text: str) -> None:
    """`/licenses <text>` (deactivate @a …), then "Yes, deactivate" on the question it answers with (if any)."""
    slack.command(user, text)
    answer = replies(standin)[-1].params
    values = [
        el.get("value")
        for block in answer.get("blocks") or []
        for el in block.get("elements") or []
        if el.get("action_id") == Action.CONFIRM_DEACTIVATE
    ]
    if values:
        slack.click(user, Action.CONFIRM_DEACTIVATE, values[0])


BUTTONS = [
    Action.OPEN_REDUCE,
    Action.CANCEL_REQUEST,
    Action.CONFIRM_CANCEL,
    Action.OPEN_DEACTIVATE,
    Action.CONFIRM_DEACTIVATE,
    Action.REQUEST_CONSENT,
    Action.REVIEW_CONSENT,
    Action.DECLINE_CONSENT,
    Action.REVOKE_CONSENT,
    Action.OPEN_LIST,
    Action.LIST_PAGE,
    Action.SNOOZE,
    Action.LINK_WORKSPACE,
    Action.CHOOSE_LINE,
    Action.OPEN_SWITCH,
    Action.CANCEL_SWITCH,
]
"""Every button the app shows (the abuse suites press each one; test_workspaces checks none is missing)."""
