"""Requests that Slack did not sign, or signed more than 5 minutes away from now, get 401 and change nothing.

"Nothing" is checked strictly: no Web API call (no listener ran, the error handler answered nobody) and
no row of any table changed. Bolt's verifier reads the wall clock; the tests that sit on the 5-minute
boundary freeze that clock, so that a slow run cannot move them across it. (test_...[future] once
failed on PostgreSQL because its timestamp was taken when the tests were collected: the PostgreSQL
suite reached it more than 60 s later, and "6 minutes ahead" had become "5 minutes ahead". The
timestamps are now taken when the request is sent, relative to a frozen verifier clock.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
import slack_sdk.signature
from slack_bolt import BoltRequest

from bot.testing.slack_sim import Response, SlackSim, signature
from bot.testing.slack_standin import SlackStandIn
from handlers.app import Settings, build_app
from handlers.deps import Deps
from store.db import Database
from tests.dbsnapshot import changes, snapshot
from tests.handlers.conftest import ADMIN, SECRET
from tests.handlers.helpers import requests, seats

FROZEN = 1_790_000_000
"""What the signature verifier believes the time is (`frozen` fixture)."""


@pytest.fixture
def open_form(slack: SlackSim, team: str) -> str:
    slack.command(ADMIN, "reduce")
    return slack.last_modal_id()


@pytest.fixture
def frozen(slack: SlackSim, monkeypatch: pytest.MonkeyPatch) -> int:
    """Freeze the clock of Bolt's signature verifier (and of the simulator) at FROZEN."""
    monkeypatch.setattr(slack_sdk.signature.Clock, "now", lambda _self: float(FROZEN))
    slack.clock = lambda: float(FROZEN)
    return FROZEN


def test_the_same_submission_signed_properly_is_accepted(slack: SlackSim, db: Database, open_form: str) -> None:
    assert slack.submit(ADMIN, open_form, seats("2")).status == 200
    assert len(requests(db)) == 1


TAMPERED: dict[str, dict[str, Any]] = {
    "forged": {"sign": "v0=" + "0" * 64},
    "other-secret": {"sign": signature("another-secret", FROZEN, b"whatever")},
    "unsigned": {"sign": ""},
    "no-signature-header": {"headers": {"X-Slack-Signature": None}},
    "no-timestamp-header": {"headers": {"X-Slack-Request-Timestamp": None}},
    "no-headers": {"headers": {"X-Slack-Signature": None, "X-Slack-Request-Timestamp": None}},
    "timestamp-not-a-number": {"headers": {"X-Slack-Request-Timestamp": "soon"}},
    "stale": {"timestamp": FROZEN - 301},  # validly signed, but more than 5 minutes old
    "future": {"timestamp": FROZEN + 301},
}
Send = Callable[..., Response]


def _requests(slack: SlackSim, view_id: str) -> list[Send]:
    """A modal submission, a mutating slash command and an event: what an attacker would replay or forge."""
    return [
        lambda **how: slack.submit(ADMIN, view_id, seats("2"), **how),
        lambda **how: slack.command(ADMIN, "channel", channel="C0NEWCHAN", **how),
        lambda **how: slack.open_home(ADMIN, **how),
    ]


def test_forged_or_stale_requests_get_401_and_change_nothing(
    slack: SlackSim, standin: SlackStandIn, db: Database, open_form: str, frozen: int
) -> None:
    before, mark = snapshot(db), standin.mark()
    for kind, how in TAMPERED.items():
        for send in _requests(slack, open_form):
            assert send(**how).status == 401, kind
    assert standin.since(mark) == []  # no listener ran, nobody was answered
    assert changes(before, snapshot(db)) == {}


@pytest.mark.parametrize("seconds", [-299, 299], ids=["299s-old", "299s-ahead"])
def test_a_request_signed_within_5_minutes_is_accepted(
    slack: SlackSim, standin: SlackStandIn, db: Database, open_form: str, frozen: int, seconds: int
) -> None:
    assert slack.command(ADMIN, "channel", channel="C0NEWCHAN", timestamp=frozen + seconds).status == 200
    assert slack.submit(ADMIN, open_form, seats("2"), timestamp=frozen + seconds).status == 200
    assert len(requests(db)) == 1
    assert standin.calls_to("chat.postMessage")  # the listeners ran


def test_one_changed_byte_in_the_body_gets_401(
    slack: SlackSim, standin: SlackStandIn, db: Database, open_form: str, frozen: int
) -> None:
    slack.submit(ADMIN, open_form, seats("2"), sign="not yet")  # builds the body Slack would send; refused
    body, content_type = slack.last or (b"", "")
    good = signature(SECRET, frozen, body)
    before, mark = snapshot(db), standin.mark()
    for i in (0, len(body) // 2, len(body) - 1):
        changed = body[:i] + bytes([body[i] ^ 1]) + body[i + 1 :]
        assert slack.send(changed, content_type, timestamp=frozen, sign=good).status == 401
    assert slack.send(body + b"&x=1", content_type, timestamp=frozen, sign=good).status == 401  # appended
    assert slack.send(b"\xff\xfe" + body, content_type, timestamp=frozen, sign=good).status == 401  # not UTF-8
    assert standin.since(mark) == [] and changes(before, snapshot(db)) == {}
    assert slack.send(body, content_type, timestamp=frozen, sign=good).status == 200  # the body as signed
    assert len(requests(db)) == 1


def test_the_real_clock_is_used_when_nothing_is_frozen(slack: SlackSim, db: Database, open_form: str) -> None:
    now = int(time.time())
    assert slack.submit(ADMIN, open_form, seats("2"), timestamp=now - 10 * 60).status == 401
    assert slack.submit(ADMIN, open_form, seats("2"), timestamp=now).status == 200


def test_only_slack_events_and_health_are_served(slack: SlackSim) -> None:
    assert slack.send(b"", "text/plain", path="/admin").status == 404
    assert slack.send(b"", "text/plain", path="/slack/events", method="GET").status == 404


def test_behind_the_wsgi_check_bolt_still_answers_nobody_for_an_unverifiable_request(
    standin: SlackStandIn, deps: Deps, team: str
) -> None:
    """Defense in depth (Socket Mode, another adapter): Bolt's own verifier raises on a timestamp that is
    not a number; its error handler must not answer the response_url of a request nobody verified."""
    app = build_app(Settings("xoxb-test-token", SECRET, api_url=standin.api_url), deps, process_before_response=True)
    body = urlencode(
        {
            "command": "/licenses",
            "text": "",
            "user_id": ADMIN,
            "team_id": team,
            "response_url": standin.response_url("forged"),
            "trigger_id": "1.t",
        }
    )
    mark = standin.mark()
    answer = app.dispatch(
        BoltRequest(body=body, headers={"x-slack-request-timestamp": "soon", "x-slack-signature": "v0=0"})
    )
    assert answer.status in (401, 500)
    assert standin.since(mark) == []
