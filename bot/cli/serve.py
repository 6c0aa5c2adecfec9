"""`licensebot serve`: the Slack app over HTTP (waitress, threads) or Socket Mode, plus /health/live,
/health/ready (the database, the token checked at start, the embedded worker) and /metrics.

The routes are handlers/http.py's table (`build_wsgi`) with the features' routes (`extension_routes`:
the Teamleader OAuth callback at `/teamleader/callback`).
"""

from __future__ import annotations

import argparse
import logging
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt.error import BoltError

from bot.cli import logs, wiring
from bot.cli.args import add_no_migrate, open_db, whole
from bot.cli.serve_workers import MAX_WORKERS, check_workers, require_gunicorn, serve_processes
from bot.cli.signals import STOP_SIGNALS, on_stop_signals
from bot.core.errors import UserError
from bot.teamleader.web import wsgi_routes
from bot.worker.loop import Background
from handlers import followup, install, quick
from handlers.app import Settings, build_app
from handlers.deps import Deps
from handlers.health import LIVE_PATH, READY_PATH, Readiness
from handlers.http import MAX_BODY, SLACK_PATH, WsgiApp, build_wsgi
from handlers.metrics import process_ended
from store.db import Database, database_url

log = logging.getLogger(__name__)


def extension_routes(db: Database, clock: Callable[[], datetime]) -> dict[str, WsgiApp]:
    """The HTTP routes of feature modules (the Teamleader OAuth callback)."""
    return dict(wsgi_routes(db, clock))


def start_worker(db: Database, clock: Callable[[], datetime]) -> Background:
    """Start the background worker in this process (a daemon thread); `.stop()` ends it after its pass."""
    return wiring.start_background(db, clock)


def socket_problem(handler: Any) -> str | None:
    """Socket Mode's part of readiness: None while the socket to Slack is connected."""
    client = getattr(handler, "client", None)
    connected = getattr(client, "is_connected", None)
    if connected is None or connected():
        return None
    return "the Socket Mode connection to Slack is down (reconnecting)"


def make_server(wsgi: WsgiApp, host: str, port: int, threads: int) -> Any:
    """A waitress server (production grade, a pool of `threads`); `.run()` serves, `.close()` stops."""
    from waitress import create_server

    # waitress refuses a longer body with 413 before the app sees it (a chunked one included); the route
    # checks Content-Length too (handlers/http.py), for any other server.
    server = create_server(
        wsgi, host=host, port=port, threads=threads, ident="licensebot", max_request_body_size=MAX_BODY
    )
    # While requests wait for a server thread, statuses are answered after their acks (handlers/quick.py).
    quick.watch_waiting(lambda: len(server.task_dispatcher.queue))
    return server


@dataclass
class Service:
    """What serves Slack in one process: the WSGI app, and what must be stopped with it."""

    wsgi: WsgiApp
    settings: Settings
    background: Background | None = None
    socket_handler: Any = None
    mode: str = ""


def build_service(db: Database, *, worker: bool, settings: Settings | None = None) -> Service:
    """The Slack app and its routes over `db` (`worker`: the background worker in this process too). The
    same for `licensebot serve` and a gunicorn worker (bot/wsgi.py)."""
    settings = settings or Settings.from_env()
    deps = Deps(db=db.for_requests())  # Slack's requests wait 2 s at most for a lock, then "busy, try again"
    stores = wiring.slack_installations(settings, db) if settings.oauth else (None, None)
    try:
        app = build_app(settings, deps, installation_store=stores[0], state_store=stores[1])
    except BoltError as exc:
        raise UserError(f"Slack refused the settings: {exc}") from None
    readiness = Readiness(db)
    # build_app checked the token (auth.test) or we would not be here; in OAuth mode there is no one token:
    # each workspace's is checked when it is used (a refused one postpones that workspace's messages only)
    readiness.add("slack", lambda: None)
    background = start_worker(db, deps.clock) if worker else None
    if background is not None:
        logs.say("licensebot: background worker started")
        readiness.add("worker", background.problem)
    routes = extension_routes(db, deps.clock)
    if not settings.socket_mode:
        wsgi = build_wsgi(app, deps, routes, signing_secret=settings.signing_secret, readiness=readiness)
        return Service(wsgi=wsgi, settings=settings, background=background)
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, settings.app_token, web_client=app.client)
    handler.connect()  # type: ignore[no-untyped-call]
    readiness.add("slack", lambda: socket_problem(handler))
    return Service(
        wsgi=build_wsgi(None, deps, routes, readiness=readiness),
        settings=settings,
        background=background,
        socket_handler=handler,
        mode="Socket Mode (no /slack/events over HTTP)",
    )


