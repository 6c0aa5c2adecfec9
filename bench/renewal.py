"""Renewal at size: an account of 100k members whose renewal deactivates 50k, while another account submits.

One run per database and code: a fresh database, the big account (3 admins, members a minute apart) bulk
loaded and its request submitted ("remove 50,000 licenses"), a small account (10 members) beside it. Then
the worker's tick processes the renewal (`tick_accounts`, in a thread) while a second thread submits and
cancels a reduction for the small account over and over through the use cases, as `licensebot serve`
does (`db.for_requests()`: 2 s lock timeout, answered "busy" after it). Measured:

- wall and CPU time of the tick (the worker thread's CPU), statements it ran, its write transactions and
  the longest one (on SQLite: how long it held the one write lock), peak RSS of the process;
- the small account's submissions and cancellations while the renewal ran: how many, p50 and max latency,
  how many were answered busy;
- checks: 50k deactivated, 50k audit entries, the renewal processed once, its summary queued once per target.

`--before REF` also runs the code of commit REF (a `git worktree` in a temporary directory, this script
copied into it), alternating with this checkout, so the ratios come from one run on one machine.

    .venv/bin/python -m bench.renewal [--members 100000] [--deactivate 50000] [--repeat 3]
        [--databases sqlite,postgresql] [--before 4b3cdc9]

PostgreSQL: databases BENCH_DB_PREFIX + renewal_<n> (default lb_bench_) on BENCH_PG_URL's server, dropped after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.workdirs import nothing, scratch, span, worktree

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
RENEWAL_OVER = datetime(2027, 1, 1, 23, 0, tzinfo=UTC)  # the renewal day (1 Jan, Brussels) is over
BIG, SMALL = "TBIG0001", "TSMALL01"
MEMBER_COLUMNS = ("account_id", "name", "email", "slack_user_id", "is_admin", "added_at", "status", "created_at")


def _members(account_id: int, count: int, sqlite: bool) -> Iterator[tuple[Any, ...]]:
    from bench.common import sqlite_time

    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(count):
        added = start + timedelta(minutes=i)
        stamp: Any = sqlite_time(added) if sqlite else added
        slack = f"U{i:07d}" if i < 3 else None
        yield (account_id, f"User {i}", f"user{i}@example.com", slack, i < 3, stamp, "active", stamp)


def build(db: Any, members: int, remove: int) -> None:
    from bot import usecases
    from bot.core.audit import Actor
    from bot.core.members_csv import MemberRow
    from bot.usecases import AccountChanges
    from store import models, queries

    for team, seats, renews, channel in (
        (BIG, members, date(2027, 1, 1), "C0BIG0001"),
        (SMALL, 10, date(2027, 6, 1), "C0SMALL01"),
    ):
        changes = AccountChanges(
            name=team, plan="quarterly", seats=seats, renews=renews, timezone="Europe/Brussels", admin_channel=channel
        )
        usecases.add_account(db, team=team, now=NOW, changes=changes)
    with db.transaction() as s:
        big = queries.load_account(s, BIG).id
    sqlite = db.engine.dialect.name == "sqlite"
    raw = db.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        cur = driver.cursor()
        columns = ", ".join((*MEMBER_COLUMNS, "updated_at"))
        if sqlite:
            cur.execute("BEGIN")
            cur.executemany(
                f"INSERT INTO members ({columns}) VALUES ({', '.join('?' * (len(MEMBER_COLUMNS) + 1))})",
                ((*row, row[-1]) for row in _members(big, members, True)),
            )
            cur.execute("COMMIT")
            cur.execute("ANALYZE")
        else:
            with cur.copy(f"COPY members ({columns}) FROM STDIN") as copy:
                for row in _members(big, members, False):
                    copy.write_row((*row, row[-1]))
            driver.commit()
            driver.autocommit = True
            cur.execute("VACUUM ANALYZE members")
            cur.execute("CHECKPOINT")
            driver.autocommit = False
    finally:
        raw.close()
    small_rows = [
        MemberRow(
            line=i + 2,
            email=f"s{i}@example.com",
            name=f"Small {i}",
            slack_user_id=f"US{i:05d}" if i == 0 else None,
            admin=i == 0,
            added_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i),
        )
        for i in range(10)
    ]
    usecases.import_members(db, team=SMALL, rows=small_rows, now=NOW)
    usecases.submit_reduction(db, team=BIG, actor=Actor.slack("U0000000"), seats=remove, now=NOW)
    with db.transaction() as s:
        assert s.query(models.ReductionRequest).count() == 1


def child(kind: str, url: str, members: int, remove: int) -> dict[str, Any]:
    """One measured run (this process imports whichever code its working directory holds)."""
    from sqlalchemy import event, func, select

    import bot
    from bench.common import vm_hwm_kib
    from bot import usecases
    from bot.cli.wiring import slack_notices
    from bot.core.audit import Actor
    from bot.core.errors import Busy
    from bot.worker.tick import tick_accounts
    from store import models, queries
    from store.db import Database

    worker_thread: list[threading.Thread] = []
    holds: list[float] = []
    hold_cpu: list[float] = []
    """The worker thread's CPU time in each (the wall time above minus waiting for a core on a loaded machine)."""

    class TimedDatabase(Database):
        """Times the worker thread's write transactions, commit included."""

        @contextmanager
        def transaction(self, *, read_only: bool = False) -> Iterator[Any]:
            if read_only or threading.current_thread() not in worker_thread:
                with super().transaction(read_only=read_only) as s:
                    yield s
                return
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                with super().transaction() as s:
                    yield s
            finally:
                holds.append(time.perf_counter() - started)
                hold_cpu.append(time.thread_time() - cpu)

    db = TimedDatabase.connect(url)
    started = time.perf_counter()
    build(db, members, remove)
    built = time.perf_counter() - started
    statements = 0

    def count(*_args: Any) -> None:
        nonlocal statements
        if threading.current_thread() in worker_thread:
            statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    requests = db.for_requests()
    stop = threading.Event()
    answers: list[tuple[str, float, bool]] = []
    admin, at = Actor.slack("US00000"), RENEWAL_OVER

    def submitter() -> None:
        while not stop.is_set():
            for what, call in (
                ("submit", lambda: usecases.submit_reduction(requests, team=SMALL, actor=admin, seats=1, now=at)),
                ("cancel", lambda: usecases.cancel_request(requests, team=SMALL, actor=admin, now=at)),
            ):
                t0 = time.perf_counter()
                try:
                    call()
                    busy = False
                except Busy:
                    busy = True
                except Exception:  # e.g. nothing to cancel after a busy submission
                    busy = False
                answers.append((what, time.perf_counter() - t0, busy))
            time.sleep(0.05)  # a person clicking, not a loop hammering the lock

    result: dict[str, Any] = {}

    def worker() -> None:
        cpu = time.thread_time()
        t0 = time.perf_counter()
        report = tick_accounts(db, RENEWAL_OVER, notices=slack_notices())
        result["wall"] = time.perf_counter() - t0
        result["cpu"] = time.thread_time() - cpu
        result["failures"] = [a.error for a in report.failures]

    sub = threading.Thread(target=submitter, name="submitter")
    work = threading.Thread(target=worker, name="worker")
    worker_thread.append(work)
    hwm_before = vm_hwm_kib(os.getpid())[0]
    sub.start()
    time.sleep(0.3)  # the submissions run before and during the renewal
    during_from = len(answers)
    work.start()
    work.join()
    during = answers[during_from:]
    stop.set()
    sub.join()
    event.remove(db.engine, "before_cursor_execute", count)
    with db.transaction(read_only=True) as s:
        account = queries.load_account(s, BIG)
        m, a, d = models.Member, models.AuditEntry, models.Delivery

        def n(query: Any) -> int:
            return int(s.scalar(query) or 0)

        checks = {
            "deactivated": n(select(func.count()).where(m.account_id == account.id, m.status == "deactivated")),
            "audited": n(select(func.count()).where(a.account_id == account.id, a.action == "member.deactivated")),
            "processed": n(select(func.count()).where(a.account_id == account.id, a.action == "renewal.processed")),
            "announced": n(select(func.count()).where(d.account_id == account.id, d.key == "renewal:2027-01-01")),
            "seats": account.licensed_seats,
        }
    db.dispose()
    latencies = [t for _, t, _ in during]
    return {
        "code": str(Path(bot.__file__).resolve().parent.parent),
        "kind": kind,
        "built": built,
        **result,
        "statements": statements,
        "transactions": len(holds),
        "hold_max": max(holds, default=0.0),
        "hold_cpu_max": max(hold_cpu, default=0.0),
        "rss_mib": vm_hwm_kib(os.getpid())[0] / 1024,
        "rss_before_mib": hwm_before / 1024,
        "answers": len(during),
        "answer_p50": statistics.median(latencies) if latencies else float("nan"),
        "answer_max": max(latencies, default=float("nan")),
        "busy": sum(1 for *_, b in during if b),
        **checks,
    }


