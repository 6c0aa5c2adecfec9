"""Production mode (process_before_response=False): the work after an ack runs on a pool of its own.

bench/ack.py found that listeners kept their thread for the work after `ack()`: under load new
requests waited for a listener thread before they could ack, and after 3 s Bolt gave up on them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers import commands
from handlers.app import Settings, build_app
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import INTERNAL
from handlers.http import build_wsgi
from tests.handlers.conftest import ADMIN, SECRET, TEAM


def production_sim(standin: SlackStandIn, deps: Deps, listener_threads: int) -> SlackSim:
    settings = Settings(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url)
    app = build_app(settings, deps, listener_threads=listener_threads)  # process_before_response=False
    return SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin, team=TEAM)


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


def test_acks_do_not_wait_for_the_work_of_earlier_requests(
    standin: SlackStandIn, deps: Deps, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    finished: list[str] = []

    def slow_status(ctx: Ctx, args: str, command: dict[str, Any]) -> None:
        release.wait(10)  # e.g. a slow Web API
        finished.append(str(command["response_url"]))

    monkeypatch.setitem(commands.SUBCOMMANDS, "status", slow_status)
    slack = production_sim(standin, deps, listener_threads=2)
    try:
        # More requests than listener threads, every one's work still running: each is acked.
        statuses = [slack.command(ADMIN, "status").status for _ in range(5)]
    finally:
        release.set()
    assert statuses == [200] * 5
    wait_until(lambda: len(finished) == 5, "the work of the 5 requests")


def test_a_failure_after_the_ack_is_told_to_the_user(
    standin: SlackStandIn, deps: Deps, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: Ctx, args: str, command: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.SUBCOMMANDS, "history", broken)
    slack = production_sim(standin, deps, listener_threads=2)
    assert slack.command(ADMIN, "history").status == 200
    wait_until(lambda: bool(standin.calls_to("response_url")), "the answer through the response_url")
    [answer] = standin.calls_to("response_url")
    assert answer.params["response_type"] == "ephemeral"
    assert INTERNAL.split(";")[0] in message_to_text(answer.params)


def test_the_status_is_answered_after_the_ack(standin: SlackStandIn, deps: Deps, team: str) -> None:
    slack = production_sim(standin, deps, listener_threads=2)
    response = slack.command(ADMIN, "status")
    assert response.status == 200 and not response.body
    wait_until(lambda: bool(standin.calls_to("response_url")), "the license page through the response_url")
    assert "licenses" in message_to_text(standin.calls_to("response_url")[0].params).lower()
