"""How fast Slack gets its ack: signed `/licenses` commands through waitress, production settings.

Loopback only: the app (process_before_response=False, as in production) under waitress on
127.0.0.1, the Web API stand-in on 127.0.0.1 with a simulated Slack latency, a fresh SQLite file.
Bounded: N requests from a fixed pool of client threads, then everything stops.

    .venv/bin/python bench/slack_ack.py [--requests 200] [--clients 16] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

from bot import usecases
from bot.serve import build_wsgi, make_server
from bot.slack_sim import signature
from bot.slack_standin import SlackStandIn
from bot.usecases import AccountChanges
from handlers.app import Settings, build_app
from handlers.deps import Deps
from store.db import Database
from tests.factories import member_rows

SECRET = "bench-secret"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds each Web API call takes")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp, SlackStandIn(delay=args.latency) as standin:
        db = Database.connect(f"sqlite:///{Path(tmp) / 'bench.db'}")
        changes = AccountChanges(name="Bench", plan="annual", seats=60, renews=date(now.year + 1, 1, 1))
        usecases.add_account(db, team="T0001", changes=changes, now=now)
        usecases.import_members(db, team="T0001", rows=member_rows(50, admins=(0, 1)), now=now)
        deps = Deps(db=db)
        app = build_app(Settings("xoxb-bench", SECRET, api_url=standin.api_url), deps)
        server = make_server(build_wsgi(app, deps), "127.0.0.1", 0, threads=8)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.effective_port}/slack/events"

        def one(i: int) -> float:
            form = {
                "team_id": "T0001",
                "user_id": f"U{i % 50:04d}",
                "command": "/licenses",
                "text": "status",
                "channel_id": "C0BENCH",
                "response_url": standin.response_url(f"b{i}"),
                "trigger_id": f"{i}.t",
            }
            body = urlencode(form).encode()
            ts = str(int(time.time()))
            headers = {
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": signature(SECRET, ts, body),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            start = time.perf_counter()
            with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=30) as r:
                assert r.status == 200
            return time.perf_counter() - start

        began = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            acks = sorted(pool.map(one, range(args.requests)))
        deadline = time.monotonic() + 60
        while len(standin.calls_to("response_url")) < args.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        answered = len(standin.calls_to("response_url"))
        total = time.perf_counter() - began
        server.close()
        db.dispose()
    p95 = acks[int(len(acks) * 0.95) - 1]
    print(
        f"{args.requests} signed /licenses status, {args.clients} clients, waitress 8 threads, "
        f"Web API latency {args.latency * 1000:.0f} ms, SQLite"
    )
    print(
        f"ack (HTTP response): p50 {statistics.median(acks) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {acks[-1] * 1000:.1f} ms"
    )
    print(f"answers delivered to response_url: {answered}/{args.requests} in {total:.2f} s")


if __name__ == "__main__":
    main()
