"""The HTTP side of licensebot: one route table by exact path, Slack's signature checked before anything
reads a request, and the health check.

Routes: `/slack/events` (commands, interactivity, events; signed), `/health`, `/health/live` and
`/health/ready` (handlers/health.py), `/metrics` (handlers/metrics.py), in OAuth mode `/slack/install`
and `/slack/oauth_redirect` (browser GETs, not signed: Bolt's OAuth flow checks its state instead;
handlers/install.py), and the routes of feature modules passed as `extra_routes` (the Teamleader OAuth
callback at `/teamleader/callback`).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot import metrics
from handlers.deps import Deps
from handlers.health import LIVE_PATH, READY_PATH, Readiness, live_app, ready_app
from handlers.metrics import METRICS_PATH, metrics_app

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
SLACK_PATH = "/slack/events"
HEALTH_PATH = "/health"
MAX_BODY = 1024 * 1024
"""The largest request body taken (Slack's own payloads stay far below it; a modal's state is the biggest)."""


def _reply(start_response: StartResponse, status: str, body: bytes, ctype: str) -> list[bytes]:
    start_response(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))])
    return [body]


def health_app(deps: Deps, readiness: Readiness | None = None) -> WsgiApp:
    """GET /health: the same answer as /health/ready (handlers/health.py): 200 when ready, else 503."""
    return ready_app(readiness or Readiness(deps.db))


def malformed(body: bytes, content_type: str) -> str | None:
    """Why a signed body is not one Slack sends (None when it is): JSON that is not an object, a form
    whose `payload` is not a JSON object, text that is not UTF-8. Bolt's adapter would fail on these."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if content_type.split(";")[0].strip().lower() == "application/json":
        return None if _json_object(text) else "the JSON body is not an object"
    payload = parse_qs(text, keep_blank_values=True).get("payload")
    if payload is not None and not (len(payload) == 1 and _json_object(payload[0])):
        return "the form's payload is not one JSON object"
    return None


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def signed_only(route: WsgiApp, signing_secret: str) -> WsgiApp:
    """Check Slack's signature before anything reads the request: 401 unless it is valid and recent.

    Bolt checks it too, but only after its adapter has parsed the body (a body that is not JSON raises:
    500) and its verifier raises on a timestamp that is not a number, after which Bolt's error handling
    sees the unverified payload (and its response_url). Here nothing is parsed before the check.
    """
    verifier = SignatureVerifier(signing_secret)
    refused = json.dumps({"error": "invalid request"}).encode()
    too_large = json.dumps({"error": "request too large"}).encode()
    bad = json.dumps({"error": "malformed request"}).encode()

    def verified(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        try:
            length = max(0, int(environ.get("CONTENT_LENGTH") or 0))
        except ValueError:
            length = 0
        if length > MAX_BODY:  # refused before a byte of it is read
            return _reply(start_response, "413 Content Too Large", too_large, "application/json")
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        try:
            valid = timestamp.isascii() and timestamp.isdigit() and verifier.is_valid(body, timestamp, signature)
        except UnicodeDecodeError:  # Slack sends UTF-8
            valid = False
        if not valid:
            metrics.SLACK_REQUESTS.labels(kind="other", outcome="bad_signature").inc()
            return _reply(start_response, "401 Unauthorized", refused, "application/json")
        problem = malformed(body, str(environ.get("CONTENT_TYPE") or ""))
        if problem:
            log.warning("a signed request was refused: %s", problem)
            return _reply(start_response, "400 Bad Request", bad, "application/json")
        return route({**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}, start_response)

    return verified


def get_only(route: WsgiApp) -> WsgiApp:
    """A browser page: GET only, 405 otherwise (a HEAD would issue an OAuth state for nothing)."""

    def pages(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return _reply(start_response, "405 Method Not Allowed", b"GET only\n", "text/plain; charset=utf-8")
        return route(environ, start_response)

    return pages


def build_wsgi(
    bolt_app: App | None,
    deps: Deps,
    extra_routes: Mapping[str, WsgiApp] | None = None,
    *,
    signing_secret: str | None = None,
    readiness: Readiness | None = None,
) -> WsgiApp:
    """The WSGI application: a route table by exact path (404 for anything else).

    With a Bolt app, `signing_secret` is the one it was built with: `/slack/events` checks the signature
    with it first (`signed_only`; "" only for an app without verification). Bolt keeps its own copy
    private, so the caller passes it rather than this function reading it from the app.

    `readiness`: the checks of /health/ready and /health (default: the database only).
    """
    readiness = readiness or Readiness(deps.db)
    routes: dict[str, WsgiApp] = {
        HEALTH_PATH: health_app(deps, readiness),
        LIVE_PATH: live_app(),
        READY_PATH: ready_app(readiness),
        METRICS_PATH: metrics_app(deps.db),
    }
    if bolt_app is not None:
        if signing_secret is None:
            raise TypeError("build_wsgi: pass the Bolt app's signing_secret")
        routes[SLACK_PATH] = SlackRequestHandler(bolt_app, path=SLACK_PATH)
        if signing_secret:
            routes[SLACK_PATH] = signed_only(routes[SLACK_PATH], signing_secret)
        flow = bolt_app.oauth_flow
        if flow is not None:
            oauth_route = get_only(SlackRequestHandler(bolt_app, path=SLACK_PATH))
            routes[flow.install_path] = oauth_route
            routes[flow.redirect_uri_path] = oauth_route
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
