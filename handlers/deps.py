"""What the Slack listeners need from outside: the database, the clock (tests control `now`), where the
work after an ack runs, and how the independent Web API calls of one change are sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from bot.usecases.ports import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


Work = Callable[[], None]
OnError = Callable[[Exception], None]


Call = Callable[[], bool]
"""One Web API call that reports whether Slack took it (a failure is logged by the call itself)."""


def in_turn(calls: Sequence[Call]) -> list[bool]:
    """Send the calls one after the other (tests: the stand-in sees them in this order)."""
    return [call() for call in calls]


class AfterAckRunner(Protocol):
    """Where the work after an ack runs: `work`, with `on_error` for its failure; `shed` (optional) runs
    instead when it cannot start in time after `since` (the request's arrival, time.monotonic)."""

    def __call__(self, work: Work, on_error: OnError, shed: Work | None = None, since: float | None = None) -> None:
        pass


def run_inline(work: Work, on_error: OnError, shed: Work | None = None, since: float | None = None) -> None:
    """Run a listener's after-ack work at once, in the listener (tests: process_before_response): it is never
    late, so never shed. A failure is reported exactly as on the after-ack pool: never raised after the ack."""
    try:
        work()
    except Exception as exc:
        on_error(exc)


@dataclass(frozen=True)
class Deps:
    db: Database
    clock: Callable[[], datetime] = field(default=utc_now)
    after_ack: AfterAckRunner = field(default=run_inline)
    """Runs what a listener does after its ack (handlers/followup.py): inline in tests
    (process_before_response), on a pool of its own in `build_app` otherwise."""
    together: Callable[[Sequence[Call]], list[bool]] = field(default=in_turn)
    """Sends the independent Web API calls of one change (a DM, a channel post, every admin's App Home):
    in turn in tests, at the same time in `build_app` (handlers/followup.Together)."""

    def now(self) -> datetime:
        return self.clock()
