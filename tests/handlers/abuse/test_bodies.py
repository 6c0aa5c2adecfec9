"""Bodies Slack would never send: too large (refused before they are read) or signed but malformed.

Each gets a plain HTTP answer (413 or 400), one log line, no listener run, no Web API call, no row.
"""

from __future__ import annotations

import io
import logging
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.cli.serve import make_server
from bot.testing.slack_sim import SlackSim, signature
from bot.testing.slack_standin import SlackStandIn
from handlers.http import MAX_BODY
from store.db import Database
from tests.dbsnapshot import changes, snapshot
from tests.handlers.conftest import ADMIN, SECRET


class Untouchable(io.RawIOBase):
    """A request body that fails the test if anybody reads it."""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    def readinto(self, b: Any) -> int:
        raise AssertionError("the body was read")


def test_a_body_over_the_limit_is_refused_before_it_is_read(slack: SlackSim, standin: SlackStandIn) -> None:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"] = status

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(64 * 1024 * 1024),
        "wsgi.input": Untouchable(),
    }
    body = b"".join(slack.app(environ, start_response))
    assert seen["status"].startswith("413") and b"too large" in body
    assert standin.methods() in ([], ["auth.test"])  # the token check at start, nothing for the request


def test_a_signed_command_over_the_limit_gets_413_and_changes_nothing(
    slack: SlackSim, standin: SlackStandIn, db: Database, team: str
) -> None:
    before = snapshot(db)
    text = "reduce " + "9" * MAX_BODY
    body = urlencode({"command": "/licenses", "text": text, "user_id": ADMIN, "team_id": team}).encode()
    answer = slack.send(body, "application/x-www-form-urlencoded")
    assert answer.status == 413
    assert standin.methods() in ([], ["auth.test"]) and changes(before, snapshot(db)) == {}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1,2]", "application/json"),
        (b"payload=%7Bnot", "application/x-www-form-urlencoded"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
        (b"payload=%7B%7D&payload=%7B%7D", "application/x-www-form-urlencoded"),
    ],
)
def test_a_signed_malformed_body_gets_400_one_log_line_and_no_traceback(
    slack: SlackSim,
    standin: SlackStandIn,
    db: Database,
    team: str,
    body: bytes,
    content_type: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = snapshot(db)
    with caplog.at_level(logging.DEBUG):
        answer = slack.send(body, content_type)
    assert answer.status == 400 and answer.json() == {"error": "malformed request"}
    assert standin.methods() in ([], ["auth.test"]) and changes(before, snapshot(db)) == {}
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and not any(r.exc_info for r in caplog.records)


def test_a_proper_request_still_passes(slack: SlackSim, team: str) -> None:
    body = urlencode({"command": "/licenses", "text": "help", "user_id": ADMIN, "team_id": team}).encode()
    assert slack.send(body, "application/x-www-form-urlencoded", sign=None).status == 200
    assert signature(SECRET, 1, b"") != ""


def test_the_server_refuses_long_bodies_itself() -> None:
    server = make_server(lambda environ, start_response: [], "127.0.0.1", 0, 1)
    try:
        assert server.adj.max_request_body_size == MAX_BODY
    finally:
        server.close()
