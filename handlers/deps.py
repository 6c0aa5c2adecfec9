"""What the Slack listeners need from outside: the database, the clock (tests control `now`), and where
the work after an ack runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from store.db import Database


def utc_now() -> datetime:
    return datetime.now(UTC)


Work = Callable[[], None]
OnError = Callable[[Exception], None]


def run_inline(work: Work, on_error: OnError) -> None:
    """Run a listener's after-ack work at once, in the listener: a failure reaches Bolt's error handler."""
    work()


@dataclass(frozen=True)
class Deps:
    db: Database
    clock: Callable[[], datetime] = field(default=utc_now)
    after_ack: Callable[[Work, OnError], None] = field(default=run_inline)
    """Runs what a listener does after its ack (handlers/followup.py): inline in tests
    (process_before_response), on a pool of its own in `build_app` otherwise."""

    def now(self) -> datetime:
        return self.clock()
