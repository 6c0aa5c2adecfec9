"""Tick cost with nothing due: does a worker pass grow with the number of accounts that have nothing due?

For 1k, 10k and 100k accounts (50 members each) on SQLite and on PostgreSQL: bulk-load the accounts
(executemany on SQLite, COPY on PostgreSQL), each with `next_tick_at` somewhere in the next days and
8 messages already sent (the outbox keeps them: 800k rows at 100k accounts), one in 10 connected
to Teamleader (not due for a sync), then
time the tick (`tick_accounts`: which accounts are due) and a whole worker pass (`run_once`: the
Teamleader step, the tick, the outbox) with nothing due, --repeat times each; median and ratio to the
smallest size. Then EXPLAIN every query of an idle pass (captured as the pass runs them) on the
largest size, and check that none scans a whole table that grows with the accounts (accounts,
members, deliveries, teamleader_connections, audit_log).

    .venv/bin/python -m bench.tick_cost [--sizes 1000,10000,100000] [--databases sqlite,postgresql]

PostgreSQL: a database lb_bench_tick on BENCH_PG_URL's server, dropped at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event

from bench.common import ScratchDatabase, machine, say, sqlite_time, table
from bot.cli.wiring import installed_hooks, slack_notices
from bot.worker.loop import run_once
from bot.worker.ports import Posted
from bot.worker.sender import Sender
from bot.worker.tick import tick_accounts
from handlers.blocks.rendered import render_notice
from store.db import Database
from store.models import Base

NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
CHUNK = 20_000

ACCOUNT_COLUMNS = (
    "slack_team_id",
    "name",
    "plan",
    "licensed_seats",
    "renewal_anchor",
    "timezone",
    "admin_channel",
    "reminder_days",
    "next_tick_at",
    "created_at",
    "updated_at",
)
DELIVERY_COLUMNS = (
    "account_id",
    "key",
    "target",
    "kind",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "channel",
    "created_at",
    "sent_at",
)
HISTORY = ("reminder:2026-10-01:d7", "reminder:2026-10-01:d3")
"""Occasions already sent to each account's channel and 3 admins: the outbox keeps its sent rows."""
CONNECTION_COLUMNS = (
    "account_id",
    "access_token",
    "refresh_token",
    "access_expires_at",
    "status",
    "status_changed_at",
    "sync_interval_minutes",
    "next_sync_at",
    "connected_at",
    "updated_at",
)
CONNECTED_EVERY = 10
"""One account in 10 is connected to Teamleader (next sync within the hour, not due)."""
BIG_TABLES = ("accounts", "members", "deliveries", "teamleader_connections", "audit_log")
PARTIAL = {
    str(index.name)
    for table in Base.metadata.tables.values()
    for index in table.indexes
    if index.dialect_options["sqlite"]["where"] is not None
}
MEMBER_COLUMNS = (
    "account_id",
    "name",
    "email",
    "slack_user_id",
    "is_admin",
    "added_at",
    "status",
    "created_at",
    "updated_at",
)


class NeverPoster:
    def post(self, target: str, message: dict[str, Any]) -> Posted:
        raise AssertionError(f"nothing is due, yet the pass posted to {target}")


