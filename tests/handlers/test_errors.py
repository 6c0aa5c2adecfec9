"""The one error handler: failures become a clear message to the person, never silence."""

from __future__ import annotations

import pytest

from bot import usecases
from bot.core.errors import Unavailable
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.usecases import snapshot
from handlers.errors import INTERNAL, UNAVAILABLE
from handlers.ids import Action
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import last_reply


def test_an_unreachable_database_is_said_so(
    slack: SlackSim, standin: SlackStandIn, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_a: object, **_k: object) -> None:
        raise Unavailable("connection refused")

    monkeypatch.setattr(snapshot, "read", down)  # what the status reads
    slack.command(ADMIN, "status")
    assert last_reply(standin) == f"⛔ {UNAVAILABLE}"


def test_an_unexpected_failure_is_logged_and_the_person_told(
    slack: SlackSim, standin: SlackStandIn, team: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(usecases, "history", broken)
    slack.command(ADMIN, "history")
    assert last_reply(standin) == f"⛔ {INTERNAL}"
    assert "boom" in caplog.text


def test_without_a_response_url_the_error_comes_as_a_dm(slack: SlackSim, standin: SlackStandIn, team: str) -> None:
    slack.click(ADMIN, Action.CANCEL_REQUEST, "7", where="home")
    [dm] = standin.calls_to("chat.postMessage")
    assert dm.params["channel"] == ADMIN
    assert "There is no pending license reduction to cancel" in dm.params["text"]
