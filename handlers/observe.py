"""What each Slack request leaves behind: its log context and its metrics (docs/operations.md).

- `TrackedApp` (the Bolt app of build_app): binds the request's team, user and Slack request id to the
  context of everything that handles it, counts it by kind and outcome and times its ack;
- `RequestContext` (a logging filter, installed by bot/cli/logs.py): puts them on every log record;
- `ContextExecutor`: a thread pool whose tasks run in the context of whoever submitted them, so that the
  listeners (Bolt's executor) and the work after their acks (handlers/followup.py) log with the
  request's context too;
- `CountRateLimits`: a slack_sdk retry handler that retries nothing and counts 429s by method.

The Slack request id: the event's `event_id` (Events API), else the `trigger_id` of a command or an
interaction, else an id of our own ("lb-" and 12 hex digits) so that a request's lines stay together.
"""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState

from bot import metrics
from handlers.keepalive import KeepAliveWebClient

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class RequestInfo:
    team: str
    user: str
    request_id: str
    kind: str
    started: float
    """time.monotonic() when the request reached the app."""


CURRENT: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("licensebot_request", default=None)
FIELDS = ("team", "user", "request_id")
"""The attributes RequestContext puts on every log record (None outside a Slack request)."""


def current() -> RequestInfo | None:
    return CURRENT.get()


def kind_of(body: dict[str, Any]) -> str:
    """The request's kind, one of bot.metrics.SLACK_KINDS."""
    if body.get("command"):
        return "command"
    kind = body.get("type")
    if kind == "event_callback":
        return "event"
    if kind in ("message_action", "shortcut"):
        return "shortcut"
    return kind if isinstance(kind, str) and kind in metrics.SLACK_KINDS else "other"


def what_of(req: BoltRequest) -> str:
    """What the request is about, for its log line: the command and its first word, the action or view
    callback id, or the event type (never the rest of what the person typed)."""
    body = req.body if isinstance(req.body, dict) else {}
    if body.get("command"):
        words = str(body.get("text") or "").split()
        return f"{body['command']} {words[0] if words else ''}".strip()[:60]
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        return str(actions[0].get("action_id") or "")[:60]
    view = body.get("view")
    if isinstance(view, dict) and view.get("callback_id"):
        return str(view["callback_id"])[:60]
    event = body.get("event")
    if isinstance(event, dict):
        return str(event.get("type") or "")[:60]
    return str(body.get("type") or "-")[:60]


def _slack_id(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value[:64] if isinstance(value, str) and value else None


def outcome_of(status: int) -> str:
    if status < 400:
        return "ok"
    if status == 404:
        return "unhandled"  # no listener matched
    if status in (401, 403):
        return "refused"
    return "error"


def request_info(req: BoltRequest) -> RequestInfo:
    body = req.body if isinstance(req.body, dict) else {}
    request_id = _slack_id(body, "event_id") or _slack_id(body, "trigger_id") or f"lb-{uuid.uuid4().hex[:12]}"
    return RequestInfo(
        team=req.context.team_id or req.context.enterprise_id or "",
        user=req.context.user_id or "",
        request_id=request_id,
        kind=kind_of(body),
        started=time.monotonic(),
    )


class TrackedApp(App):
    """The Bolt app, each request dispatched in a context of its own that knows the request (`current()`),
    counted by kind and outcome with its ack time. `dispatch` is what both the HTTP adapter and Socket
    Mode call; a global middleware would not do, as Bolt runs its middleware one after the other before
    the listeners, not around them."""

    def _init_context(self, req: BoltRequest) -> None:
        super()._init_context(req)
        client = req.context.get("client")
        if type(client) is WebClient:
            # Bolt builds a plain WebClient for every request; the kept-alive one differs only in its
            # transport step and holds nothing of its own, so the same object changes class (no copy).
            client.__class__ = KeepAliveWebClient

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        info = request_info(req)
        return contextvars.copy_context().run(self._tracked, req, info)

    def _tracked(self, req: BoltRequest, info: RequestInfo) -> BoltResponse:
        CURRENT.set(info)  # in the copy made for this request only
        try:
            response = super().dispatch(req)
        except BaseException:
            metrics.SLACK_REQUESTS.labels(kind=info.kind, outcome="error").inc()
            raise
        seconds = time.monotonic() - info.started
        outcome = outcome_of(response.status)
        metrics.ACK_SECONDS.labels(kind=info.kind).observe(seconds)
        metrics.SLACK_REQUESTS.labels(kind=info.kind, outcome=outcome).inc()
        log.info("slack %s %s: %s (HTTP %d) in %.3f s", info.kind, what_of(req), outcome, response.status, seconds)
        return response


def answered(info: RequestInfo | None) -> None:
    """The work after a request's ack ended: its answer time (`licensebot_slack_answer_seconds`)."""
    if info is not None:
        metrics.ANSWER_SECONDS.labels(kind=info.kind).observe(time.monotonic() - info.started)


class RequestContext(logging.Filter):
    """Puts `team`, `user` and `request_id` of the Slack request being handled on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = CURRENT.get()
        for name in FIELDS:
            if not hasattr(record, name):
                setattr(record, name, getattr(info, name) if info is not None else None)
        return True


class ContextExecutor(ThreadPoolExecutor):
    """A ThreadPoolExecutor whose tasks run in a copy of the submitter's context (contextvars)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)  # type: ignore[arg-type]


class CountRateLimits(RetryHandler):
    """Counts every 429 the Web API answers (`licensebot_slack_rate_limited_total{method}`); retries nothing,
    so the client's other handlers decide. Put it first in a WebClient's retry_handlers."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            metrics.rate_limited(request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0])
        return False
