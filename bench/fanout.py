"""Reminder fan-out: N accounts (an admin channel and 3 admins each) all due at the same tick.

The Web API stand-in runs in its own process and adds --latency (50 ms) to every call. Three rounds,
rounds 1 and 2 by a new Sender each (as after a restart, or by another worker process):

1. the first reminder ever (d7): every admin's DM channel is unknown yet;
2. the next reminder (d3): what the first round learned is all a new worker process knows;
3. pacing, by the second worker: 3 more messages to every target of 50 accounts (at least 2 s per
   channel by design, and at least 1 s after its post of round 2).

For each round: messages, Web API calls, wall time of the tick (deciding and queueing) and of the
delivery, the ideal delivery time and the ratio to it. Then checks that every message arrived exactly
once and that no channel got more posts than the Pacer allows (BURST at once, then one a second).

The ideal is what the threads and Slack allow: calls x latency / threads, or, with --rate-limits, the
longer of that and what Slack's documented tiers allow (bot/testing/ratelimits.py: the stand-in then
answers 429 with Retry-After past them, and every account posts with a token of its own, as one
workspace each): per channel one post a second after a burst of two, per method and workspace its tier.

    .venv/bin/python -m bench.fanout [--accounts 1000] [--threads 32] [--latency 0.05] [--postgres]
        [--rate-limits]
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from bench.common import ScratchDatabase, machine, say, table
from bench.standin import StandInProcess
from bot import usecases
from bot.cli.wiring import slack_notices
from bot.core.audit import Actor, MessageKind
from bot.core.members_csv import MemberRow
from bot.testing.ratelimits import (
    METHOD_TIERS,
    POST_BURST,
    POST_PER_CHANNEL_SECONDS,
    TIER_PER_MINUTE,
    Bucket,
    RateLimits,
)
from bot.usecases import AccountChanges
from bot.worker.outbox import queue, recipients
from bot.worker.pacing import BURST, Pacer
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from handlers.blocks.rendered import render_notice
from handlers.webapi import SlackPoster, make_client
from store import models
from store.db import Database, make_engine

SETUP_AT = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
# 09:00 in Brussels, 7 and 3 days before the renewal of 1 Jan 2027.
D7 = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)
D3 = datetime(2026, 12, 29, 8, 0, tzinfo=UTC)
PACING_ACCOUNTS = 50
PACING_MESSAGES = 3
MIN_GAP = 1.0
JITTER = 0.1
"""Allowed difference between the sender's clock and the stand-in's arrival times (thread scheduling: up to 0.07 s
was seen with other test runs loading both cores). The pacer itself is tested with a fake clock (test_sender.py)."""


def setup(db: Database, accounts: int) -> None:
    for n in range(accounts):
        team = f"T{n:06d}"
        usecases.add_account(
            db,
            team=team,
            now=SETUP_AT,
            changes=AccountChanges(
                name=f"Account {n}",
                plan="quarterly",
                seats=6,
                renews=date(2027, 1, 1),
                timezone="Europe/Brussels",
                admin_channel=f"C{n:06d}",
            ),
        )
        rows = [
            MemberRow(
                line=i + 2,
                email=f"user{i}@example.com",
                name=f"User {i}",
                slack_user_id=f"U{n:06d}{i}" if i < 3 else None,  # 3 admins with their own Slack ids
                admin=i < 3,
                added_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i),
            )
            for i in range(6)
        ]
        usecases.import_members(db, team=team, rows=rows, now=SETUP_AT)
        usecases.submit_reduction(db, team=team, actor=Actor.slack(f"U{n:06d}0"), seats=2, now=SETUP_AT)


def queue_pacing_burst(db: Database, accounts: int, now: datetime, messages: int) -> int:
    """`messages` more messages to every target of the first `accounts` accounts (outbox.queue)."""
    added = 0
    with db.transaction() as s:
        for account in s.scalars(select(models.Account).order_by(models.Account.id).limit(accounts)):
            targets = recipients(s, account)
            for k in range(messages):
                message = {"text": f"pacing check {k} for {account.slack_team_id}", "blocks": []}
                added += queue(
                    s,
                    account_id=account.id,
                    key=f"bench:{k}",
                    kind=MessageKind.REMINDER,
                    targets=targets,
                    message=message,
                    now=now,
                )
    return added


@dataclass
class Round:
    name: str
    tick_s: float
    queued: int
    sent: int
    failed: int
    calls: Counter[str]
    deliver_s: float
    threads: int
    latency: float

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    limits_s: float = 0.0
    """The time Slack's rate limits need at least for this round's calls (0 without --rate-limits)."""
    limited: int = 0
    """Calls the stand-in answered 429."""

    @property
    def ideal_s(self) -> float:
        return max(self.total_calls * self.latency / self.threads, self.limits_s)


def new_sender(standin: StandInProcess, threads: int, per_workspace: bool = False) -> Sender:
    """A new worker process's Sender: empty in-process caches (DM channels, pacer). `per_workspace`: a token
    per account (its workspace), so that the stand-in's rate limits apply per workspace as Slack's do."""
    if not per_workspace:
        poster = SlackPoster(lambda: make_client("xoxb-bench", standin.api_url))
        return Sender(poster, threads=threads, pacer=Pacer(MIN_GAP, burst=BURST), render=render_notice)
    posters: dict[str, SlackPoster] = {}
    lock = threading.Lock()

    def poster_for(team: str) -> SlackPoster:
        with lock:
            if team not in posters:
                posters[team] = SlackPoster(lambda: make_client(f"xoxb-{team}", standin.api_url))
            return posters[team]

    return Sender(posters=poster_for, threads=threads, pacer=Pacer(MIN_GAP, burst=BURST), render=render_notice)


def _limit_key(c: dict[str, Any]) -> tuple[str, ...] | None:
    if c["method"] == "chat.postMessage":
        return ("post", str(c["token"]), str(c["channel"]))
    if c["method"] in METHOD_TIERS:
        return (c["method"], str(c["token"]))
    return None


def _bucket(key: tuple[str, ...], at: float) -> Bucket:
    if key[0] == "post":
        return Bucket(1 / POST_PER_CHANNEL_SECONDS, POST_BURST, POST_BURST, at)
    per_minute = TIER_PER_MINUTE[METHOD_TIERS[key[0]]]
    burst = float(max(1, math.floor(per_minute * RateLimits().burst_minutes)))
    return Bucket(per_minute / 60, burst, burst, at)


def limits_time(earlier: list[dict[str, Any]], calls: list[dict[str, Any]], latency: float) -> float:
    """The least time Slack's documented limits allow for a round's `calls` from its first call on: each limit
    a token bucket, as the `earlier` calls (their real times) left it; each call as early as its bucket allows."""
    if not calls:
        return 0.0
    start = min(float(c["at"]) for c in calls)
    buckets: dict[tuple[str, ...], Bucket] = {}
    for c in earlier:
        key = _limit_key(c)
        if key is not None:
            buckets.setdefault(key, _bucket(key, float(c["at"]))).take(float(c["at"]))
    finish = start + latency
    for key, n in Counter(k for k in map(_limit_key, calls) if k is not None).items():
        bucket, at = buckets.setdefault(key, _bucket(key, start)), start
        for _ in range(n):
            while wait := bucket.take(at):
                at += wait
        finish = max(finish, at + latency)
    return finish - start


def deliver(db: Database, sender: Sender, now: datetime) -> tuple[int, int, float]:
    started = time.perf_counter()
    report = sender.deliver_due(db, now)
    took = time.perf_counter() - started
    if report.errors or report.retrying:
        raise RuntimeError(f"delivery problems: {report.errors[:3]} {report.retrying[:3]}")
    return len(report.sent), len(report.failed), took


def run_round(
    name: str,
    db: Database,
    standin: StandInProcess,
    sender: Sender,
    now: datetime,
    args: argparse.Namespace,
    *,
    burst: int = 0,
) -> Round:
    before = len(standin.calls())
    started = time.perf_counter()
    if burst:
        queued = queue_pacing_burst(db, burst, now, args.pacing_messages)
    else:
        report = tick_accounts(db, now, notices=slack_notices(), threads=args.threads)
        if report.failures:
            raise RuntimeError(f"tick failures: {report.failures[:3]}")
        queued = sum(sum(a.queued.values()) for a in report.accounts)
    tick_s = time.perf_counter() - started
    sent, failed, deliver_s = deliver(db, sender, now)
    log = standin.calls()
    made = log[before:]
    ok = [c for c in made if c["ok"]]
    calls = Counter(c["method"] for c in ok)
    limits_s = limits_time([c for c in log[:before] if c["ok"]], ok, args.latency) if args.rate_limits else 0.0
    return Round(
        name,
        tick_s,
        queued,
        sent,
        failed,
        calls,
        deliver_s,
        args.threads,
        args.latency,
        limits_s=limits_s,
        limited=len(made) - len(ok),
    )


def check(calls: list[dict[str, Any]]) -> tuple[int, int, float]:
    """(distinct messages, messages delivered more than once, the shortest time one channel took BURST + 1 posts
    in a row: the Pacer allows BURST at once, then one per MIN_GAP, so it is MIN_GAP at least)."""
    posts = [c for c in calls if c["method"] == "chat.postMessage" and c["ok"]]
    seen = Counter((c["channel"], c["text"]) for c in posts)
    times: dict[str, list[float]] = defaultdict(list)
    for c in posts:
        times[str(c["channel"])].append(float(c["at"]))
    gaps = [b - a for ts in times.values() for a, b in zip(sorted(ts), sorted(ts)[BURST:], strict=False)]
    return len(seen), sum(1 for n in seen.values() if n > 1), min(gaps, default=float("inf"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32, help="sender threads (and tick threads on PostgreSQL)")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the stand-in adds to every call")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (lb_bench_fanout, dropped at the end)")
    parser.add_argument(
        "--rate-limits", action="store_true", help="the stand-in enforces Slack's tiers; a token per account"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny run (tests): 6 accounts, 4 threads, no latency, 2 paced messages"
    )
    args = parser.parse_args(argv)
    args.pacing_messages = PACING_MESSAGES
    if args.smoke:
        args.accounts, args.threads, args.latency, args.pacing_messages = 6, 4, 0.0, 2
    pacing = min(PACING_ACCOUNTS, args.accounts)
    with ScratchDatabase("postgresql" if args.postgres else "sqlite", "fanout") as scratch:
        db = Database.connect(scratch.url)
        if db.engine.dialect.name == "postgresql":
            db.dispose()
            db = Database(make_engine(scratch.url, pool_size=args.threads + 2, max_overflow=2))
        started = time.perf_counter()
        setup(db, args.accounts)
        setup_s = time.perf_counter() - started
        say(f"setup: {args.accounts} accounts in {setup_s:.1f} s")
        with StandInProcess(delay=args.latency, rate_limits=args.rate_limits) as standin:
            first = new_sender(standin, args.threads, args.rate_limits)
            second = new_sender(standin, args.threads, args.rate_limits)
            rounds = [
                run_round("1. first reminder (d7)", db, standin, first, D7, args),
                run_round("2. next reminder (d3), new worker", db, standin, second, D3, args),
                run_round(
                    f"3. same worker: {args.pacing_messages} more per target",
                    db,
                    standin,
                    second,
                    D3,
                    args,
                    burst=pacing,
                ),
            ]
            calls = standin.calls()
            distinct, duplicates, _ = check(calls)
            # The Pacer is per process: gaps count within each worker's posts (round 1; rounds 2 and 3).
            split = rounds[0].total_calls + rounds[0].limited
            gap = min(check(calls[:split])[2], check(calls[split:])[2])
        with db.transaction() as s:
            pending = s.scalar(
                select(func.count()).select_from(models.Delivery).where(models.Delivery.status != "sent")
            )
        db.dispose()
    queued = sum(r.queued for r in rounds)
    print(
        f"Reminder fan-out: {args.accounts} accounts x (1 admin channel + 3 admins), {scratch.kind}, "
        f"{args.threads} threads, stand-in adds {args.latency * 1000:.0f} ms per call (own process)"
        f"{', Slack rate limits enforced (a token per account)' if args.rate_limits else ''}. "
        f"Setup {setup_s:.1f} s.\n{machine()}\n"
    )
    rows = [
        [
            r.name,
            r.queued,
            f"{r.total_calls} ({', '.join(f'{n} {m}' for m, n in sorted(r.calls.items()))})",
            f"{r.tick_s:.2f}",
            f"{r.deliver_s:.2f}",
            f"{r.ideal_s:.2f}",
            f"{r.deliver_s / r.ideal_s:.2f}" if r.ideal_s else "n/a",
            str(r.limited),
        ]
        for r in rounds
    ]
    print(
        table(
            ["round", "messages", "Web API calls", "tick s", "delivery s", "ideal s", "delivery / ideal", "429s"],
            rows,
        )
    )
    ok = duplicates == 0 and distinct == queued and pending == 0 and gap >= MIN_GAP - JITTER
    print(
        f"\nexactly once: {distinct} distinct messages arrived for {queued} queued, {duplicates} more than once, "
        f"{pending} not sent; shortest time of {BURST + 1} posts in a row of one worker into one "
        f"channel: {gap:.3f} s (limit {MIN_GAP:.0f} s) -> {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
