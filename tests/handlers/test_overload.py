"""Overload is honest (issue 17): work after an ack that cannot start within `MAX_WAIT` s of its request is
not done late but answered "busy, try again in a minute"; when the change was stored before the ack, the
answer says it was saved and its announcements stay in the outbox for the worker.

The after-ack pool here has one thread, held by a blocker while requests queue behind it; its clock is
time.monotonic plus a skew the test moves past MAX_WAIT (no sleeping, no timing assertions).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.testing.blocktext import message_to_text
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.errors import OVERLOADED, saved_but_busy
from handlers.followup import MAX_WAIT, AfterAck
from handlers.http import build_wsgi
from store import models
from store.db import Database
from tests.handlers.conftest import ADMIN, SECRET, TEAM
from tests.handlers.helpers import seats
from tests.handlers.test_after_ack import wait_until


class Skewed:
    """time.monotonic, plus `skew` seconds."""

    def __init__(self) -> None:
        self.skew = 0.0

    def __call__(self) -> float:
        import time

        return time.monotonic() + self.skew


class Held:
    """An AfterAck of one thread with a fake clock, whose thread can be held by a blocker."""

    def __init__(self) -> None:
        self.clock = Skewed()
        self.pool = AfterAck(threads=1, clock=self.clock)
        self.release = threading.Event()

    def hold(self) -> None:
        self.release.clear()

        def blocker() -> None:
            self.release.wait(10)

        self.pool(blocker, lambda exc: None)

    def let_go(self, late: bool) -> None:
        self.clock.skew = MAX_WAIT + 1 if late else 0.0
        self.release.set()
        wait_until(lambda: self.pool.pending == 0, "the queued work")


@pytest.fixture
def held() -> Iterator[Held]:
    h = Held()
    yield h
    h.release.set()


@pytest.fixture
def busy_slack(standin: SlackStandIn, deps: Deps, held: Held) -> SlackSim:
    # process_before_response: Bolt answers when the listener returns; its `later` work goes to the pool
    deps = replace(deps, after_ack=held.pool)
    settings = Settings(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url)
    app = build_app(settings, deps, process_before_response=True)
    return SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin, team=TEAM)


def answers(standin: SlackStandIn) -> list[str]:
    return [message_to_text(c.params) for c in standin.calls_to("response_url")]


def test_a_status_that_cannot_start_in_time_is_answered_busy(
    busy_slack: SlackSim, standin: SlackStandIn, held: Held, team: str
) -> None:
    held.hold()
    assert busy_slack.command(ADMIN, "status").status == 200
    assert not standin.calls_to("response_url")  # queued behind the blocker
    held.let_go(late=True)
    [answer] = answers(standin)
    assert "busy" in answer and "Try again in a minute" in answer and "nothing was changed" in answer
    assert "Licenses" not in answer and "renewal" not in answer.lower()  # the page itself was not built


def test_a_status_that_starts_in_time_is_answered_with_the_page(
    busy_slack: SlackSim, standin: SlackStandIn, held: Held, team: str
) -> None:
    held.hold()
    assert busy_slack.command(ADMIN, "status").status == 200
    held.let_go(late=False)
    [answer] = answers(standin)
    assert "busy" not in answer and "renewal" in answer.lower()


def test_a_stored_request_shed_after_its_ack_is_said_saved_and_its_announcements_wait_in_the_outbox(
    busy_slack: SlackSim, standin: SlackStandIn, held: Held, db: Database, team: str
) -> None:
    assert busy_slack.command(ADMIN, "reduce").status == 200
    wait_until(lambda: bool(standin.calls_to("views.update")), "the reduce modal")
    held.hold()
    assert not busy_slack.submit(ADMIN, busy_slack.last_modal_id(), seats("1")).body  # the ack: stored
    held.let_go(late=True)
    with db.transaction(read_only=True) as s:
        [request] = s.scalars(select(models.ReductionRequest)).all()
        queued = s.scalars(select(models.Delivery).where(models.Delivery.status == "pending")).all()
    assert request.status == "pending" and request.seats_removed == 1
    assert {d.target for d in queued} == {ADMIN, "C0ADMINS"}  # the DM and the post wait for the worker
    [told] = standin.calls_to("chat.postMessage")  # the one answer: a DM (a submission has no response_url)
    assert told.params["channel"] == ADMIN
    assert "Your request was saved" in message_to_text(told.params)
    assert not standin.calls_to("views.publish")  # the App Homes were not refreshed late


def test_a_modal_that_cannot_be_filled_in_time_says_busy_in_the_modal(
    busy_slack: SlackSim, standin: SlackStandIn, held: Held, team: str
) -> None:
    held.hold()
    assert busy_slack.command(ADMIN, "reduce").status == 200
    assert len(standin.calls_to("views.open")) == 1  # the loading view, at once (the trigger id lives 3 s)
    held.let_go(late=True)
    [update] = standin.calls_to("views.update")
    assert OVERLOADED.split(":")[0] in str(update.params["view"])
    assert "seats" not in str(update.params["view"]).lower()


def test_the_saved_answer_names_the_change() -> None:
    text = saved_but_busy("Your request")
    assert text.startswith("Your request was saved") and "Nothing needs to be done again" in text


def test_work_without_a_shed_answer_is_never_shed() -> None:
    clock = Skewed()
    pool = AfterAck(threads=1, clock=clock)
    ran: list[str] = []
    pool(lambda: ran.append("work"), lambda exc: None, None, clock() - 100)
    pool(lambda: ran.append("late work"), lambda exc: None, lambda: ran.append("shed"), clock() - 100)
    pool(lambda: ran.append("fresh work"), lambda exc: None, lambda: ran.append("shed"), clock())
    wait_until(lambda: pool.pending == 0, "the three items")
    assert ran == ["work", "shed", "fresh work"]
