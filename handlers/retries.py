"""Slack's retries: an event is handled once, however often Slack delivers it.

Slack delivers an event again (X-Slack-Retry-Num 1..3, X-Slack-Retry-Reason) when it did not get our
200 within 3 s, e.g. while every listener thread was busy. The listeners for events are idempotent
(App Home: publish the current page), but the work is not free, so a delivery whose `event_id` this
process has seen is acked at once without running a listener (and with `X-Slack-No-Retry: 1`).
A retry of an event this process has not seen (the first delivery never arrived, or another process
of a scaled-out deployment got it) is handled as usual: at worst the page is published twice.

Interactivity (buttons, modal submissions) and slash commands are not retried by Slack; a double
click or a replayed submission is made harmless by the use cases (one pending request, one consent).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from handlers.deps import Deps

log = logging.getLogger(__name__)
REMEMBERED = 10_000
"""How many recent event ids are kept (Slack retries within minutes)."""


class SeenEvents:
    """The most recent event ids (thread-safe)."""

    def __init__(self, capacity: int = REMEMBERED) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time `event_id` is given, False after that."""
        with self._lock:
            if event_id in self._ids:
                return False
            self._ids[event_id] = None
            if len(self._ids) > self.capacity:
                self._ids.popitem(last=False)
            return True


def _header(request: BoltRequest, name: str) -> str | None:
    values = request.headers.get(name) or []
    return values[0] if values else None


class OncePerEvent(Middleware):
    """Acks a delivery of an event seen before without running a listener (a middleware of its own class:
    Bolt would build every listener argument for a function middleware, at every request)."""

    def __init__(self, seen: SeenEvents) -> None:
        self.seen = seen

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and event_id and not self.seen.first_time(event_id):
            log.info(
                "event %s delivered again (retry %s: %s): handled already",
                event_id,
                _header(req, "x-slack-retry-num"),
                _header(req, "x-slack-retry-reason"),
            )
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        return next()


def register(app: App, deps: Deps) -> None:
    app.use(OncePerEvent(SeenEvents()))
