"""How long one worker pass takes for N accounts that all have a reminder due (1 channel + 3 admins each).

Loopback only: a fresh SQLite file (or --database URL: PostgreSQL, emptied first), the Web API
stand-in on 127.0.0.1 adding --latency seconds to every call. Prints the time of the tick (deciding
and queueing) and of the delivery (conversations.open + chat.postMessage per DM), and checks that
every message arrived exactly once.

    .venv/bin/python bench/worker_delivery.py [--accounts 1000] [--threads 16] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from bot import usecases
from bot.background.sender import Pacer, Sender, SlackPoster, make_client
from bot.background.tick import tick_accounts
from bot.csvimport import MemberRow
from bot.slack_standin import SlackStandIn
from bot.usecases import AccountChanges, Actor
from store.db import Database, make_engine

SETUP_AT = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
D7 = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)  # 09:00 in Brussels, 7 days before the renewal


def setup(db: Database, accounts: int) -> None:
    rows = [
        MemberRow(
            line=i + 2,
            email=f"user{i}@example.com",
            name=f"User {i}",
            slack_user_id=None,
            admin=i < 3,
            added_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i),
        )
        for i in range(6)
    ]
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
        # Admins have their own Slack user ids in each workspace.
        mine = [MemberRow(**{**r.__dict__, "slack_user_id": f"U{n:06d}{r.line}" if r.admin else None}) for r in rows]
        usecases.import_members(db, team=team, rows=mine, now=SETUP_AT)
        usecases.submit_reduction(db, team=team, actor=Actor.slack(f"U{n:06d}2"), seats=2, now=SETUP_AT)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--database", help="a PostgreSQL URL (emptied!); default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.database:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        db = Database.connect(url)
        if db.engine.dialect.name != "sqlite":
            db = Database(make_engine(url, pool_size=args.threads + 2, max_overflow=2))
        started = time.perf_counter()
        setup(db, args.accounts)
        print(f"setup: {args.accounts} accounts in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        report = tick_accounts(db, D7, threads=args.threads)
        queued = sum(sum(a.queued.values()) for a in report.accounts)
        print(
            f"tick: {len(report.accounts)} accounts, {queued} messages queued in {time.perf_counter() - started:.1f} s"
        )
        with SlackStandIn(delay=args.latency) as standin:
            sender = Sender(
                SlackPoster(lambda: make_client("xoxb-bench", standin.api_url)), threads=args.threads, pacer=Pacer()
            )
            started = time.perf_counter()
            delivery = sender.deliver_due(db, D7)
            took = time.perf_counter() - started
            calls = len(standin.calls)
            posts = Counter((str(c.params["channel"]), str(c.params["text"])) for c in standin.posts())
        print(
            f"delivery: {len(delivery.sent)} sent, {len(delivery.retrying)} retrying, {len(delivery.failed)} failed, "
            f"{calls} Web API calls at {args.latency * 1000:.0f} ms each, {args.threads} threads: {took:.1f} s "
            f"(sequential would be at least {calls * args.latency:.0f} s)"
        )
        duplicates = sum(1 for n in posts.values() if n > 1)
        print(f"exactly once: {len(posts)} distinct messages, {duplicates} delivered more than once")
        db.dispose()
    return 0 if duplicates == 0 and len(delivery.sent) == queued else 1


if __name__ == "__main__":
    sys.exit(main())
