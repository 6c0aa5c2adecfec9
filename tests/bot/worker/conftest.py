"""Fixtures for the background handler: a Web API stand-in and a Sender posting to it.

The standard scenario (`team`): account T0001, 10 licenses, quarterly, renewing Fri 1 Jan 2027 in
Brussels, admin channel C0ADMINS; users `User 0`..`User 8` (Slack ids U0000..U0008) added a day
apart, User 0 and User 1 admins. An admin asks to remove 3 licenses (10 -> 7) at NOW, so 2 users
must be deactivated: automatically User 8 and User 7 (the most recently added).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.testing.slack_standin import SlackStandIn
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from handlers.blocks.rendered import render_notice
from handlers.webapi import SlackPoster, make_client
from store.db import Database
from tests.bot.worker.scenario import TEAM, standard_team


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(team_id=TEAM) as s:
        yield s


def stand_in_sender(standin: SlackStandIn, *, threads: int = 4) -> Sender:
    return Sender(
        SlackPoster(lambda: make_client("xoxb-test", standin.api_url)),
        threads=threads,
        pacer=Pacer(0),
        render=render_notice,
    )


@pytest.fixture
def sender(standin: SlackStandIn) -> Sender:
    return stand_in_sender(standin)


@pytest.fixture
def team(db: Database) -> str:
    return standard_team(db)
