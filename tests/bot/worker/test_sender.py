"""Delivering the outbox: 429 / 500 / connection errors, backoff, failures, pacing, concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from bot.core.audit import MessageKind
from bot.testing.slack_standin import SlackStandIn
from bot.worker import sender as sender_module
from bot.worker.outbox import outbox_status, queue
from bot.worker.pacing import Pacer
from bot.worker.ports import Posted
from bot.worker.sender import MAX_ATTEMPTS, Sender
from handlers.blocks.rendered import render_notice
from handlers.webapi import SlackPoster, make_client
from store.db import Database
from store.queries import load_account
from tests.bot.worker.conftest import stand_in_sender
from tests.bot.worker.scenario import D7, TEAM, ClockPoster, audit_actions, deliveries, posts, run, standard_team

TEAMS = [f"T000{i}" for i in range(1, 6)]


def _accounts(db: Database) -> None:
    for i, team in enumerate(TEAMS):
        standard_team(db, team, channel=f"C0ADM{i}")


def _until_delivered(db: Database, sender: Sender, start: Any, passes: int = 12) -> int:
    """Run passes 20 minutes apart until nothing is pending; returns the number of passes."""
    now = start
    for n in range(1, passes + 1):
        run(db, sender, now)
        if all(status != "pending" for _, _, status, _ in deliveries(db)):
            return n
        now += timedelta(minutes=20)
    raise AssertionError(f"still pending after {passes} passes: {deliveries(db)}")


def test_every_reminder_arrives_exactly_once_despite_429_and_500(db: Database, standin: SlackStandIn) -> None:
    _accounts(db)
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=2)
    standin.fail("chat.postMessage", "internal_error", status=500, times=3)
    standin.fail("conversations.open", "ratelimited", status=429, retry_after=1, times=1)
    standin.fail("conversations.open", "internal_error", status=500, times=2)
    standin.fail("chat.postMessage", "fatal_error", times=1, channel="C0ADM3")  # HTTP 200, ok: false
    passes = _until_delivered(db, stand_in_sender(standin), D7)
    assert passes > 1  # some failures had to wait for a later pass
    delivered = posts(standin)
    assert all(count == 1 for count in delivered.values()), delivered
    # Each account's reminder reached its channel and both admins: 5 x 3 distinct messages.
    assert len(delivered) == 15
    assert {channel for channel, _ in delivered} == {f"C0ADM{i}" for i in range(5)} | {"DU0000", "DU0001"}
    assert all(status == "sent" for _, _, status, _ in deliveries(db))
    failed_calls = [c for c in standin.calls if not c.ok]
    assert len(failed_calls) == 9  # every planned failure happened


def test_a_429_is_waited_out_within_the_call(db: Database, standin: SlackStandIn) -> None:
    standard_team(db)
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=1, channel="C0ADMINS")
    report = run(db, stand_in_sender(standin), D7)
    assert report.delivery is not None
    assert len(report.delivery.sent) == 3 and report.delivery.retrying == []
    assert [d[3] for d in deliveries(db)] == [1, 1, 1]  # one attempt each, as far as the outbox knows
    assert len([c for c in standin.calls_to("chat.postMessage") if c.params["channel"] == "C0ADMINS"]) == 2


def test_failures_back_off_then_fail_for_good_without_blocking_others(db: Database, standin: SlackStandIn) -> None:
    standard_team(db)
    standin.fail("chat.postMessage", "channel_not_found", channel="C0ADMINS")  # always
    sender = stand_in_sender(standin)
    attempts_at = [D7]
    for minutes in (1, 2, 4, 8):
        attempts_at.append(attempts_at[-1] + timedelta(minutes=minutes))
    for i, now in enumerate(attempts_at, start=1):
        if i > 1:  # just before a retry is due, nothing is tried
            before = len(standin.calls_to("chat.postMessage"))
            run(db, sender, now - timedelta(seconds=1))
            assert len(standin.calls_to("chat.postMessage")) == before
        report = run(db, sender, now)
        assert report.delivery is not None
        channel_row = next(d for d in deliveries(db) if d[1] == "C0ADMINS")
        assert channel_row[3] == i
    assert next(d for d in deliveries(db) if d[1] == "C0ADMINS")[2] == "failed"
    assert report.delivery is not None
    assert report.delivery.failed and report.delivery.failed[0].target == "C0ADMINS"
    # The DMs were delivered on the first pass.
    assert sorted(c for c, _ in posts(standin)) == ["DU0000", "DU0001"]
    # Logged in the audit log, and shown by the status.
    failed = [d for a, d in audit_actions(db, TEAM) if a == "message.failed"]
    assert len(failed) == 1 and failed[0]["attempts"] == MAX_ATTEMPTS
    assert "channel_not_found" in failed[0]["error"]
    status = outbox_status(db, team=TEAM)
    assert status.failed_total == 1 and status.failed[0].target == "C0ADMINS"
    assert status.failed[0].error is not None and "channel_not_found" in status.failed[0].error
    # Later passes leave it alone.
    run(db, sender, attempts_at[-1] + timedelta(days=1))
    assert next(d for d in deliveries(db) if d[1] == "C0ADMINS")[3] == MAX_ATTEMPTS


def test_connection_errors_are_retried_on_a_later_pass(db: Database, standin: SlackStandIn) -> None:
    standard_team(db)
    unreachable = Sender(
        SlackPoster(lambda: make_client("xoxb-test", "http://127.0.0.1:9/api/")), pacer=Pacer(0), render=render_notice
    )
    report = run(db, unreachable, D7)
    assert report.delivery is not None and len(report.delivery.retrying) == 3
    assert all(o.error and "URLError" in o.error for o in report.delivery.retrying)
    run(db, stand_in_sender(standin), D7 + timedelta(minutes=1))
    assert len(standin.posts()) == 3


def test_a_dm_opens_the_conversation_once_per_user(db: Database, standin: SlackStandIn) -> None:
    standard_team(db, "T0001", channel="C0ADM1")
    standard_team(db, "T0002", channel="C0ADM2")  # the same admins' Slack ids
    run(db, stand_in_sender(standin), D7)
    opened = Counter(str(c.params["users"]) for c in standin.calls_to("conversations.open"))
    assert opened == {"U0000": 1, "U0001": 1}
    assert Counter(c for c, _ in posts(standin)) == {"C0ADM1": 1, "C0ADM2": 1, "DU0000": 2, "DU0001": 2}


def test_a_crash_between_the_slack_call_and_the_commit_resends_once(
    db: Database, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The documented window: Slack accepted the post, recording it did not commit.
    standard_team(db, channel=None, admins=(0,))
    real = Sender._record
    crashed: list[int] = []

    def record_or_crash(self: Sender, *args: Any) -> Any:
        if not crashed:
            crashed.append(1)
            raise RuntimeError("process killed")
        return real(self, *args)

    monkeypatch.setattr(Sender, "_record", record_or_crash)
    sender = stand_in_sender(standin)
    first = run(db, sender, D7)
    assert first.delivery is not None and first.delivery.errors
    run(db, sender, D7 + sender_module.LEASE)
    assert list(posts(standin).values()) == [2]  # at most once more, never more
    run(db, sender, D7 + sender_module.LEASE * 2)
    assert list(posts(standin).values()) == [2]


class BlockingPoster:
    """Posts only when `parties` posts are in flight together (proves the thread pool is used)."""

    def __init__(self, parties: int) -> None:
        self.barrier = threading.Barrier(parties, timeout=20)
        self.threads: set[str] = set()

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        self.threads.add(threading.current_thread().name)
        self.barrier.wait()
        return Posted(channel=target, ts="1.0")


def test_targets_are_delivered_concurrently(db: Database) -> None:
    standard_team(db, members=9, admins=(0, 1, 2, 3, 4, 5), remove=None)
    with db.transaction() as s:
        account = load_account(s, TEAM)
        targets = [f"C0CHAN{i}" for i in range(8)]
        queue(
            s,
            account_id=account.id,
            key="test:1",
            kind=MessageKind.REMINDER,
            targets=targets,
            message={"text": "hi"},
            now=D7,
        )
    poster = BlockingPoster(parties=4)
    report = Sender(poster, threads=4, pacer=Pacer(0), render=render_notice).deliver_due(db, D7)
    assert len(report.sent) == 8 and not report.errors
    assert len(poster.threads) == 4


def test_the_pacer_keeps_a_second_between_posts_to_one_channel() -> None:
    clock = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)

    pacer = Pacer(1.0, clock=lambda: clock[0], sleep=sleep)
    waits = [pacer.wait("C1"), pacer.wait("C1"), pacer.wait("C2"), pacer.wait("C1")]
    assert waits == [0.0, 1.0, 0.0, 2.0]
    clock[0] = 110.0
    assert pacer.wait("C1") == 0.0  # long after the last post: no wait


def test_the_sender_paces_posts_into_one_channel(db: Database) -> None:
    standard_team(db, remove=None)
    with db.transaction() as s:
        account = load_account(s, TEAM)
        for n in range(3):
            queue(
                s,
                account_id=account.id,
                key=f"test:{n}",
                kind=MessageKind.REMINDER,
                targets=["C0ONE"],
                message={"text": f"{n}"},
                now=D7,
            )
    poster = ClockPoster()
    Sender(poster, pacer=poster.pacer(), render=render_notice).deliver_due(db, D7)
    posted_at = [at for at, _target, _text in poster.posted]
    assert posted_at == [0.0, 1.0, 2.0]
