"""A worker pass with N accounts due at once: CPU and statements per due account, peak RSS.

N accounts (default 10,000), each with an admin channel, 3 admins (Slack ids, DM channels known) and
12 other members, a pending request that leaves 2 users over the count, all due for their d7
reminder at the same instant, are bulk loaded (executemany on SQLite, COPY on PostgreSQL). Then one
worker pass (`run_once`: the steps, the tick, the outbox) runs in a fresh process with a poster that
answers at once (no HTTP: the worker's own cost), and reports:

- tick: wall and CPU seconds, CPU ms and statements per due account, messages queued;
- delivery: wall and CPU seconds, messages sent (4 per account);
- peak RSS of the process (VmHWM) before and after the pass.

`--before REF` runs the code of commit REF too (a git worktree, this script copied into it).

    .venv/bin/python -m bench.tick_due [--accounts 10000] [--databases sqlite,postgresql] [--before 4b3cdc9]
        [--latency 0.02 --threads 16]   # each post answered after 20 ms: delivery against the ideal

PostgreSQL: databases BENCH_DB_PREFIX + tick_due_<code> on BENCH_PG_URL's server, dropped after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CREATED = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
D7 = datetime(2026, 12, 25, 8, 0, tzinfo=UTC)  # 09:00 in Brussels, 7 days before 1 Jan 2027
MEMBERS, ADMINS = 15, 3
ACCOUNT = ("slack_team_id", "name", "plan", "licensed_seats", "renewal_anchor", "timezone", "admin_channel")
ACCOUNT += ("reminder_days", "next_tick_at", "created_at", "updated_at")
MEMBER = ("account_id", "name", "email", "slack_user_id", "is_admin", "added_at", "status", "dm_channel")
MEMBER += ("created_at", "updated_at")
REQUEST = ("account_id", "seats_removed", "seats_before", "renewal_date", "requested_by", "status")
REQUEST += ("created_at", "updated_at")


def build(db: Any, accounts: int) -> None:
    from bench.common import sqlite_time

    sqlite = db.engine.dialect.name == "sqlite"

    def t(value: datetime) -> Any:
        return sqlite_time(value) if sqlite else value

    def d(value: date) -> Any:
        return value.isoformat() if sqlite else value

    stamp = t(CREATED)
    account_rows = [
        (
            f"T{n:07d}",
            f"Account {n}",
            "quarterly",
            15,
            d(date(2027, 1, 1)),
            "Europe/Brussels",
            f"C{n:07d}",
            "14,7,3,1,0",
            t(D7),
            stamp,
            stamp,
        )
        for n in range(accounts)
    ]
    raw = db.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        cur = driver.cursor()

        def insert(table: str, columns: tuple[str, ...], rows: Any) -> None:
            if sqlite:
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                return
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

        if sqlite:
            cur.execute("BEGIN")
        insert("accounts", ACCOUNT, account_rows)
        cur.execute("SELECT id FROM accounts ORDER BY id")
        ids = [r[0] for r in cur.fetchall()]
        insert(
            "members",
            MEMBER,
            (
                (
                    a,
                    f"User {i}",
                    f"u{i}@example.com",
                    f"U{a:07d}{i}" if i < ADMINS else None,
                    i < ADMINS,
                    t(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i)),
                    "active",
                    f"D{a:07d}{i}" if i < ADMINS else None,
                    stamp,
                    stamp,
                )
                for a in ids
                for i in range(MEMBERS)
            ),
        )
        insert(
            "reduction_requests",
            REQUEST,
            ((a, 2, 15, d(date(2027, 1, 1)), f"U{a:07d}0", "pending", stamp, stamp) for a in ids),
        )
        if sqlite:
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        else:
            driver.commit()
            driver.autocommit = True
            for table in ("accounts", "members", "reduction_requests"):
                cur.execute(f"VACUUM ANALYZE {table}")
            cur.execute("CHECKPOINT")
            driver.autocommit = False
    finally:
        raw.close()


class InstantPoster:
    """Answers every post at once (the worker's own cost, no HTTP), or after `latency` seconds (a Web API call's
    round trip: then the ideal delivery is posts x latency / threads)."""

    def __init__(self, latency: float = 0.0) -> None:
        self.n = 0
        self.latency = latency
        self._lock = threading.Lock()

    def post(self, target: str, message: dict[str, Any]) -> Any:
        from bot.worker.ports import Posted

        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            self.n += 1
            return Posted(channel=target, ts=f"1.{self.n}")


def child(url: str, accounts: int, latency: float = 0.0, threads: int = 8) -> dict[str, Any]:
    from sqlalchemy import event

    import bot
    from bench.common import vm_hwm_kib
    from bot.cli.wiring import slack_notices
    from bot.worker import tick as tick_module
    from bot.worker.loop import run_once
    from bot.worker.sender import Sender
    from store.db import Database

    db = Database.connect(url)
    build(db, accounts)
    db.dispose()
    db = Database.connect(url)
    notices = slack_notices()
    statements = 0
    longest_write = 0.0  # the longest transaction of the tick that wrote (SQLite: how long it held the lock)
    began: dict[int, float] = {}

    def count(*_args: Any) -> None:
        nonlocal statements
        statements += 1

    def begin(conn: Any) -> None:
        began[id(conn)] = time.perf_counter()

    def end(conn: Any) -> None:
        nonlocal longest_write
        start = began.pop(id(conn), None)
        if (
            start is not None
            and "tick_wall" not in measured
            and threading.current_thread().name.startswith(("tick", "MainThread"))
        ):
            longest_write = max(longest_write, time.perf_counter() - start)

    measured: dict[str, float] = {}
    real_tick = tick_module.tick_accounts

    def timed_tick(*args: Any, **kwargs: Any) -> Any:
        cpu, wall, before = time.process_time(), time.perf_counter(), statements
        try:
            return real_tick(*args, **kwargs)
        finally:
            measured.update(tick_cpu=time.process_time() - cpu, tick_wall=time.perf_counter() - wall)
            measured["tick_statements"] = statements - before

    import bot.worker.loop as loop_module

    loop_module.tick_accounts = timed_tick  # type: ignore[assignment]
    poster = InstantPoster(latency)
    try:  # notices rendered at send time (a --before checkout from before them has no renderer)
        from handlers.blocks.rendered import render_notice

        sender = Sender(poster, threads=threads, render=render_notice)
    except ImportError:
        sender = Sender(poster, threads=threads)
    from bot.worker.pacing import Pacer

    sender.pacer = Pacer(0)
    rss_before = vm_hwm_kib(os.getpid())[1]
    event.listen(db.engine, "before_cursor_execute", count)
    event.listen(db.engine, "begin", begin)
    event.listen(db.engine, "commit", end)
    cpu, wall = time.process_time(), time.perf_counter()
    report = run_once(db, sender, D7, notices=notices)
    pass_cpu, pass_wall = time.process_time() - cpu, time.perf_counter() - wall
    db.dispose()
    queued = sum(sum(a.queued.values()) for a in report.tick.accounts)
    return {
        "code": str(Path(bot.__file__).resolve().parent.parent),
        "accounts": len(report.tick.accounts),
        "failures": len(report.tick.failures),
        "queued": queued,
        "sent": poster.n,
        **measured,
        "deliver_cpu": pass_cpu - measured["tick_cpu"],
        "deliver_wall": pass_wall - measured["tick_wall"],
        "statements": statements,
        "longest_write_ms": longest_write * 1000,
        "ideal": poster.n * latency / threads,
        "rss_before_mib": rss_before / 1024,
        "rss_peak_mib": vm_hwm_kib(os.getpid())[0] / 1024,
    }


def run_child(code: Path, kind: str, accounts: int, latency: float = 0.0, threads: int = 8) -> dict[str, Any]:
    from bench.workdirs import scratch

    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(code)
    with scratch(kind, f"tick_due_{'before' if code != ROOT else 'after'}") as url:
        command = [sys.executable, "-m", "bench.tick_due", "--child", "--url", url, "--accounts", str(accounts)]
        command += ["--latency", str(latency), "--threads", str(threads)]
        done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"the run of {code} on {kind} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["code"]) != code.resolve():
        raise RuntimeError(f"the run meant for {code} imported {result['code']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--before", default="", help="also run the code of this commit (e.g. 4b3cdc9)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per post (0: answered at once)")
    parser.add_argument("--threads", type=int, default=8, help="the sender's threads")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests): SQLite, 20 accounts")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.url, args.accounts, args.latency, args.threads)))
        return 0
    from bench.common import machine, say, table
    from bench.workdirs import nothing, worktree

    if args.smoke:
        args.accounts, args.databases = 20, "sqlite"
    rows: list[list[object]] = []
    ok = True
    with worktree(args.before, [Path(__file__)]) if args.before else nothing() as before:
        codes = ([("before", before)] if before is not None else []) + [("after", ROOT)]
        for kind in args.databases.split(","):
            for n in range(args.repeat):
                for label, code in codes:
                    r = run_child(code, kind, args.accounts, args.latency, args.threads)
                    say(f"{kind} {label} #{n + 1}: tick {r['tick_wall']:.1f} s, peak {r['rss_peak_mib']:.0f} MiB")
                    ok = ok and r["failures"] == 0 and r["sent"] == r["queued"] == 4 * args.accounts
                    due = max(1, r["accounts"])
                    rows.append(
                        [
                            kind,
                            label,
                            r["accounts"],
                            f"{r['tick_wall']:.2f}",
                            f"{r['tick_cpu']:.2f}",
                            f"{r['tick_cpu'] / due * 1000:.2f}",
                            f"{r['tick_statements'] / due:.1f}",
                            f"{r.get('longest_write_ms', 0):.0f}",
                            r["queued"],
                            f"{r['deliver_wall']:.2f}",
                            f"{r['deliver_cpu'] / max(1, r['sent']) * 1000:.2f}",
                            f"{r['ideal']:.2f}" if args.latency else "-",
                            f"{r['deliver_wall'] / r['ideal']:.2f}" if args.latency and r["ideal"] else "-",
                            f"{r['rss_before_mib']:.0f}",
                            f"{r['rss_peak_mib']:.0f}",
                        ]
                    )
    print(
        f"A worker pass with {args.accounts:,} accounts due at once (d7 reminder to a channel and 3 admins each), "
        f"a poster answering {f'after {args.latency * 1000:.0f} ms' if args.latency else 'at once'}, "
        f"{args.threads} sender threads (ideal = posts x latency / threads)."
        f"{' before = ' + args.before if args.before else ''}\n{machine()}\n"
    )
    headers = ["database", "code", "due accounts", "tick s", "tick CPU s", "CPU ms / account"]
    headers += [
        "statements / account",
        "longest tick transaction ms",
        "queued",
        "delivery s",
        "delivery CPU ms / msg",
        "ideal s",
        "delivery / ideal",
        "RSS before MiB",
        "peak RSS MiB",
    ]
    print(table(headers, rows))
    print(f"\nchecks (every account ticked, 4 messages each queued and sent once): {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
