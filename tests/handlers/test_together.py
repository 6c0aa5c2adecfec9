"""The independent Web API calls of one change (a DM, a channel post, every admin's App Home) go out at the
same time in production (handlers/followup.Together); in tests (Deps default) one after the other."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.testing.slack_standin import SlackStandIn
from handlers import home
from handlers.context import Ctx
from handlers.deps import Deps, in_turn
from handlers.followup import AfterAck, Together, drain
from tests.handlers.conftest import ADMIN
from tests.handlers.helpers import seats
from tests.handlers.test_after_ack import production_sim, wait_until


def test_the_calls_are_in_flight_at_once() -> None:
    together = Together(threads=4)
    meet = threading.Barrier(4, timeout=5)  # broken (an error) unless all four calls wait here together

    def call() -> bool:
        meet.wait()
        return True

    try:
        assert together([call] * 4) == [True] * 4
    finally:
        together.shutdown()


def test_answers_come_back_in_the_order_of_the_calls() -> None:
    together = Together(threads=3)
    gate = threading.Event()

    def slow() -> bool:
        gate.wait(5)
        return False

    def quick() -> bool:
        gate.set()
        return True

    try:
        assert together([slow, quick, quick]) == [False, True, True]
    finally:
        together.shutdown()


def test_a_failing_call_is_raised_after_the_others_ended() -> None:
    together = Together(threads=2)
    release, ended = threading.Event(), threading.Event()

    def failing() -> bool:
        release.set()
        raise RuntimeError("boom")

    def slower() -> bool:
        release.wait(5)
        ended.set()
        return True

    try:
        with pytest.raises(RuntimeError, match="boom"):
            together([failing, slower])
        assert ended.is_set()
    finally:
        together.shutdown()


def test_in_tests_the_calls_run_in_turn() -> None:
    order: list[int] = []

    def call(n: int) -> bool:
        order.append(n)
        return n % 2 == 0

    assert in_turn([lambda: call(1), lambda: call(2)]) == [False, True]
    assert order == [1, 2]


def test_a_reduction_publishes_every_admin_home_from_the_call_pool(
    standin: SlackStandIn, deps: Deps, team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    publish = home._publish

    def recorded(ctx: Ctx, user_id: str, view: dict[str, Any]) -> bool:
        threads.append(threading.current_thread().name)
        return publish(ctx, user_id, view)

    monkeypatch.setattr(home, "_publish", recorded)
    slack = production_sim(standin, deps, listener_threads=2)
    assert slack.command(ADMIN, "reduce").status == 200
    wait_until(lambda: bool(standin.calls_to("views.update")), "the reduce modal")
    assert not slack.submit(ADMIN, slack.last_modal_id(), seats("1")).body
    wait_until(lambda: len(standin.calls_to("views.publish")) == 2, "both admins' App Homes")
    wait_until(lambda: len(standin.calls_to("chat.postMessage")) == 2, "the DM and the admin-channel post")
    assert len(threads) == 2 and all(name.startswith("web-api") for name in threads)


def test_drain_waits_for_the_work_after_acks_and_says_what_is_left(caplog: pytest.LogCaptureFixture) -> None:
    pool = AfterAck(threads=1)
    release = threading.Event()
    done: list[int] = []

    def work(n: int) -> None:
        release.wait(5)
        done.append(n)

    for n in range(3):
        pool(lambda n=n: work(n), lambda exc: None)  # type: ignore[misc]
    assert pool.pending == 3
    assert drain(0.05) >= 3  # still blocked: what is left is counted and logged
    assert "answers after acks still unsent" in caplog.text
    release.set()
    assert drain(5) == 0
    assert done == [0, 1, 2]
