"""Requests that Slack did not sign, or signed more than 5 minutes ago, get 401 and change nothing."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.slack_sim import SlackSim, signature
from bot.slack_standin import SlackStandIn
from store.db import Database
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import audit_actions, requests, seats


@pytest.fixture
def open_form(slack: SlackSim, team: str) -> str:
    slack.command(ADMIN, "reduce")
    return slack.last_modal_id()


def test_the_same_submission_signed_properly_is_accepted(slack: SlackSim, db: Database, open_form: str) -> None:
    assert slack.submit(ADMIN, open_form, seats("2")).status == 200
    assert len(requests(db)) == 1


def tampered(kind: str) -> dict[str, Any]:
    """How a request is signed wrongly; timestamps are taken now (not when the tests are collected)."""
    now = int(time.time())
    ways: dict[str, dict[str, Any]] = {
        "forged": {"sign": "v0=" + "0" * 64},
        "other-secret": {"sign": signature("another-secret", now, b"whatever")},
        "unsigned": {"sign": ""},
        "stale": {"timestamp": now - 6 * 60},  # validly signed, but more than 5 minutes old
        "future": {"timestamp": now + 6 * 60},
    }
    return ways[kind]


@pytest.mark.parametrize("kind", ["forged", "other-secret", "unsigned", "stale", "future"])
def test_forged_or_stale_requests_get_401_and_change_nothing(
    slack: SlackSim, standin: SlackStandIn, db: Database, open_form: str, kind: str
) -> None:
    how = tampered(kind)
    before = (standin.mark(), audit_actions(db))
    assert slack.submit(ADMIN, open_form, seats("2"), **how).status == 401
    assert slack.command(ADMIN, "cancel", **how).status == 401
    assert slack.open_home(ADMIN, **how).status == 401
    assert requests(db) == []
    assert (standin.mark(), audit_actions(db)) == before  # no Web API call, no audit entry


def test_only_slack_events_and_health_are_served(slack: SlackSim) -> None:
    assert slack.send(b"", "text/plain", path="/admin").status == 404
    assert slack.send(b"", "text/plain", path="/slack/events", method="GET").status == 404
