"""The work a listener does after its ack runs on a pool of its own, so that acks never wait for it.

Bolt runs each listener on its listener executor and answers Slack as soon as the listener calls
`ack()`. A listener that went on with slow work (a license page, Web API calls) would keep its thread,
and under load new requests would wait for a thread before they could even ack.

So every listener has one of a few shapes: `acked(deps, work)` (ack, then `work` on the AfterAck pool
through `later`), `open_then_fill` (views.open with the trigger id at once, the modal filled after the
ack), `at_once` (the rare call bound to a trigger id, which lives 3 s). A failure after the ack is told to
the user as the error handler would (handlers/errors.py `explain` + `tell`): nothing raises after an ack.

Overload is bounded by age, not by count: work that has not started `MAX_WAIT` s after its request reached
the app is not done late but shed, and the person is answered at once that licensebot is busy (try again
in a minute); when the change was already stored before the ack, the answer says it was saved and that its
messages follow (they are in the outbox, which the worker sends). Listeners never wait for room, so acks
stay fast however long the queue. Tests run with process_before_response=True: `Deps.after_ack` then runs
the work inline, with the same error reporting.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import wait
from typing import Any, ClassVar

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.i18n import _
from bot.metrics import AFTER_ACK_PENDING, AFTER_ACK_SHED
from handlers import observe
from handlers.blocks.modals import loading_view, message_view
from handlers.context import Ctx
from handlers.deps import Call, Deps, OnError, Work
from handlers.errors import OVERLOADED, explain, saved_but_busy, tell
from handlers.observe import ContextExecutor

log = logging.getLogger(__name__)

AFTER_ACK_THREADS = 8
"""Most after-ack work waits on the Web API, so more threads than cores; but the CPU-bound part (license
pages) competes with the acks for the GIL (the choice is measured in bench/README.md)."""
MAX_WAIT = 2.0
"""Seconds from a request reaching the app after which its work after the ack, not yet started, is shed
(answered "busy"): the answer to a person comes within ~3 s or says why not."""


class AfterAck:
    """`Deps.after_ack` over HTTP: a thread pool whose queue is bounded by age (`max_wait`, see the module
    docstring). `clock`: time.monotonic (tests pass a fake one).

    Every AfterAck of the process is known to `drain`, which `licensebot serve` (and a gunicorn worker,
    bot/wsgi.py) calls when it is told to stop (SIGTERM, Ctrl-C): work after an ack often announces a
    change already stored (a reduction's DM and admin-channel post), and a restart must not drop it."""

    _all: ClassVar[weakref.WeakSet[AfterAck]] = weakref.WeakSet()

    def __init__(
        self,
        threads: int = AFTER_ACK_THREADS,
        *,
        max_wait: float = MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = ContextExecutor(max_workers=threads, thread_name_prefix="after-ack")
        self._idle = threading.Condition()
        self._pending = 0
        self.max_wait = max_wait
        self._clock = clock
        AfterAck._all.add(self)

    def __call__(self, work: Work, on_error: OnError, shed: Work | None = None, since: float | None = None) -> None:
        """Queue `work`; `shed` is what runs instead when it has not started `max_wait` s after `since` (the
        request's arrival, on `clock`; default now). Without `shed` the work is never shed."""
        queued = self._clock() if since is None else since
        with self._idle:
            self._pending += 1
        AFTER_ACK_PENDING.inc()

        def run() -> None:
            try:
                late = shed is not None and self._clock() - queued > self.max_wait
                if late:
                    AFTER_ACK_SHED.inc()
                (shed if late and shed is not None else work)()
            except Exception as exc:
                try:
                    on_error(exc)
                except Exception:
                    log.exception("could not report a failure after the ack")
            finally:
                AFTER_ACK_PENDING.dec()
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        self._pool.submit(run)

    @property
    def pending(self) -> int:
        """Work items queued or running."""
        with self._idle:
            return self._pending

    def wait_idle(self, timeout: float) -> int:
        """Wait up to `timeout` s for the queued and running work to end; how many items are left."""
        with self._idle:
            self._idle.wait_for(lambda: self._pending == 0, timeout)
            return self._pending


def drain(timeout: float) -> int:
    """Let the work after acks of every AfterAck of this process end, within `timeout` s in all; how many
    items were still queued or running when the time was up (they are logged)."""
    deadline = time.monotonic() + timeout
    left = sum(pool.wait_idle(max(0.0, deadline - time.monotonic())) for pool in list(AfterAck._all))
    if left:
        log.error("stopping with %d answers after acks still unsent", left)
    return left


CALL_THREADS = 16
"""Web API calls in flight at once for all changes together; they wait on Slack, not on the CPU."""


class Together:
    """`Deps.together` over HTTP: the calls of one change go out at the same time on a shared pool, and the
    caller waits for all of them (one round trip to Slack, not one per call). The messages and views are
    built before, by the caller (CPU work stays on its thread)."""

    def __init__(self, threads: int = CALL_THREADS) -> None:
        self._pool = ContextExecutor(max_workers=threads, thread_name_prefix="web-api")

    def __call__(self, calls: Sequence[Call]) -> list[bool]:
        if len(calls) < 2:
            return [call() for call in calls]
        futures = [self._pool.submit(call) for call in calls]
        wait(futures)  # every call ends before anything is raised: one failure does not cut the others short
        return [f.result() for f in futures]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def later(ctx: Ctx, work: Callable[[], None], *, saved: str | None = None, busy: Work | None = None) -> None:
    """Run `work` after the ack (see the module docstring); a failure is logged and told to the user.

    When the work cannot start in time it is shed: the user is told licensebot is busy (`busy`: another way
    to say it, e.g. a modal's or the App Home's text). `saved`: what was stored before the ack (e.g. "Your
    request"): the answer then says it was saved and that its messages follow."""
    request = observe.current()

    def work_then_answered() -> None:
        try:
            work()
        finally:
            observe.answered(request)

    def shed() -> None:
        try:
            if busy is not None:
                busy()
            else:
                tell(ctx, saved_but_busy(saved) if saved else _(OVERLOADED))
        finally:
            observe.answered(request)

    ctx.deps.after_ack(
        work_then_answered, lambda exc: tell(ctx, explain(exc)), shed, request.started if request else None
    )


def at_once(ctx: Ctx, work: Callable[[], None]) -> None:
    """Run `work` in the listener, right after its ack (only what must: a views.open with a trigger id that
    lives 3 s); a failure is told to the user as `later` tells it. Nothing raises after an ack."""
    try:
        work()
    except Exception as exc:
        tell(ctx, explain(exc))


ActionWork = Callable[[Ctx, dict[str, Any]], None]
"""What a block action does after its ack: (the request, the action's payload)."""
ActionListener = Callable[[Ack, dict[str, Any], BoltContext, WebClient, Respond], None]


def acked(deps: Deps, work: ActionWork) -> ActionListener:
    """The one shape of a block-action listener: ack at once, then `work(ctx, body)` on the after-ack pool."""

    def listener(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        ctx = Ctx.of(deps, context, client, respond)
        later(ctx, lambda: work(ctx, body))

    return listener


def open_then_fill(ctx: Ctx, trigger_id: str, title: str, fill: Callable[[], dict[str, Any]]) -> None:
    """Open a modal with a loading view at once (the trigger id expires 3 s after the click), then build the
    real view after the ack (`fill`, which reads the store) and put it in with views.update. A refusal, bad
    input or a failure (the database away) becomes the modal's text."""

    def opened() -> None:
        view = ctx.client.views_open(trigger_id=trigger_id, view=loading_view())["view"]

        def update(content: dict[str, Any]) -> None:
            ctx.client.views_update(view_id=view["id"], hash=view.get("hash"), view=content)

        def work() -> None:
            try:
                content = fill()
            except Exception as exc:  # the modal says what failed; it never stays on "Loading…"
                content = message_view(title, explain(exc))
            update(content)

        later(ctx, work, busy=lambda: update(message_view(title, _(OVERLOADED))))

    at_once(ctx, opened)