def account_rows(first: int, last: int, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    for n in range(first, last):
        wakeup = NOW + timedelta(minutes=1 + n % 5000)  # all in the next days: nothing due at NOW
        created = NOW - timedelta(days=30)
        times: tuple[Any, ...] = (wakeup, created, created)
        if sqlite:
            times = tuple(sqlite_time(t) for t in times)
        anchor = date(2027, 1 + n % 12, 1)
        yield (
            f"T{n:08d}",
            f"Account {n}",
            "quarterly" if n % 2 else "annual",
            60,
            anchor.isoformat() if sqlite else anchor,
            "Europe/Brussels",
            f"C{n:08d}",
            "14,7,3,1,0",
            *times,
        )


def member_rows(account_ids: list[int], members: int, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    created = NOW - timedelta(days=30)
    stamp: Any = sqlite_time(created) if sqlite else created
    for account_id in account_ids:
        for i in range(members):
            added = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=i)
            yield (
                account_id,
                f"User {i}",
                f"user{i}@example.com",
                f"U{account_id:08d}{i:03d}",
                i < 2,
                sqlite_time(added) if sqlite else added,
                "active",
                stamp,
                stamp,
            )


def delivery_rows(account_ids: list[int], sqlite: bool) -> Iterator[tuple[Any, ...]]:
    sent = datetime(2026, 9, 24, 7, 0, tzinfo=UTC)
    stamp: Any = sqlite_time(sent) if sqlite else sent
    payload = '{"text": "A reminder", "blocks": []}'
    for account_id in account_ids:
        targets = [f"C{account_id:08d}", *(f"U{account_id:08d}{i:03d}" for i in range(3))]
        for key in HISTORY:
            for target in targets:
                yield (account_id, key, target, "reminder", payload, "sent", 1, stamp, target, stamp, stamp)


def connection_rows(account_ids: list[int], sqlite: bool) -> Iterator[tuple[Any, ...]]:
    def t(value: datetime) -> Any:
        return sqlite_time(value) if sqlite else value

    since = NOW - timedelta(days=10)
    for account_id in account_ids[::CONNECTED_EVERY]:
        next_sync = NOW + timedelta(minutes=1 + account_id % 59)
        expires = t(NOW + timedelta(hours=1))
        yield (account_id, "access", "refresh", expires, "connected", t(since), 60, t(next_sync), t(since), t(since))


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def grow(db: Database, first: int, last: int, members: int) -> None:
    """Add accounts number first..last-1 with `members` members each, in bulk."""
    sqlite = db.engine.dialect.name == "sqlite"
    raw = db.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        cur = driver.cursor()
        if sqlite:
            cur.execute("BEGIN")
            cur.executemany(
                f"INSERT INTO accounts ({', '.join(ACCOUNT_COLUMNS)}) VALUES ({', '.join('?' * len(ACCOUNT_COLUMNS))})",
                account_rows(first, last, True),
            )
            cur.execute("SELECT id FROM accounts WHERE slack_team_id >= ? ORDER BY id", (f"T{first:08d}",))
            ids = [r[0] for r in cur.fetchall()]
            cur.executemany(
                f"INSERT INTO members ({', '.join(MEMBER_COLUMNS)}) VALUES ({', '.join('?' * len(MEMBER_COLUMNS))})",
                member_rows(ids, members, True),
            )
            cur.executemany(
                f"INSERT INTO teamleader_connections ({', '.join(CONNECTION_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(CONNECTION_COLUMNS))})",
                connection_rows(ids, True),
            )
            cur.executemany(
                f"INSERT INTO deliveries ({', '.join(DELIVERY_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(DELIVERY_COLUMNS))})",
                delivery_rows(ids, True),
            )
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        else:
            with cur.copy(f"COPY accounts ({', '.join(ACCOUNT_COLUMNS)}) FROM STDIN") as copy:
                for row in account_rows(first, last, False):
                    copy.write_row(row)
            cur.execute("SELECT id FROM accounts WHERE slack_team_id >= %s ORDER BY id", (f"T{first:08d}",))
            ids = [r[0] for r in cur.fetchall()]
            with cur.copy(f"COPY members ({', '.join(MEMBER_COLUMNS)}) FROM STDIN") as copy:
                for chunk in _chunks(member_rows(ids, members, False)):
                    for row in chunk:
                        copy.write_row(row)
            with cur.copy(f"COPY teamleader_connections ({', '.join(CONNECTION_COLUMNS)}) FROM STDIN") as copy:
                for row in connection_rows(ids, False):
                    copy.write_row(row)
            with cur.copy(f"COPY deliveries ({', '.join(DELIVERY_COLUMNS)}) FROM STDIN") as copy:
                for row in delivery_rows(ids, False):
                    copy.write_row(row)
            driver.commit()
            driver.autocommit = True
            cur.execute("VACUUM ANALYZE accounts")
            cur.execute("VACUUM ANALYZE members")
            cur.execute("VACUUM ANALYZE deliveries")
            cur.execute("VACUUM ANALYZE teamleader_connections")
            cur.execute("CHECKPOINT")  # the bulk load's writes, not the timed passes, pay for it
            driver.autocommit = False
    finally:
        raw.close()


def timed(fn: Any, repeat: int) -> float:
    """Median seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def explain_idle_pass(db: Database) -> list[tuple[str, str, bool]]:
    """(query, plan, reads an index) for each SELECT an idle pass runs."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM" in statement.upper():
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        idle_pass(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    sqlite = db.engine.dialect.name == "sqlite"
    out: list[tuple[str, str, bool]] = []
    raw = db.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, parameters in dict.fromkeys((s, _hashable(p)) for s, p in seen):
            cur.execute(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, _params(parameters))
            rows = cur.fetchall()
            plan = "; ".join(str(r[-1] if sqlite else r[0]).strip() for r in rows)
            if sqlite:
                # SEARCH is a lookup; SCAN reads a whole table or index (fine only for a partial index).
                scans = [
                    str(r[-1]) for r in rows if str(r[-1]).startswith("SCAN ") and str(r[-1]).split()[-1] not in PARTIAL
                ]
            else:
                scans = [line for line in plan.split("; ") if "Seq Scan on" in line]
            indexed = not any(f" {table} " in f"{scan} " for scan in scans for table in BIG_TABLES)
            out.append((" ".join(statement.split()), plan, indexed))
        raw.rollback()
    finally:
        raw.close()
    return out


def _hashable(p: Any) -> Any:
    if isinstance(p, dict):
        return tuple(sorted(p.items()))
    if isinstance(p, list | tuple):
        return tuple(p)
    return p


def _params(p: Any) -> Any:
    if isinstance(p, tuple) and p and all(isinstance(x, tuple) and len(x) == 2 for x in p):
        return dict(p)
    return p


SENDER = Sender(NeverPoster(), threads=4, render=render_notice)
HOOKS = installed_hooks()
NOTICES = slack_notices()


def idle_pass(db: Database) -> None:
    report = run_once(db, SENDER, NOW, notices=NOTICES, each_pass=HOOKS.each_pass)
    assert not report.tick.accounts and report.delivery is not None and not report.delivery.sent, report


def idle_tick(db: Database) -> None:
    assert not tick_accounts(db, NOW, notices=NOTICES).accounts


def run(
    kind: str, sizes: list[int], members: int, repeat: int
) -> tuple[list[list[object]], list[tuple[str, str, bool]]]:
    rows: list[list[object]] = []
    with ScratchDatabase(kind, "tick") as scratch:
        db = Database.connect(scratch.url)
        have = 0
        base: tuple[float, float] | None = None
        for size in sizes:
            started = time.perf_counter()
            grow(db, have, size, members)
            built = time.perf_counter() - started
            say(f"{kind}: {size} accounts ({size * members} members) built in {built:.1f} s")
            have = size
            idle_pass(db)  # warm up
            tick_s = timed(lambda: idle_tick(db), repeat)
            pass_s = timed(lambda: idle_pass(db), repeat)
            base = base or (tick_s, pass_s)
            rows.append(
                [
                    kind,
                    f"{size:,}",
                    f"{size * members:,}",
                    f"{built:.1f}",
                    f"{tick_s * 1000:.2f}",
                    f"{tick_s / base[0]:.2f}",
                    f"{pass_s * 1000:.2f}",
                    f"{pass_s / base[1]:.2f}",
                ]
            )
        plans = explain_idle_pass(db)
        db.dispose()
    return rows, plans


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=30, help="passes timed per size (median)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests): SQLite, 10/20/40 accounts")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.members, args.repeat, args.databases = "10,20,40", 3, 3, "sqlite"
    sizes = [int(s) for s in args.sizes.split(",")]
    all_rows: list[list[object]] = []
    checks: list[tuple[str, str, str, bool]] = []
    for kind in args.databases.split(","):
        rows, plans = run(kind, sizes, args.members, args.repeat)
        all_rows.extend(rows)
        checks.extend((kind, q, p, ok) for q, p, ok in plans)
    print(
        f"Tick cost with nothing due: median of {args.repeat} runs; `tick` = tick_accounts, `pass` = run_once "
        f"(Teamleader step + tick + outbox); ratio to the smallest size.\n{machine()}\n"
    )
    headers = ["database", "accounts", "members", "build s", "tick ms", "tick ratio", "pass ms", "pass ratio"]
    print(table(headers, all_rows))
    print(f"\nEXPLAIN of each query of an idle pass, {sizes[-1]:,} accounts:")
    for kind, query, plan, ok in checks:
        print(f"- {kind}: {'ok' if ok else 'FULL SCAN'}: {query[:150]}{'…' if len(query) > 150 else ''}\n    {plan}")
    return 0 if all(ok for *_, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
