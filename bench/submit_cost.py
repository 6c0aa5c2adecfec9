"""CPU of one reduce submission, in process and on one thread: the steadier companion of bench.ack's figure.

bench.ack measures the server process (waitress, Bolt's listener threads, the after-ack pool, the Web API
calls at the same time): the figure the target is about, but noisy on a shared machine. Here the same
signed submission goes through the same WSGI app (handlers.http.build_wsgi over build_app), in tests' mode
(process_before_response: the work after the ack runs inline, the Web API calls one after the other), and
the CPU of this process (time.process_time; the stand-in runs in a process of its own) is summed over
`--requests` submissions, each cancelled after (outside the measured time, as bench.ack's clients do).
Everything a submission does is in it: the write transaction, the DM and the admin-channel post, the record
of their outcome, every admin's App Home built and published. What it leaves out is the cost of threads:
compare the two to see what the threads add.

    .venv/bin/python -m bench.submit_cost [--requests 300] [--repeats 3] [--postgres] [--smoke]
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.common import ScratchDatabase, machine
from bench.load import SECRET, TOKEN, add_account, cancel_pending, submit_request, submit_team
from bench.standin import StandInProcess
from bench.workdirs import span
from bot import usecases
from bot.testing.slack_sim import signature
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.http import build_wsgi
from store import queries
from store.db import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="submissions per repeat (default 300)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats (default 3)")
    parser.add_argument("--members", type=int, default=1000, help="members of the account (default 1000)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (a scratch database, dropped after)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run (tests)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.repeats, args.members = 3, 1, 20
    now = datetime.now(UTC)
    team = submit_team(0)
    with ScratchDatabase("postgresql" if args.postgres else "sqlite", "submit_cost") as scratch:
        db = Database.connect(scratch.url)
        add_account(db, team, args.members, now)
        renewal = usecases.license_page(db, team=team, now=now).target.renewal
        with db.transaction(read_only=True) as s:
            account_id = queries.load_account(s, team).id
        with StandInProcess(delay=0.0) as standin:
            settings = Settings(TOKEN, SECRET, api_url=standin.api_url)
            deps = Deps(db=db.for_requests())
            wsgi = build_wsgi(build_app(settings, deps, process_before_response=True), deps, signing_secret=SECRET)
            counter = iter(range(10**9))

            def submit() -> float:
                """One submission through the app; its CPU seconds (this process)."""
                req = submit_request(team, renewal, next(counter))
                stamp = str(int(time.time()))
                environ: dict[str, Any] = {
                    "REQUEST_METHOD": "POST",
                    "PATH_INFO": "/slack/events",
                    "QUERY_STRING": "",
                    "SERVER_NAME": "127.0.0.1",
                    "SERVER_PORT": "3000",
                    "SERVER_PROTOCOL": "HTTP/1.1",
                    "wsgi.url_scheme": "http",
                    "CONTENT_TYPE": req.content_type,
                    "CONTENT_LENGTH": str(len(req.body)),
                    "wsgi.input": io.BytesIO(req.body),
                    "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
                    "HTTP_X_SLACK_SIGNATURE": signature(SECRET, stamp, req.body),
                }
                status: list[str] = []
                began = time.process_time()
                body = b"".join(wsgi(environ, lambda s, _h, _e=None: status.append(s)))
                took = time.process_time() - began
                if not status[0].startswith("200") or body.strip():
                    raise SystemExit(f"the submission was refused: {status[0]} {body[:200]!r}")
                if cancel_pending(db, account_id) != 1:
                    raise SystemExit("the submission stored no pending request")
                return took

            for _ in range(3 if args.smoke else 30):  # warm up: imports, first statements, connections
                submit()
            standin.clear()
            per_request = [sum(submit() for _ in range(args.requests)) / args.requests for _ in range(args.repeats)]
            calls = Counter(c["method"] for c in standin.calls())
        db.dispose()
    n = args.requests * args.repeats
    print(
        f"One reduce submission in process, one thread (the work after the ack inline); {scratch.kind}; "
        f"{args.members} members; {args.repeats} x {args.requests} submissions."
    )
    print(machine() + "\n")
    print("| CPU ms per submission | Web API calls per submission |")
    print("|---|---|")
    print(
        f"| {span([t * 1000 for t in per_request])} | "
        + ", ".join(f"{method} {count / n:g}" for method, count in sorted(calls.items()))
        + " |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
