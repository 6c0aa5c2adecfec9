"""What a license page and a submission cost at 1,000 and at 100,000 members (issue 17: cost independent
of the account's size and of the shortfall), in process, on SQLite (or `--postgres`).

Two accounts: 1,000 members with a pending request leaving a shortfall of 100, and 100,000 members with a
shortfall of 10,000 (members inserted in bulk; 3 admins each). Per account, the median CPU time
(time.process_time) over --repeat runs of:

- status: the read of `/licenses status` (bot/usecases/snapshot.read) and its Block Kit message;
- App Home: the same read with the recent activity, and the Home view;
- admins' Homes: the read after a change for every admin (snapshot.for_admins) and their views;
- submission: the part of a reduce submission before its ack (the write transaction, its outbox rows),
  cancelled untimed after each run;
- reminder decision: what the tick reads and decides for the account (bot/worker/tick_reads.read_batch,
  tick_batch.state_of, schedule.due_at) in a read-only transaction, nothing queued.

    .venv/bin/python -m bench.page_cost [--repeat 30] [--postgres] [--smoke]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from bench.common import ScratchDatabase, machine, say, table
from bench.load import cancel_pending
from bot import usecases
from bot.core import schedule
from bot.core.audit import Actor
from bot.usecases import AccountChanges, snapshot
from bot.worker import tick_batch, tick_reads
from handlers.blocks.page import home_view, page_blocks, page_text
from handlers.reduce import announcements
from store import models, queries
from store.db import Database

ADMINS = 3
ADMIN = "U0000000"


def build(db: Database, team: str, members: int, shortfall: int, now: datetime) -> int:
    usecases.add_account(
        db,
        team=team,
        now=now,
        changes=AccountChanges(
            name=f"Bench {team}",
            plan="annual",
            seats=members,
            renews=(now + timedelta(days=60)).date(),
            timezone="Europe/Brussels",
            admin_channel="C0ADMINS",
            price_per_seat="30.00",
            currency="EUR",
        ),
    )
    with db.transaction(read_only=True) as s:
        account_id = queries.load_account(s, team).id
    start = datetime(2020, 1, 1, tzinfo=UTC)
    rows = [
        {
            "account_id": account_id,
            "name": f"User {i}",
            "email": f"user{i}@example.com",
            "slack_user_id": f"U{i:07d}",
            "is_admin": i < ADMINS,
            "added_at": start + timedelta(minutes=i),
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(members)
    ]
    with db.engine.begin() as conn:
        # RETURNING makes it multi-row INSERTs of 1,000 (insertmanyvalues), not one statement per row: on
        # PostgreSQL each statement's trigger updates the account's counter row (store/counters.py).
        table = models.Member.__table__
        for k in range(0, len(rows), 10_000):
            conn.execute(insert(table).returning(table.c.id), rows[k : k + 10_000])
        if conn.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load: without statistics the planner reads the newest
            # non-admins through the admins' index (every member, ~25 ms at 100k) instead of the added index.
            conn.execute(text("ANALYZE members"))
    submit(db, team, shortfall, now)  # the pending request: `shortfall` users over the new seat count
    return account_id


def submit(db: Database, team: str, seats: int, now: datetime) -> None:
    usecases.submit_reduction(
        db,
        team=team,
        actor=Actor.slack("U0000000"),
        seats=str(seats),
        now=now,
        announce=partial(announcements, "U0000000"),
    )


def medians(fn: Callable[[], Any], repeat: int, after: Callable[[], Any] | None = None) -> tuple[float, float]:
    """The median CPU ms of this process and the median wall ms (which includes PostgreSQL's own work)."""
    cpu, wall = [], []
    for _ in range(repeat):
        began, clock = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - began)
        wall.append(time.perf_counter() - clock)
        if after is not None:
            after()
    return statistics.median(cpu) * 1000, statistics.median(wall) * 1000


def median_cpu(fn: Callable[[], Any], repeat: int, after: Callable[[], Any] | None = None) -> float:
    return medians(fn, repeat, after)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30, help="runs of each measure (median; default 30)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (a scratch database, dropped after)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests): 100 and 1,000 members")
    args = parser.parse_args(argv)
    sizes = [(100, 10), (1000, 100)] if args.smoke else [(1000, 100), (100_000, 10_000)]
    repeat = 3 if args.smoke else args.repeat
    now = datetime.now(UTC)
    results: dict[int, dict[str, tuple[float, float]]] = {}
    with ScratchDatabase("postgresql" if args.postgres else "sqlite", "page_cost") as scratch:
        db = Database.connect(scratch.url)
        for members, shortfall in sizes:
            team = f"T0SIZE{members}"
            began = time.perf_counter()
            account_id = build(db, team, members, shortfall, now)
            say(f"{members} members (shortfall {shortfall}) built in {time.perf_counter() - began:.1f} s")

            def status(team: str = team) -> None:
                snap = snapshot.read(db, team=team, user_id=ADMIN, now=now, email_of=lambda _u: None)
                page_text(snap.page), page_blocks(snap.page, snap.viewer, [])

            def home(team: str = team) -> None:
                snap = snapshot.read(db, team=team, user_id=ADMIN, now=now, email_of=lambda _u: None, activity=6)
                home_view(snap.page, snap.viewer, snap.activity, [])

            def homes(team: str = team) -> None:
                view = snapshot.for_admins(db, team=team, now=now, activity=6)
                for v in view.viewers:
                    home_view(view.page, v, view.activity, [])

            def decision(team: str = team) -> None:
                with db.transaction(read_only=True) as s:
                    account = queries.load_account(s, team)
                    reads = tick_reads.read_batch(s, [account])
                    schedule.due_at(tick_batch.state_of(account, reads), now)

            def again(account_id: int = account_id, team: str = team, shortfall: int = shortfall) -> None:
                cancel_pending(db, account_id)

            cancel_pending(db, account_id)
            results[members] = {
                "submission": medians(partial(submit, db, team, shortfall, now), repeat, again),
            }
            submit(db, team, shortfall, now)
            results[members] |= {
                "status": medians(status, repeat),
                "App Home": medians(home, repeat),
                "admins' Homes": medians(homes, repeat),
                "reminder decision": medians(decision, repeat),
            }
        db.dispose()
    small, large = (m for m, _ in sizes)
    print(
        f"Page and submission cost by size ({scratch.kind}, in process): median CPU and wall ms of {repeat} runs; "
        f"{small:,} members (shortfall {sizes[0][1]:,}) against {large:,} (shortfall {sizes[1][1]:,})."
    )
    print(machine() + f"; load {Path('/proc/loadavg').read_text().split(' ')[0]}\n")
    rows = [
        [what]
        + [
            cell
            for k in (0, 1)
            for cell in (
                f"{results[small][what][k]:.2f}",
                f"{results[large][what][k]:.2f}",
                f"{results[large][what][k] / results[small][what][k]:.2f}",
            )
        ]
        for what in ("status", "App Home", "admins' Homes", "submission", "reminder decision")
    ]
    headers = [f"{small:,} CPU ms", f"{large:,} CPU ms", "CPU ratio", f"{small:,} wall ms", f"{large:,} wall ms"]
    print(table(["what", *headers, "wall ratio"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
