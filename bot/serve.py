"""`licensebot serve`: the Slack app over HTTP (waitress, threads) or Socket Mode, plus /health.

HTTP routes live in one table: `/slack/events` (commands, interactivity, events), `/health`, and the
routes of feature modules (`extension_routes`: the Teamleader OAuth callback at `/teamleader/callback`);
`build_wsgi(..., extra_routes=...)` takes such a mapping.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.cli import open_db, whole
from bot.errors import UserError
from bot.signals import STOP_SIGNALS, on_stop_signals
from handlers import followup
from handlers.app import Settings, build_app
from handlers.deps import Deps

if TYPE_CHECKING:
    from bot.background.loop import Background

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
SLACK_PATH = "/slack/events"
HEALTH_PATH = "/health"


def _reply(start_response: StartResponse, status: str, body: bytes, ctype: str) -> list[bytes]:
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def database_reachable(deps: Deps) -> bool:
    try:
        with deps.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("health: database unreachable: %s", str(exc).splitlines()[0])
        return False
    return True


def health_app(deps: Deps) -> WsgiApp:
    """GET /health: 200 with `{"status": "ok", "database": "reachable" | "unreachable"}`."""

    def health(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _reply(start_response, "405 Method Not Allowed", b"GET only\n", "text/plain; charset=utf-8")
        ok = database_reachable(deps)
        body = json.dumps({"status": "ok", "database": "reachable" if ok else "unreachable"}).encode()
        return _reply(start_response, "200 OK", body, "application/json")

    return health


def signed_only(route: WsgiApp, signing_secret: str) -> WsgiApp:
    """Check Slack's signature before anything reads the request: 401 unless it is valid and recent.

    Bolt checks it too, but only after its adapter has parsed the body (a body that is not JSON raises:
    500) and its verifier raises on a timestamp that is not a number, after which Bolt's error handling
    sees the unverified payload (and its response_url). Here nothing is parsed before the check.
    """
    verifier = SignatureVerifier(signing_secret)
    refused = json.dumps({"error": "invalid request"}).encode()

    def verified(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            length = 0
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        try:
            valid = timestamp.isascii() and timestamp.isdigit() and verifier.is_valid(body, timestamp, signature)
        except UnicodeDecodeError:  # Slack sends UTF-8
            valid = False
        if not valid:
            return _reply(start_response, "401 Unauthorized", refused, "application/json")
        return route({**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}, start_response)

    return verified


def build_wsgi(
    bolt_app: App | None,
    deps: Deps,
    extra_routes: Mapping[str, WsgiApp] | None = None,
    *,
    signing_secret: str | None = None,
) -> WsgiApp:
    """The WSGI application: a route table by exact path (404 for anything else).

    With a Bolt app, `signing_secret` is the one it was built with: `/slack/events` checks the signature
    with it first (`signed_only`; "" only for an app without verification). Bolt keeps its own copy
    private, so the caller passes it rather than this function reading it from the app.
    """
    routes: dict[str, WsgiApp] = {HEALTH_PATH: health_app(deps)}
    if bolt_app is not None:
        if signing_secret is None:
            raise TypeError("build_wsgi: pass the Bolt app's signing_secret")
        routes[SLACK_PATH] = SlackRequestHandler(bolt_app, path=SLACK_PATH)
        if signing_secret:
            routes[SLACK_PATH] = signed_only(routes[SLACK_PATH], signing_secret)
    for path, route in (extra_routes or {}).items():
        if path in routes:
            raise ValueError(f"route {path} is already mounted")
        routes[path] = route

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = routes.get(environ.get("PATH_INFO") or "/")
        if route is None:
            return _reply(start_response, "404 Not Found", b"Not Found\n", "text/plain; charset=utf-8")
        return route(environ, start_response)

    application.routes = routes  # type: ignore[attr-defined]
    return application


def extension_routes(deps: Deps) -> dict[str, WsgiApp]:
    """The HTTP routes of feature modules (the Teamleader OAuth callback)."""
    from bot.teamleader.web import wsgi_routes

    return dict(wsgi_routes(deps))


def start_worker(deps: Deps) -> Background:
    """Start the background worker in this process (a daemon thread); `.stop()` ends it after its pass."""
    from bot.worker import start_background

    return start_background(deps)


def make_server(wsgi: WsgiApp, host: str, port: int, threads: int) -> Any:
    """A waitress server (production grade, a pool of `threads`); `.run()` serves, `.close()` stops."""
    from waitress import create_server

    return create_server(wsgi, host=host, port=port, threads=threads, ident="licensebot")


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    deps = Deps(db=open_db(args))
    try:
        app = build_app(settings, deps)
    except BoltError as exc:
        raise UserError(f"Slack refused the settings: {exc}") from None
    background = None if args.no_worker else start_worker(deps)
    if background is not None:
        print("licensebot: background worker started", file=sys.stderr)
    routes = extension_routes(deps)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, settings.app_token, web_client=app.client)
        handler.connect()  # type: ignore[no-untyped-call]
        wsgi = build_wsgi(None, deps, routes)
        mode = "Socket Mode (no /slack/events over HTTP)"
    else:
        wsgi = build_wsgi(app, deps, routes, signing_secret=settings.signing_secret)
        mode = f"HTTP at http://{args.host}:{args.port}{SLACK_PATH}"
    server = make_server(wsgi, args.host, args.port, args.threads)
    print(f"licensebot: serving Slack over {mode}; health at {HEALTH_PATH}", file=sys.stderr)
    with stop_on_signals() as stopped:
        try:
            server.run()  # waitress ends its loop on SystemExit (Stopping), closing the HTTP side
        except Stopping:
            pass  # the signal came outside the server loop
        finally:
            server.close()
            if settings.socket_mode:
                handler.close()  # type: ignore[no-untyped-call]
            if stopped:
                print(f"licensebot: {stopped[0]}: finishing the answers after acks", file=sys.stderr)
            if background is not None:
                background.stop_event.set()  # the worker ends after its current pass, while answers drain
            left = followup.drain(DRAIN_SECONDS)
            if background is not None:
                background.stop(timeout=DRAIN_SECONDS)
    return 0 if not left else 1


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
        description="Needs SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode). "
        "SLACK_API_URL overrides the Web API base URL.",
    )
    serve.add_argument("--port", type=whole, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--threads", type=whole, default=8, help="worker threads of the HTTP server (default 8)")
    serve.add_argument("--no-worker", action="store_true", help="do not start the background worker")
    serve.set_defaults(func=cmd_serve)
