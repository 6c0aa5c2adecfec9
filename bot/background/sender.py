"""Delivering the outbox to Slack: exactly once per row, concurrently, paced per channel.

Claims.
- PostgreSQL (several workers): a row is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, posted,
  and marked sent (or scheduled for a retry) in the same transaction that holds the row lock, one
  transaction per message. Another worker skips locked rows; a committed row is no longer pending.
- SQLite (one worker): one `BEGIN IMMEDIATE` transaction claims every due row by moving its
  `next_attempt_at` a LEASE ahead (another process that runs a pass by mistake skips them); after
  each post the outcome is committed at once; when several posts finish together their outcomes
  share one commit (group commit), since SQLite has one writer at a time.

The one window for a duplicate: Slack accepted the post but the process died (or the database was
lost) before the outcome was committed; the row is then posted again on a later pass (at once on
PostgreSQL, after the LEASE on SQLite). It is kept small: nothing but the commit happens between
the Slack call and the commit, and outcomes are never held back.

Failures. 429 is waited out inside the call (bot/background/slack.py). Anything else (HTTP 5xx,
connection errors, `ok: false`) is retried on later passes with exponential backoff; after
MAX_ATTEMPTS the row is marked failed, logged, audited and shown by `licensebot status`. A failing
target never holds up the others.

Throughput. Targets (a channel, or a user for a DM) are delivered by a bounded thread pool, one task
per target; a Pacer keeps at least a second between two posts into one channel.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from bot.background import WORKER
from bot.background.slack import DeliveryError, Pacer, Posted, Poster, SlackPoster, make_client
from bot.usecases import audit
from store import models
from store.db import Database
from store.models import DeliveryStatus

__all__ = ["DeliveryError", "Pacer", "Posted", "Poster", "Sender", "SlackPoster", "make_client"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)
"""Retry n waits BACKOFF x 2^(n-1): 1, 2, 4, 8 minutes."""
LEASE = timedelta(minutes=10)
"""SQLite only: how long a claimed row is hidden from other claims while it is being posted."""
DEFAULT_THREADS = 16

Result = Posted | DeliveryError


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    account_id: int
    key: str
    target: str
    error: str | None = None
    failed: bool = False
    """Failed for good (MAX_ATTEMPTS reached)."""


@dataclass
class DeliveryReport:
    sent: list[Outcome] = field(default_factory=list)
    retrying: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Unexpected errors (the rows concerned stay pending and are retried on a later pass)."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            if outcome.error is None:
                self.sent.append(outcome)
            elif outcome.failed:
                self.failed.append(outcome)
            else:
                self.retrying.append(outcome)

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text[:300])


PENDING = literal(DeliveryStatus.PENDING.value, literal_execute=True)
"""`status = 'pending'` written into the SQL, not bound: only then can SQLite (and PostgreSQL with a generic
plan) use the partial index ix_deliveries_due; with a parameter an idle pass read every row ever sent."""


def _due_rows(now: datetime) -> Any:
    return select(models.Delivery).where(models.Delivery.status == PENDING, models.Delivery.next_attempt_at <= now)


def due_targets(s: Session, now: datetime) -> list[str]:
    """Targets with at least one pending message due at `now`."""
    return list(s.scalars(_due_rows(now).with_only_columns(models.Delivery.target).group_by(models.Delivery.target)))


class Sender:
    def __init__(
        self,
        poster: Poster,
        *,
        threads: int = DEFAULT_THREADS,
        pacer: Pacer | None = None,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.poster = poster
        self.threads = threads
        self.pacer = pacer or Pacer()
        self.max_attempts = max_attempts
        self._sqlite_writer = threading.Lock()
        """SQLite has one writer: our threads queue here rather than in SQLite's sleeping busy handler."""

    def deliver_due(self, db: Database, now: datetime) -> DeliveryReport:
        """Post every pending delivery due at `now`; returns what happened."""
        report = DeliveryReport()
        if db.engine.dialect.name == "postgresql":
            with db.transaction() as s:
                targets = due_targets(s, now)
            self._run(targets, lambda target: self._drain_locked(db, target, now, report), report)
        else:
            work = self._lease(db, now)
            commits = _GroupCommit(self, db, now, report)
            self._run(list(work), lambda target: commits.post_all(target, work[target]), report)
        return report

    def _run(self, targets: Sequence[str], task: Callable[[str], None], report: DeliveryReport) -> None:
        if not targets:
            return
        with ThreadPoolExecutor(max_workers=min(self.threads, len(targets)), thread_name_prefix="deliver") as pool:
            futures = {pool.submit(task, target): target for target in targets}
            for future in as_completed(futures):
                try:
                    future.result()
                except Exception as exc:  # reported; the rows concerned stay pending for a later pass
                    log.exception("delivering to %s", futures[future])
                    report.error(f"{futures[future]}: {type(exc).__name__}: {exc}")

    # --- PostgreSQL: the row lock is held from the claim to the recorded outcome --------------------

    def _drain_locked(self, db: Database, target: str, now: datetime, report: DeliveryReport) -> None:
        while True:
            with db.transaction() as s:
                row = s.scalar(
                    _due_rows(now)
                    .where(models.Delivery.target == target)
                    .order_by(models.Delivery.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if row is None:
                    return
                report.add(self._record(s, row, self._post(target, row.payload), now))

    # --- SQLite: one claim for the pass, then outcomes committed as they come -----------------------

    def _lease(self, db: Database, now: datetime) -> dict[str, list[tuple[int, dict[str, Any]]]]:
        work: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        with self._sqlite_writer, db.transaction() as s:
            # Sorted here: with ORDER BY id SQLite walks the primary key (every row ever sent), not the index.
            for row in sorted(s.scalars(_due_rows(now)), key=lambda r: r.id):
                row.next_attempt_at = now + LEASE
                work.setdefault(row.target, []).append((row.id, row.payload))
        return work

    # --- both ---------------------------------------------------------------------------------------

    def _post(self, target: str, payload: dict[str, Any]) -> Result:
        self.pacer.wait(target)
        try:
            return self.poster.post(target, payload)
        except DeliveryError as exc:
            return exc

    def _record(self, s: Session, row: models.Delivery, result: Result, now: datetime) -> Outcome:
        row.attempts += 1
        if isinstance(result, Posted):
            row.status = DeliveryStatus.SENT.value
            row.sent_at = now
            row.channel = result.channel
            row.message_ts = result.ts
            row.last_error = None
            return Outcome(row.id, row.account_id, row.key, row.target)
        error = str(result)[:300]
        row.last_error = error
        if row.attempts >= self.max_attempts:
            row.status = DeliveryStatus.FAILED.value
            log.error(
                "message %s (%s to %s) failed for good after %d attempts: %s",
                row.id,
                row.key,
                row.target,
                row.attempts,
                error,
            )
            audit(
                s,
                row.account_id,
                WORKER,
                "message.failed",
                now,
                key=row.key,
                target=row.target,
                attempts=row.attempts,
                error=error,
            )
            return Outcome(row.id, row.account_id, row.key, row.target, error=error, failed=True)
        row.next_attempt_at = now + BACKOFF * 2 ** (row.attempts - 1)
        log.warning(
            "message %s (%s to %s) attempt %d failed, retrying at %s: %s",
            row.id,
            row.key,
            row.target,
            row.attempts,
            row.next_attempt_at,
            error,
        )
        return Outcome(row.id, row.account_id, row.key, row.target, error=error)


class _GroupCommit:
    """SQLite: after each post, whoever gets the writer lock commits every outcome waiting by then."""

    def __init__(self, sender: Sender, db: Database, now: datetime, report: DeliveryReport) -> None:
        self.sender, self.db, self.now, self.report = sender, db, now, report
        self._waiting: list[tuple[int, Result]] = []
        self._lock = threading.Lock()

    def post_all(self, target: str, rows: list[tuple[int, dict[str, Any]]]) -> None:
        for row_id, payload in rows:
            result = self.sender._post(target, payload)
            with self._lock:
                self._waiting.append((row_id, result))
            self.flush()

    def flush(self) -> None:
        with self.sender._sqlite_writer:
            with self._lock:
                batch, self._waiting = self._waiting, []
            if not batch:
                return  # another thread committed ours with its own
            with self.db.transaction() as s:
                ids = [row_id for row_id, _ in batch]
                rows = {r.id: r for r in s.scalars(select(models.Delivery).where(models.Delivery.id.in_(ids)))}
                outcomes = [
                    self.sender._record(s, rows[row_id], result, self.now)
                    for row_id, result in batch
                    if row_id in rows and rows[row_id].status == DeliveryStatus.PENDING.value
                ]
            for outcome in outcomes:
                self.report.add(outcome)
