"""The real Bolt app behind the real WSGI app, a Web API stand-in, and a workspace with users.

`slack` sends signed requests as Slack does. The app runs with process_before_response=True so that
everything a listener does has happened when the response returns (deterministic assertions).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest

from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers import quick
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.http import build_wsgi
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, add_members

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0001"
ADMIN = "U0000"
ADMIN2 = "U0001"
USER = "U0002"


@pytest.fixture(autouse=True)
def _quick_answers_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts with statuses answerable in their acks (bot/wsgi.py turns that off for its process)."""
    monkeypatch.setattr(quick, "_enabled", [True])


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id=TEAM) as s:
        yield s


class Clock:
    """The instant the app believes it is; tests move it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def deps(db: Database, clock: Clock) -> Deps:
    return Deps(db=db, clock=clock)


@pytest.fixture
def slack(standin: SlackStandIn, deps: Deps) -> SlackSim:
    settings = Settings(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url)
    app = build_app(settings, deps, process_before_response=True)
    return SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin, team=TEAM)


@pytest.fixture
def team(db: Database) -> str:
    """10 licenses renewing on 2027-01-01 (deadline 2026-12-17, 21 days after NOW); 8 active users.

    User i is `User i`, Slack id U000i, added 2024-01-0(i+1); users 0 and 1 are admins.
    """
    add_account(db, TEAM, seats=10, renews=date(2027, 1, 1))
    add_members(db, TEAM, 8, admins=(0, 1))
    return TEAM