def stop_service(service: Service) -> int:
    """Stop what `build_service` started, letting the answers after acks end first: how many were left."""
    if service.socket_handler is not None:
        service.socket_handler.close()
    if service.background is not None:
        service.background.stop_event.set()  # the worker ends after its current pass, while answers drain
    left = followup.drain(DRAIN_SECONDS)
    if service.background is not None:
        service.background.stop(timeout=DRAIN_SECONDS)
    process_ended()
    return left


def cmd_serve(args: argparse.Namespace) -> int:
    check_workers(args.workers)
    settings = Settings.from_env()
    if args.workers > 1:
        return serve_several(args, settings)
    db = open_db(args)
    service = build_service(db, worker=not args.no_worker, settings=settings)
    wsgi = service.wsgi
    mode = service.mode or f"HTTP at http://{args.host}:{args.port}{SLACK_PATH}"
    if settings.oauth:
        mode += f"; many workspaces (OAuth): install at http://{args.host}:{args.port}{install.INSTALL_PATH}"
    server = make_server(wsgi, args.host, args.port, args.threads)
    logs.say(f"licensebot: serving Slack over {mode}; health at {LIVE_PATH} and {READY_PATH}; metrics at /metrics")
    with stop_on_signals() as stopped:
        try:
            server.run()  # waitress ends its loop on SystemExit (Stopping), closing the HTTP side
        except Stopping:
            pass  # the signal came outside the server loop
        finally:
            server.close()
            if stopped:
                logs.say(f"licensebot: {stopped[0]}: finishing the answers after acks")
            left = stop_service(service)
    return 0 if not left else 1


def serve_several(args: argparse.Namespace, settings: Settings) -> int:
    """`serve --workers N`, N > 1: gunicorn's master here (bot/cli/serve_workers.py), over HTTP only."""
    if settings.socket_mode:
        raise UserError(
            "--workers N > 1 serves HTTP only: Socket Mode (SLACK_APP_TOKEN) is one connection to Slack, "
            "so one process; unset SLACK_APP_TOKEN (and set SLACK_SIGNING_SECRET) or use --workers 1"
        )
    require_gunicorn()
    db = open_db(args)  # the schema upgraded (or checked) once, before the workers start
    database = args.database or database_url()
    db.engine.dispose()  # no connection of this process crosses the fork
    return serve_processes(args, database)


DRAIN_SECONDS = 20.0
"""How long a stopping server waits for the work after its acks (within the usual 30 s grace of a
process manager before it kills)."""


class Stopping(SystemExit):
    """SIGTERM or SIGINT reached `licensebot serve`. A SystemExit: waitress lets those end its loop (and
    closes), where it would log and swallow any other exception raised while it handles a socket."""


@contextmanager
def stop_on_signals() -> Iterator[list[str]]:
    """SIGTERM and SIGINT raise Stopping in the main thread, once (a second one stops at once); the list
    yielded gets the signal's name."""
    stopped: list[str] = []

    def stop(name: str) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        stopped.append(name)
        raise Stopping(name)

    with on_stop_signals(stop):
        yield stopped


def add_commands(sub: Any) -> None:
    serve = sub.add_parser(
        "serve",
        help="run the Slack app (Socket Mode when SLACK_APP_TOKEN is set, else HTTP at /slack/events)",
        description="One workspace: SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket "
        "Mode). Many workspaces (OAuth): SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET and "
        "LICENSEBOT_SECRET_KEY (tokens are stored encrypted); workspaces install at /slack/install. "
        "SLACK_API_URL overrides the Web API base URL.",
    )
    serve.add_argument("--port", type=whole, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--threads", type=whole, default=8, help="worker threads of the HTTP server (default 8)")
    serve.add_argument(
        "--workers",
        type=whole,
        default=1,
        metavar="N",
        help=f"HTTP processes serving the port (default 1; at most {MAX_WORKERS}). N > 1 runs gunicorn (the "
        "licensebot[gunicorn] extra) with N workers of --threads threads, HTTP only (not with SLACK_APP_TOKEN); "
        "the background worker still runs once, as a child process. SIGTERM/SIGINT: requests in progress and "
        "the answers after acks end, then exit 0",
    )
    serve.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    add_no_migrate(serve)
    serve.set_defaults(func=cmd_serve)
