"""`licensebot tick [--now ISO-8601] [--dry-run]` and `licensebot worker [--interval SECONDS]`."""

from __future__ import annotations

import argparse
import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.cli import logs
from bot.cli.args import add_no_migrate, instant, now_of, open_db, whole
from bot.cli.signals import on_stop_signals
from bot.cli.wiring import installed_hooks, slack_notices, slack_sender
from bot.core.wording import fmt_date, plural
from bot.worker.loop import DEFAULT_INTERVAL, PassReport, passes, run_loop, run_once, utc_now, worker_database
from bot.worker.sender import DEFAULT_THREADS
from handlers.deps import Deps
from handlers.http import build_wsgi
from handlers.metrics import process_ended
from store.db import Database

log = logging.getLogger(__name__)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _threads(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 256:
        raise argparse.ArgumentTypeError("use 1 to 256 threads")
    return value


def render_pass(report: PassReport) -> str:
    return "\n".join(_lines(report))


def _lines(report: PassReport) -> Iterator[str]:
    tick = report.tick
    yield f"tick at {tick.now.isoformat()}" + (" (dry run: nothing was changed or sent)" if tick.dry_run else "")
    for error in report.step_errors:
        yield f"  FAILED before the tick: {error}"
    if not tick.accounts:
        yield "  no account was due"
    for a in tick.accounts:
        who = f"  {a.team} ({a.name})"
        if a.error:
            yield f"{who}: FAILED, tried again in a few minutes: {a.error}"
            continue
        for r in a.renewals:
            late = " LATE" if r.late else ""
            for a_line in r.addons:
                yield (
                    f"{who}: renewal of {fmt_date(r.renewal)}: {a_line.line}: request #{a_line.request_id} applied, "
                    f"{a_line.seats_before} -> {a_line.seats_after} licenses, {len(a_line.removed)} lost the add-on"
                )
            if r.switch is not None:
                yield f"{who}: renewal of {fmt_date(r.renewal)}: package {r.switch.from_tier} -> {r.switch.to_tier}"
            if r.request_id is None:
                nothing = "" if r.changed else ": no request, nothing changed"
                yield f"{who}: renewal of {fmt_date(r.renewal)} processed{late}{nothing}"
                continue
            yield (
                f"{who}: renewal of {fmt_date(r.renewal)} processed{late}: request #{r.request_id} applied, "
                f"{r.seats_before} -> {r.seats_after} licenses"
            )
            if r.deactivated:
                names = ", ".join(m.name + (" (admin)" if m.is_admin else "") for m in r.deactivated)
                yield f"{who}:   deactivated automatically: {names}"
            if r.unresolved:
                yield (
                    f"{who}:   ! {plural(r.unresolved, 'user')} still over the new count: only admins without "
                    "consent were left (admins were told)"
                )
        for key, added in a.queued.items():
            verb = "would queue" if tick.dry_run else "queued"
            what = f"{verb} {key} for {plural(added, 'recipient')}" if added else f"{key} was queued before"
            yield f"{who}: {what}"
        if not a.renewals and not a.queued:
            yield f"{who}: nothing due"
    d = report.delivery
    if d is None:
        if tick.dry_run:
            yield f"messages: {report.waiting} already waiting in the outbox would be sent, plus those queued above"
        return
    yield (
        f"messages: {len(d.sent)} sent, {len(d.retrying)} to retry later, {len(d.failed)} failed"
        + (f", {len(d.errors)} errors" if d.errors else "")
    )
    sent: dict[str, int] = {}
    for o in d.sent:
        team = report.teams.get(o.account_id, str(o.account_id))
        sent[team] = sent.get(team, 0) + 1
    for team, count in sorted(sent.items()):
        yield f"  {team}: {plural(count, 'message')} sent"
    for o in d.retrying:
        yield f"  {report.teams.get(o.account_id, o.account_id)}: {o.key} to {o.target}: retry later ({o.error})"
    for o in d.failed:
        yield f"  {report.teams.get(o.account_id, o.account_id)}: {o.key} to {o.target}: FAILED for good ({o.error})"
    for error in d.errors:
        yield f"  error: {error}"


def cmd_tick(args: argparse.Namespace) -> int:
    db = worker_database(open_db(args), args.threads)
    sender = None if args.dry_run else slack_sender(threads=args.threads, db=db)
    hooks = installed_hooks(db=db)
    report = run_once(
        db,
        sender,
        now_of(args),
        notices=slack_notices(),
        before_renewal=hooks.before_renewal,
        each_pass=hooks.each_pass,
        dry_run=args.dry_run,
        tick_threads=args.threads,
    )
    print(render_pass(report))
    return 1 if report.failed else 0


def serve_metrics(db: Database, host: str, port: int) -> Any:
    """/metrics, /health/live and /health/ready (the database) of a `licensebot worker`, on a thread."""
    from waitress import create_server

    server = create_server(build_wsgi(None, Deps(db=db)), host=host, port=port, threads=2, ident="licensebot")
    threading.Thread(target=server.run, name="metrics-http", daemon=True).start()
    logs.say(f"licensebot worker: metrics at http://{host}:{port}/metrics")
    return server


def cmd_worker(args: argparse.Namespace) -> int:
    db = worker_database(open_db(args), args.threads)
    sender = slack_sender(threads=args.threads, db=db)
    stop = threading.Event()

    def on_signal(name: str) -> None:
        logs.say(f"licensebot worker: {name}, stopping after the current pass")
        stop.set()

    run_pass = passes(db, sender, slack_notices(), installed_hooks(db=db))

    def run(now: datetime) -> None:
        logs.say(render_pass(run_pass(now)), stdout=True)

    logs.say(f"licensebot worker: a pass every {args.interval:g} s; stop with Ctrl-C or SIGTERM")
    server = None if args.metrics_port is None else serve_metrics(db, args.metrics_host, args.metrics_port)
    try:
        with on_stop_signals(on_signal):
            run_loop(run, interval=args.interval, stop=stop, clock=utc_now)
    finally:
        if server is not None:
            server.close()
        process_ended()
    logs.say("licensebot worker: stopped")
    return 0


def add_commands(sub: Any) -> None:
    tick = sub.add_parser(
        "tick",
        help="run the background handler once: reminders, renewals, sending (see docs/worker.md)",
        description="Process every account that is due at the given instant, then send the due messages. "
        "Needs SLACK_BOT_TOKEN (and SLACK_API_URL to use another Web API base URL) unless --dry-run.",
    )
    tick.add_argument("--now", type=instant, help="pretend it is this instant (ISO-8601); default: now")
    tick.add_argument("--dry-run", action="store_true", help="print what it would do; change and send nothing")
    tick.add_argument(
        "--threads",
        type=_threads,
        default=DEFAULT_THREADS,
        help=f"threads for accounts (PostgreSQL) and for sending (default {DEFAULT_THREADS})",
    )
    add_no_migrate(tick)
    tick.set_defaults(func=cmd_tick)

    worker = sub.add_parser(
        "worker",
        help="run the background handler in a loop until SIGTERM/SIGINT",
        description="A pass every --interval seconds. Several workers may run against PostgreSQL; "
        "SQLite deployments run one.",
    )
    worker.add_argument(
        "--interval",
        type=_positive,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"seconds between passes (default {DEFAULT_INTERVAL:g})",
    )
    worker.add_argument(
        "--threads",
        type=_threads,
        default=DEFAULT_THREADS,
        help=f"threads for accounts (PostgreSQL) and for sending (default {DEFAULT_THREADS})",
    )
    worker.add_argument(
        "--metrics-port",
        type=whole,
        metavar="PORT",
        help="serve /metrics and /health/live, /health/ready over HTTP on this port (default: none)",
    )
    worker.add_argument("--metrics-host", default="0.0.0.0", help="address for --metrics-port (default 0.0.0.0)")
    add_no_migrate(worker)
    worker.set_defaults(func=cmd_worker)
