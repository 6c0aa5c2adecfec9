"""Running the background handler: one pass (`run_once`), the `worker` loop, the thread of `serve`.

One pass = tick every due account (bot/worker/tick.py), then deliver every due message of the
outbox (bot/worker/sender.py). Both steps use the database for coordination, so several
passes may run at once in different processes against PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import select

from bot import metrics
from bot.core.errors import Unavailable
from bot.worker.ports import Notices, log_failure
from bot.worker.reconnect import notify_reconnects
from bot.worker.sender import PENDING, DeliveryReport, Sender
from bot.worker.tick import BeforeRenewal, TickReport, no_sync, tick_accounts
from store import models
from store.db import Database, make_engine

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0

Step = Callable[[Database, datetime], object]
"""A step another feature adds to every pass (e.g. the Teamleader sync), called with (db, now)."""


@dataclass(frozen=True)
class Hooks:
    """What other features add to a pass: `before_renewal` (e.g. sync the account's users first) and steps
    run at the start of every pass. `bot.cli.wiring.installed_hooks` gives the installed ones."""

    before_renewal: BeforeRenewal = no_sync
    each_pass: tuple[Step, ...] = ()


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PassReport:
    tick: TickReport
    delivery: DeliveryReport | None
    """None in a dry run (nothing is sent)."""
    waiting: int = 0
    """Dry run: messages already in the outbox that a real pass would send now."""
    teams: dict[int, str] = field(default_factory=dict)
    """Account id -> Slack team id, for the accounts the delivery report mentions."""
    step_errors: list[str] = field(default_factory=list)
    """Failures of the steps other features add to each pass (e.g. the Teamleader sync)."""

    @property
    def failed(self) -> bool:
        """Something in the pass failed: an account, a step, a message (for good) or the delivery itself."""
        d = self.delivery
        return bool(self.tick.failures or self.step_errors or (d is not None and (d.failed or d.errors)))


def run_once(
    db: Database,
    sender: Sender | None,
    now: datetime,
    *,
    notices: Notices,
    before_renewal: BeforeRenewal = no_sync,
    each_pass: Sequence[Step] = (),
    dry_run: bool = False,
    tick_threads: int = 1,
) -> PassReport:
    """Run the `each_pass` steps and the reconnect notices, tick every due account at `now`, then deliver
    what is due.

    A dry run skips the steps and the delivery (so does a missing `sender`). `tick_threads` > 1
    handles accounts in parallel on PostgreSQL (see `tick_accounts`).
    """
    step_errors: list[str] = []
    steps: list[Step] = [*each_pass, partial(notify_reconnects, notices=notices)]
    for name, step in () if dry_run else ((_step_name(step), step) for step in steps):
        try:
            step(db, now)
        except Unavailable:
            raise  # without the database the pass can do nothing: one line for it (run_loop), not one a step
        except Exception as exc:  # another feature's step never stops reminders and renewals
            log_failure(log, exc, "worker step %s failed", name)
            step_errors.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    tick = tick_accounts(db, now, notices=notices, before_renewal=before_renewal, dry_run=dry_run, threads=tick_threads)
    if dry_run or sender is None:
        with db.transaction() as s:
            waiting = len(
                s.scalars(
                    select(models.Delivery.id).where(
                        models.Delivery.status == PENDING, models.Delivery.next_attempt_at <= now
                    )
                ).all()
            )
        return PassReport(tick=tick, delivery=None, waiting=waiting, step_errors=step_errors)
    delivery = sender.deliver_due(db, now)
    ids = {o.account_id for o in (*delivery.sent, *delivery.retrying, *delivery.failed)}
    teams: dict[int, str] = {}
    if ids:
        with db.transaction() as s:
            rows = s.execute(
                select(models.Account.id, models.Account.slack_team_id).where(models.Account.id.in_(ids))
            ).all()
            teams = {account_id: team for account_id, team in rows}
    return PassReport(tick=tick, delivery=delivery, teams=teams, step_errors=step_errors)


def worker_database(db: Database, threads: int) -> Database:
    """A Database whose connection pool lets `threads` deliveries hold a row lock each (PostgreSQL).

    SQLite does not hold connections while posting, so the given database is used as it is.
    """
    if db.engine.dialect.name == "sqlite":
        return db
    url = db.engine.url.render_as_string(hide_password=False)
    return Database(make_engine(url, pool_size=threads + 2, max_overflow=2))


def _step_name(step: Step) -> str:
    func = step.func if isinstance(step, partial) else step
    return str(getattr(func, "__qualname__", func))


def passes(db: Database, sender: Sender, notices: Notices, hooks: Hooks) -> Callable[[datetime], PassReport]:
    """One worker pass at `now` with the installed features' hooks, ticking on as many threads as `sender`
    sends with (what `licensebot worker` and the worker inside `licensebot serve` each run)."""

    def run_pass(now: datetime) -> PassReport:
        start = time.monotonic()
        try:
            report = run_once(
                db,
                sender,
                now,
                notices=notices,
                before_renewal=hooks.before_renewal,
                each_pass=hooks.each_pass,
                tick_threads=sender.threads,
            )
        except BaseException:
            metrics.observe_pass(time.monotonic() - start, ok=False)
            raise
        metrics.observe_pass(time.monotonic() - start, ok=not report.failed)
        return report

    return run_pass


def run_loop(
    run: Callable[[datetime], Any],
    *,
    interval: float = DEFAULT_INTERVAL,
    stop: threading.Event,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Call `run(now)` every `interval` seconds until `stop` is set; a failing pass is logged, not fatal."""
    while not stop.is_set():
        try:
            run(clock())
        except Exception as exc:
            log_failure(log, exc, "background pass failed; trying again in %.0f s", interval)
        stop.wait(interval)


STALE_PASSES = 3
"""The embedded worker counts as stuck when no pass ended for this many intervals (at least STALE_MIN s)."""
STALE_MIN = 300.0


@dataclass
class Background:
    """The background handler running in a daemon thread (what `licensebot serve` starts)."""

    thread: threading.Thread
    stop_event: threading.Event
    interval: float = DEFAULT_INTERVAL
    started: float = field(default_factory=time.monotonic)
    last_pass: float | None = None
    """time.monotonic() when the last pass ended (None before the first)."""

    def stop(self, timeout: float | None = 30.0) -> None:
        self.stop_event.set()
        self.thread.join(timeout)

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def problem(self, now: float | None = None) -> str | None:
        """None while the worker is alive and a pass ended recently, else why not (readiness, /health/ready)."""
        if not self.running:
            return "stopped"
        now = time.monotonic() if now is None else now
        since = self.last_pass if self.last_pass is not None else self.started
        limit = max(STALE_PASSES * self.interval, STALE_MIN)
        if now - since > limit:
            what = "no pass ended" if self.last_pass is not None else "the first pass has not ended"
            return f"{what} in {now - since:.0f} s (more than {limit:.0f} s)"
        return None


def start(
    db: Database,
    clock: Callable[[], datetime],
    *,
    sender: Sender,
    notices: Notices,
    hooks: Hooks | None = None,
    interval: float = DEFAULT_INTERVAL,
) -> Background:
    """The worker's one entry: a pass every `interval` seconds in a daemon thread until `.stop()`, given its
    database, clock, sender (the outbox to Slack), the wording of its messages and the features' hooks."""
    stop = threading.Event()
    run_pass = passes(db, sender, notices, hooks or Hooks())

    def run(now: datetime) -> None:
        try:
            report = run_pass(now)
        finally:
            background.last_pass = time.monotonic()
        for account in report.tick.failures:
            log.error("account %s: %s", account.team, account.error)

    thread = threading.Thread(
        target=run_loop,
        kwargs={"run": run, "interval": interval, "stop": stop, "clock": clock},
        name="licensebot-worker",
        daemon=True,
    )
    background = Background(thread=thread, stop_event=stop, interval=interval)
    thread.start()
    return background