def run_child(code: Path, kind: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_") and k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(code)
    command = [sys.executable, "-m", "bench.renewal", "--child", kind, "--url", url]
    command += ["--members", str(args.members), "--deactivate", str(args.deactivate)]
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the run of {code} on {kind} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["code"]) != code.resolve():
        raise RuntimeError(f"the run meant for {code} imported {result['code']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--deactivate", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--before", default="", help="also run the code of this commit (e.g. 4b3cdc9)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests): SQLite, 300 members, 150 go")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.url, args.members, args.deactivate)))
        return 0
    from bench.common import machine, say, table

    if args.smoke:
        args.members, args.deactivate, args.repeat, args.databases = 300, 150, 1, "sqlite"
    rows: list[list[object]] = []
    ok = True
    with worktree(args.before, [Path(__file__)]) if args.before else nothing() as before:
        codes = [("before", before)] if before is not None else []
        codes.append(("after", ROOT))
        results: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for kind in args.databases.split(","):
            for n in range(args.repeat):
                for label, code in codes:
                    with scratch(kind, f"renewal_{label}") as url:
                        r = run_child(code, kind, url, args)
                    say(f"{kind} {label} #{n + 1}: {r['wall']:.2f} s, {r['statements']} statements")
                    results.setdefault((kind, label), []).append(r)
                    good = (
                        not r["failures"]
                        and r["deactivated"] == r["audited"] == args.deactivate
                        and r["processed"] == 1
                        and r["announced"] >= 1
                        and r["seats"] == args.members - args.deactivate
                    )
                    ok = ok and good
        for (kind, label), rs in results.items():
            base = results.get((kind, "before"))
            ratio = (
                f"{statistics.median(r['wall'] for r in rs) / statistics.median(b['wall'] for b in base):.2f}"
                if base and label == "after"
                else "1.00"
                if base
                else "-"
            )
            rows.append(
                [
                    kind,
                    label,
                    span([r["wall"] for r in rs]),
                    ratio,
                    span([r["cpu"] for r in rs]),
                    span([float(r["statements"]) for r in rs], "{:.0f}"),
                    span([float(r["transactions"]) for r in rs], "{:.0f}"),
                    span([r["hold_max"] * 1000 for r in rs], "{:.0f}"),
                    span([r.get("hold_cpu_max", 0.0) * 1000 for r in rs], "{:.0f}"),
                    span([float(r["answers"]) for r in rs], "{:.0f}"),
                    span([r["answer_p50"] * 1000 for r in rs], "{:.0f}"),
                    span([r["answer_max"] * 1000 for r in rs], "{:.0f}"),
                    span([float(r["busy"]) for r in rs], "{:.0f}"),
                    span([r["rss_mib"] for r in rs], "{:.0f}"),
                    "yes" if all(r["deactivated"] == r["audited"] == args.deactivate for r in rs) else "NO",
                ]
            )
    print(
        f"Renewal of {args.members:,} members deactivating {args.deactivate:,}; median (min-max) of {args.repeat} "
        f"run(s), each on a fresh database; another account submits and cancels (use cases, 2 s lock timeout) "
        f"while it runs.{' before = ' + args.before if args.before else ''}\n{machine()}\n"
    )
    headers = [
        "database",
        "code",
        "renewal s",
        "ratio",
        "worker CPU s",
        "statements",
        "write txns",
        "longest write txn ms",
        "max write txn CPU ms",
        "requests during",
        "request p50 ms",
        "request max ms",
        "busy",
        "peak RSS MiB",
        "exactly 1x",
    ]
    print(table(headers, rows))
    print(
        f"\nchecks (deactivated = audited = {args.deactivate:,}, processed once, announced): {'OK' if ok else 'FAILED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
