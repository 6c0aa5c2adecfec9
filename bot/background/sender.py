"""Delivering the outbox to Slack: exactly once per row, concurrently, paced per channel.

Claims. On PostgreSQL a delivery is claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, posted, and
marked sent (or scheduled for a retry) in the same transaction that holds the row lock, so several
workers never post the same row. On SQLite (one worker) the claim is a short `BEGIN IMMEDIATE`
transaction that moves `next_attempt_at` a lease ahead; the outcome is recorded in a second one.

The one window for a duplicate: Slack accepted the post but the process died (or the database was
lost) before the outcome was committed; the row is then posted again on a later tick. It is kept as
small as possible: the outcome is committed right after each post (never batched), and nothing
else happens between the Slack call and the commit.

Failures. 429 is retried inside the call after `Retry-After` (slack_sdk's RateLimitErrorRetryHandler
on the WebClient). Anything else (HTTP 5xx, connection errors, `ok: false`) is retried on later
ticks with exponential backoff; after MAX_ATTEMPTS the row is marked failed, logged, audited and
shown by `licensebot status`. A failing target never holds up the others.

Throughput. Targets (a channel, or a user for a DM) are delivered by a bounded thread pool, one task
per target; a Pacer keeps at least `min_interval` seconds between two posts into one channel.
"""

from __future__ import annotations

import http.client
import logging
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.background import WORKER
from bot.usecases import audit
from store import models
from store.db import Database
from store.models import DeliveryStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)
"""Retry n waits BACKOFF x 2^(n-1): 1, 2, 4, 8 minutes."""
LEASE = timedelta(minutes=10)
"""SQLite only: how long a claimed row is hidden from other claims while it is being posted."""
RATE_LIMIT_RETRIES = 3
DEFAULT_THREADS = 16
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str | None


class DeliveryError(Exception):
    """Posting failed; the message is one line (it is stored in `last_error`)."""


class Poster(Protocol):
    def post(self, target: str, message: dict[str, Any]) -> Posted: ...


def make_client(token: str, base_url: str | None = None, *, timeout: int = 15) -> WebClient:
    """A WebClient that waits out 429s (Retry-After) and leaves other retries to later ticks."""
    url = base_url or "https://slack.com/api/"
    return WebClient(
        token=token,
        base_url=url if url.endswith("/") else url + "/",
        timeout=timeout,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


class SlackPoster:
    """Posts a message to a channel id, or to a user id as a DM (conversations.open, then chat.postMessage)."""

    def __init__(self, client_factory: Callable[[], WebClient]) -> None:
        self._factory = client_factory
        self._local = threading.local()
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    def _client(self) -> WebClient:
        client: WebClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
        return client

    def _dm_channel(self, user: str) -> str:
        with self._lock:
            known = self._dms.get(user)
        if known:
            return known
        response = _call("conversations.open", lambda: self._client().conversations_open(users=user))
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dms[user] = channel
        return channel

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        channel = self._dm_channel(target) if USER_ID.match(target) else target
        response = _call(
            "chat.postMessage",
            lambda: self._client().chat_postMessage(
                channel=channel,
                text=message.get("text", ""),
                blocks=message.get("blocks"),
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return Posted(channel=str(response.get("channel") or channel), ts=response.get("ts"))


def _call(method: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except SlackApiError as exc:
        status = exc.response.status_code
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        raise DeliveryError(f"{method}: HTTP {status} {error or 'error'}") from exc
    except (OSError, SlackClientError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{method}: {type(exc).__name__}: {exc}") from exc


class Pacer:
    """At most one post per `interval` seconds into any one channel (within this process)."""

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> float:
        """Reserve the next slot of `channel` and sleep until it; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next.get(channel, now))
            self._next[channel] = at + self.interval
            if len(self._next) > 10_000:
                self._next = {c: t for c, t in self._next.items() if t > now}
        if at > now:
            self._sleep(at - now)
        return at - now


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
    """Unexpected errors (a target's remaining rows are retried on the next tick)."""

    def add(self, outcome: Outcome) -> None:
        if outcome.error is None:
            self.sent.append(outcome)
        elif outcome.failed:
            self.failed.append(outcome)
        else:
            self.retrying.append(outcome)


def due_targets(s: Session, now: datetime, limit: int = 100_000) -> list[str]:
    return list(
        s.scalars(
            select(models.Delivery.target)
            .where(models.Delivery.status == DeliveryStatus.PENDING.value, models.Delivery.next_attempt_at <= now)
            .group_by(models.Delivery.target)
            .limit(limit)
        )
    )


def _claim(s: Session, target: str, now: datetime) -> models.Delivery | None:
    return s.scalar(
        select(models.Delivery)
        .where(
            models.Delivery.target == target,
            models.Delivery.status == DeliveryStatus.PENDING.value,
            models.Delivery.next_attempt_at <= now,
        )
        .order_by(models.Delivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


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

    def deliver_due(self, db: Database, now: datetime) -> DeliveryReport:
        """Post every pending delivery due at `now`; returns what happened."""
        with db.transaction() as s:
            targets = due_targets(s, now)
        report = DeliveryReport()
        if not targets:
            return report
        with ThreadPoolExecutor(max_workers=min(self.threads, len(targets)), thread_name_prefix="deliver") as pool:
            futures = {pool.submit(self._drain, db, target, now): target for target in targets}
            for future in as_completed(futures):
                try:
                    for outcome in future.result():
                        report.add(outcome)
                except Exception as exc:  # reported; the target's rows stay pending for the next tick
                    log.exception("delivering to %s", futures[future])
                    report.errors.append(f"{futures[future]}: {type(exc).__name__}: {exc}"[:300])
        return report

    def _drain(self, db: Database, target: str, now: datetime) -> list[Outcome]:
        """Deliver the due rows of one target, oldest first, one transaction each."""
        locking = db.engine.dialect.name == "postgresql"
        outcomes: list[Outcome] = []
        while True:
            outcome = self._one_locked(db, target, now) if locking else self._one_leased(db, target, now)
            if outcome is None:
                return outcomes
            outcomes.append(outcome)

    def _one_locked(self, db: Database, target: str, now: datetime) -> Outcome | None:
        with db.transaction() as s:
            row = _claim(s, target, now)
            if row is None:
                return None
            result = self._post(target, row.payload)
            return self._record(s, row, result, now)

    def _one_leased(self, db: Database, target: str, now: datetime) -> Outcome | None:
        with db.transaction() as s:
            row = _claim(s, target, now)
            if row is None:
                return None
            row.next_attempt_at = now + LEASE
            row_id, payload = row.id, row.payload
        result = self._post(target, payload)
        with db.transaction() as s:
            row = s.get(models.Delivery, row_id)
            if row is None or row.status != DeliveryStatus.PENDING.value:
                return None
            return self._record(s, row, result, now)

    def _post(self, target: str, payload: dict[str, Any]) -> Posted | DeliveryError:
        self.pacer.wait(target)
        try:
            return self.poster.post(target, payload)
        except DeliveryError as exc:
            return exc

    def _record(self, s: Session, row: models.Delivery, result: Posted | DeliveryError, now: datetime) -> Outcome:
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
                "delivery %s (%s to %s) failed for good after %d attempts: %s",
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
            "delivery %s (%s to %s) attempt %d failed, retrying at %s: %s",
            row.id,
            row.key,
            row.target,
            row.attempts,
            row.next_attempt_at,
            error,
        )
        return Outcome(row.id, row.account_id, row.key, row.target, error=error)
