"""Slack's documented rate limits in the stand-in (429 + Retry-After), and the sender honouring Retry-After."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from slack_sdk.errors import SlackApiError

from bot.core.audit import MessageKind
from bot.testing.ratelimits import RateLimits
from bot.testing.slack_standin import SlackStandIn
from bot.worker.outbox import queue
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from handlers.blocks.rendered import render_notice
from handlers.webapi import SlackPoster, make_client
from store.db import Database
from store.queries import load_account
from tests.bot.worker.scenario import D7, TEAM, deliveries, standard_team


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_tier_allows_its_burst_then_answers_retry_after_until_a_request_is_due() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock)  # conversations.open: Tier 3, 50 a minute, a burst of 12
    assert [limits.retry_after("conversations.open", "T1", None) for _ in range(12)] == [None] * 12
    assert limits.retry_after("conversations.open", "T1", None) == 2  # 1.2 s until the next one
    assert limits.retry_after("conversations.open", "T2", None) is None  # per workspace
    assert limits.retry_after("views.publish", "T1", None) is None  # per method
    clock.now += 1.2
    assert limits.retry_after("conversations.open", "T1", None) is None
    assert limits.retry_after("auth.test", "T1", None) is None  # not limited here
    assert limits.limited == 1


def test_chat_post_message_is_limited_per_channel_with_a_short_burst() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock)
    assert [limits.retry_after("chat.postMessage", "T1", "C1") for _ in range(3)] == [None, None, 1]
    assert limits.retry_after("chat.postMessage", "T1", "C2") is None
    clock.now += 1.0
    assert limits.retry_after("chat.postMessage", "T1", "C1") is None


def test_the_stand_in_answers_429_with_retry_after() -> None:
    with SlackStandIn(rate_limits=RateLimits(tiers={1: 1, 2: 20, 3: 60, 4: 100}, burst_minutes=0)) as standin:
        client = make_client("xoxb-test", standin.api_url, rate_limit_retries=0)
        client.conversations_open(users="U0001")
        with pytest.raises(SlackApiError) as raised:
            client.conversations_open(users="U0002")
        assert raised.value.response.status_code == 429
        assert raised.value.response.headers.get("Retry-After") in ("1", ["1"])
        assert raised.value.response.data["error"] == "ratelimited"


def _queue_dms(db: Database, users: list[str]) -> None:
    with db.transaction() as s:
        account = load_account(s, TEAM)
        queue(
            s, account_id=account.id, key="k", kind=MessageKind.REMINDER, targets=users, message={"text": "hi"}, now=D7
        )


def test_the_sender_waits_retry_after_before_calling_again(db: Database) -> None:
    """conversations.open limited to one a second: each 429 is waited out (Retry-After), none counts as a
    failed attempt, and every message arrives once."""
    standard_team(db, remove=None)
    users = ["U0002", "U0003", "U0004"]
    _queue_dms(db, users)
    limits = RateLimits(tiers={1: 1, 2: 20, 3: 60, 4: 100}, burst_minutes=0)
    with SlackStandIn(team_id=TEAM, rate_limits=limits) as standin:
        sender = Sender(
            SlackPoster(lambda: make_client("xoxb-test", standin.api_url)),
            threads=1,
            pacer=Pacer(0),
            render=render_notice,
        )
        report = sender.deliver_due(db, D7)
        opens = standin.calls_to("conversations.open")
    assert len(report.sent) == 3 and not report.retrying and not report.failed
    assert [d[2:] for d in deliveries(db)] == [("sent", 1)] * 3
    assert limits.limited >= 1
    for before, after in itertools.pairwise(opens):
        if not before.ok:  # the next call came after the Retry-After (1 s), less the stand-in's timing jitter
            assert after.at - before.at >= 0.9
    assert sorted(str(c.params["users"]) for c in opens if c.ok) == users


def test_a_429_still_there_after_the_clients_retries_postpones_the_message_without_an_attempt(db: Database) -> None:
    standard_team(db, remove=None)
    _queue_dms(db, ["U0002"])
    with SlackStandIn(team_id=TEAM) as standin:
        standin.fail("conversations.open", "ratelimited", status=429, retry_after=7, times=1)
        poster = SlackPoster(lambda: make_client("xoxb-test", standin.api_url, rate_limit_retries=0))
        sender = Sender(poster, threads=1, pacer=Pacer(0), render=render_notice)
        first = sender.deliver_due(db, D7)
        assert [d[2:] for d in deliveries(db)] == [("pending", 0)]  # no attempt counted
        assert len(first.retrying) == 1 and "429" in str(first.retrying[0].error)
        assert not sender.deliver_due(db, D7 + timedelta(seconds=6)).sent  # Retry-After not over yet
    with SlackStandIn(team_id=TEAM) as standin:
        sender = Sender(
            SlackPoster(lambda: make_client("xoxb-test", standin.api_url)),
            threads=1,
            pacer=Pacer(0),
            render=render_notice,
        )
        assert len(sender.deliver_due(db, D7 + timedelta(seconds=8)).sent) == 1
    assert [d[2:] for d in deliveries(db)] == [("sent", 1)]


def test_the_pacer_allows_slacks_burst_then_one_post_a_second_per_channel() -> None:
    clock = Clock()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))
        clock.now += seconds

    pacer = Pacer(1.0, burst=2, clock=clock, sleep=sleep)
    waits = [round(pacer.wait("C1"), 3) for _ in range(4)]
    assert waits == [0, 0, 1.0, 1.0] and slept == [1.0, 1.0]
    assert pacer.wait("C2") == 0  # per channel
    clock.now += 5  # a quiet channel gets its burst back, no more
    assert [round(pacer.wait("C1"), 3) for _ in range(3)] == [0, 0, 1.0]
    strict = Pacer(1.0, clock=clock, sleep=sleep)  # burst 1: a second between any two posts
    assert [round(strict.wait("C9"), 3) for _ in range(3)] == [0, 1.0, 1.0]
