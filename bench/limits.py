"""Limits under attack, on the real server: how long a submission waits for its answer while another
process holds the database lock, and what an oversized body costs the server.

- `licensebot serve --no-worker` as a subprocess (SQLite file, or `--postgres`), the Web API stand-in in a
  process of its own;
- held lock: another process holds SQLite's write lock (BEGIN IMMEDIATE) or `LOCK TABLE accounts` on
  PostgreSQL for --hold seconds (4.5) while signed reduce submissions arrive, one after the other: the time
  to the HTTP answer (the ack, with "busy" under the field), and what was stored (nothing);
- oversized body: an unsigned POST announcing 64 MiB, its first MiB sent: the status and the server's
  peak RSS before and after (the body is refused before it is read).

    .venv/bin/python -m bench.limits [--hold 4.5] [--postgres] [--smoke]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import sqlite3
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from bench.ack import licensebot_argv, start_server, stop
from bench.common import ScratchDatabase, free_port, machine, python_env, say, table, vm_hwm_kib, wait_for_port
from bench.load import SECRET, TOKEN, add_account, submit_request
from bench.standin import StandInProcess
from bot import usecases
from bot.testing.slack_sim import signature
from store import models
from store.db import Database, make_engine

TEAM = "T0LIMITS"


def hold_lock(url: str, kind: str, seconds: float, held: threading.Event) -> None:
    if kind == "sqlite":
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()
        return
    engine = make_engine(url)
    with engine.connect() as c:
        c.execute(text("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"))
        held.set()
        time.sleep(seconds)
        c.rollback()
    engine.dispose()


def post(
    port: int, body: bytes, content_type: str, *, signed: bool = True, length: int | None = None
) -> tuple[int, float]:
    ts = str(int(time.time()))
    headers = {"Content-Type": content_type, "Content-Length": str(length if length is not None else len(body))}
    if signed:
        headers |= {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(SECRET, ts, body)}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start = time.monotonic()
    try:
        conn.putrequest("POST", "/slack/events")
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        with contextlib.suppress(OSError):  # the server may answer and close before the whole body arrived
            conn.send(body)
        response = conn.getresponse()
        status, answer = response.status, response.read()
    finally:
        conn.close()
    return status, time.monotonic() - start, answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=4.5)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="a short run (tests)")
    args = parser.parse_args(argv)
    hold = 2.6 if args.smoke else args.hold  # longer than a request waits (2 s): some are told busy
    kind = "postgresql" if args.postgres else "sqlite"
    now = datetime.now(UTC)
    with ScratchDatabase(kind, "limits") as scratch, StandInProcess(delay=0.0) as standin:
        db = Database.connect(scratch.url)
        add_account(db, TEAM, 50, now)
        renewal = usecases.license_page(db, team=TEAM, now=now).target.renewal
        port = free_port()
        env = python_env(SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=standin.api_url)
        log = Path(scratch.logs) / "serve.log"
        proc = start_server(
            [*licensebot_argv(), "--database", scratch.url, "serve", "--no-worker", "--port", str(port)], env, log
        )
        try:
            wait_for_port(port, proc)
            held = threading.Event()
            holder = threading.Thread(target=hold_lock, args=(scratch.url, kind, hold, held))
            holder.start()
            held.wait(10)
            waits: list[float] = []
            statuses: list[int] = []
            saved = busy = 0
            n = 0
            start = time.monotonic()
            while time.monotonic() - start < hold - 0.3:
                n += 1
                request = submit_request(TEAM, renewal, n)
                status, seconds, answer = post(port, request.body, request.content_type)
                statuses.append(status)
                waits.append(seconds)
                saved += answer == b""  # acked without errors: "saved"
                busy += b"busy" in answer
            holder.join()
            with db.transaction(read_only=True) as s:
                stored = s.scalar(select(func.count()).select_from(models.ReductionRequest)) or 0
            before = vm_hwm_kib(proc.pid)[0]
            big_status, big_seconds, _ = post(
                port, b"x" * (1024 * 1024), "application/x-www-form-urlencoded", signed=False, length=64 * 1024 * 1024
            )
            after = vm_hwm_kib(proc.pid)[0]
        finally:
            stop(proc, log)
        db.dispose()
    print(f"Limits: licensebot serve on {kind}, another process holds the lock {hold:g} s. {machine()}")
    print()
    print(
        table(
            ["case", "requests", "HTTP", "answer s (min / median / max)", "told busy", "told saved", "stored"],
            [
                [
                    "submission under a held lock",
                    len(waits),
                    ",".join(sorted({str(s) for s in statuses})),
                    f"{min(waits):.2f} / {statistics.median(waits):.2f} / {max(waits):.2f}",
                    busy,
                    saved,
                    stored,
                ],
            ],
        )
    )
    print()
    print(
        table(
            ["case", "HTTP", "answer s", "server peak RSS before -> after"],
            [
                [
                    "unsigned POST announcing 64 MiB",
                    big_status,
                    f"{big_seconds:.2f}",
                    f"{before // 1024} -> {after // 1024} MiB",
                ]
            ],
        )
    )
    ok = stored == saved and busy >= 1 and set(statuses) == {200} and big_status == 413  # stored <=> told saved
    if not ok:
        say(f"unexpected: stored={stored} saved={saved} busy={busy} statuses={set(statuses)} big={big_status}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
