"""A `/licenses status` answered in its own ack when that is safe; otherwise after the ack, as every other
sub-command (handlers/followup.py).

Slack shows the body of a slash command's ack as the command's answer, an ephemeral message like a post to
its response_url. A status whose page is ready in a few milliseconds then needs no response-URL post and no
hand-off to the after-ack pool: a quarter of a status's CPU (bench/README.md). But the ack must reach Slack
within 3 s, and acks must stay fast when more requests come than the process answers, so a status is
answered in its ack only while:

- the page needs nothing from Slack: the person's language is known without users.info, the viewer by
  their Slack id, and no admin is to be looked up by email (Ctx.offline: `NeedsSlack` is raised instead of
  the call);
- the process keeps up: fewer than WAITING requests wait for a server thread (`watch_waiting`: waitress's
  queue, where the server says), the after-ack pool has a free thread, and at most `at_once` of these
  answers are being built at the same moment (each holds a server thread and a database connection until
  its ack);
- the database answers fast: none of the answers being built started more than SLOW s ago, and an answer
  that took longer than SLOW s, or failed, turns the fast path off for PAUSE s (the database may be
  stalling, and acks must not wait for it: at most `at_once` do, for those that began before it showed).

Otherwise, or when building the answer fails for any reason, the status runs after the ack as before: it
is answered there (or told what failed, or "busy" when the work cannot start in time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient

from bot import i18n
from handlers import observe
from handlers.blocks.messages import Message
from handlers.context import Ctx, NeedsSlack
from handlers.deps import Deps
from handlers.followup import AFTER_ACK_THREADS

log = logging.getLogger(__name__)

AT_ONCE = 6
"""Answers built in acks at the same moment, at most: fewer than `licensebot serve`'s 8 server threads, so
that some threads always ack at once even if the database stops answering under these."""
WAITING = 8
"""Requests waiting for a server thread from which statuses go after their acks: a few wait now and then
when every thread is busy (a closed loop of 8 clients on 8 threads had one waiting at a quarter of its
statuses); more than this and the queue is growing (each answer in an ack holds its thread ~2-3 ms)."""
SLOW = 0.5
"""Seconds an answer in the ack may take before the fast path pauses."""
PAUSE = 30.0
"""Seconds the fast path stays off after a slow or failed answer."""

_waiting: list[Callable[[], int]] = []


def watch_waiting(count: Callable[[], int]) -> None:
    """How many requests wait for a thread of the HTTP server (bot/cli/serve.py gives waitress's queue): while
    WAITING or more do, no status is answered in its ack (the cheap ack keeps the queue short)."""
    _waiting.append(count)


def requests_waiting() -> int:
    return sum(count() for count in _waiting)


class QuickAnswers:
    """The gate of the fast path (see the module docstring), one per app."""

    def __init__(self, deps: Deps, *, at_once: int = AT_ONCE, clock: Callable[[], float] = time.monotonic) -> None:
        self.deps = deps
        self._slots = threading.BoundedSemaphore(at_once)
        self._clock = clock
        self._paused_until = 0.0
        self._building: dict[int, float] = {}
        """Thread id -> when the answer it builds began."""
        self._lock = threading.Lock()

    def keeping_up(self) -> bool:
        pending = getattr(self.deps.after_ack, "pending", 0)  # the after-ack pool (tests run inline: 0)
        now = self._clock()
        with self._lock:
            stuck = any(now - began > SLOW for began in self._building.values())
        return now >= self._paused_until and not stuck and pending < AFTER_ACK_THREADS and requests_waiting() < WAITING

    def answer(
        self, context: BoltContext, client: WebClient, respond: Respond, build: Callable[[Ctx], Message]
    ) -> Message | None:
        """`build(ctx)` in the listener, before the ack, when the gate allows; None: answer after the ack."""
        if not self.keeping_up() or not self._slots.acquire(blocking=False):
            return None
        began = self._clock()
        with self._lock:
            self._building[threading.get_ident()] = began
        try:
            ctx = Ctx.of(self.deps, context, client, respond, offline=True)
            language = ctx.language()  # now, not lazily: a failure here must not become English
            i18n.bind(lambda: language)
            found = build(ctx)
        except NeedsSlack:
            return None
        except Exception:
            log.warning("a status could not be answered in its ack (answered after it instead)", exc_info=True)
            self._paused_until = self._clock() + PAUSE
            return None
        finally:
            with self._lock:
                self._building.pop(threading.get_ident(), None)
            self._slots.release()
        took = self._clock() - began
        if took > SLOW:
            log.warning("a status answered in its ack took %.2f s: answered after the ack for %.0f s", took, PAUSE)
            self._paused_until = self._clock() + PAUSE
        observe.answered(observe.current())
        return found
