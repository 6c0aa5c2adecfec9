"""Delivering the outbox to Slack: exactly once per row, concurrently, paced per channel.

Claims. A transaction claims the LEASE_PAGE oldest due rows by moving their `next_attempt_at` a LEASE
ahead, page after page: on PostgreSQL (several workers) with `SELECT ... FOR UPDATE SKIP LOCKED`, so
concurrent claims take different rows and a leased row is no longer due for anyone; on SQLite (one
worker) in a `BEGIN IMMEDIATE` transaction (a process that runs a pass by mistake skips them). Each
outcome is committed as soon as its post ends, those finishing together sharing one commit: a claim and
a record per page or group, not a transaction per message.

The one window for a duplicate: Slack accepted the post but the process died (or the database was
lost) before the outcome was committed (outcomes wait at most GROUP or GROUP_WAIT for their commit);
those rows are posted again on a later pass, after the LEASE.

Failures. A 429 is waited out inside the call, or the row waits its Retry-After without counting an
attempt (`Postponed`, handlers/webapi.py). Anything else (HTTP 5xx, connection errors, `ok: false`)
is retried on later passes with exponential backoff; after MAX_ATTEMPTS the row is marked failed,
logged, audited and shown by `licensebot status`. A failing target never holds up the others.

Throughput. Targets (a channel, or a user for a DM) are delivered by a bounded thread pool in waves:
each wave posts the next message of every target that has one, so no thread sleeps in the Pacer
(Slack's burst, then one post a second per channel). A DM goes to the channel stored in
`members.dm_channel` when known; otherwise conversations.open finds it and it is stored with the
outcome. A post to a stored channel that fails clears it: the retry opens the conversation again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, literal, select
from sqlalchemy.orm import Session

from bot import i18n
from bot.core.audit import WORKER, AuditAction
from bot.core.statuses import DeliveryStatus
from bot.usecases.ports import Database as Transactions
from bot.worker import fresh
from bot.worker.outcomes import DeliveryReport as DeliveryReport
from bot.worker.outcomes import Outcome as Outcome
from bot.worker.outcomes import dm_channel_change
from bot.worker.pacing import BURST, Pacer
from bot.worker.ports import DeliveryError, Posted, Poster, PosterFor, Postponed, Render
from bot.worker.rendering import Renderer
from store import models
from store.db import Database
from store.deliveries import store_dm_channels
from store.queries import audit

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)
"""Retry n waits BACKOFF x 2^(n-1): 1, 2, 4, 8 minutes."""
LEASE = timedelta(minutes=10)
"""How long a claimed row is hidden from other claims while it is being posted."""
DEFAULT_THREADS = 16
LEASE_PAGE = 500  # due messages claimed (and held in memory) at a time
GROUP, GROUP_WAIT = 16, 0.05
"""Outcomes are committed once 16 are waiting or the oldest has waited 50 ms (and at the end of each wave)."""

Result = Posted | DeliveryError


@dataclass(frozen=True)
class _Job:
    """One due message as claimed: where a DM goes, if its channel is known (`members.dm_channel`), and the
    workspace it goes to."""

    row_id: int
    payload: dict[str, Any]
    dm_channel: str | None
    team: str = ""
    language: str = i18n.DEFAULT
    """The recipient's language now (bot/i18n `choose`): the queued message's variant in it is sent."""


PENDING = literal(DeliveryStatus.PENDING.value, literal_execute=True)
"""`status = 'pending'` written into the SQL, not bound: only then can SQLite (and PostgreSQL with a generic
plan) use the partial index ix_deliveries_due; with a parameter an idle pass read every row ever sent."""


def _due_rows(now: datetime) -> Any:
    return select(models.Delivery).where(models.Delivery.status == PENDING, models.Delivery.next_attempt_at <= now)


def _claimable(now: datetime) -> Any:
    """Due rows with their DM channel, language and workspace, leaving out the accounts whose workspace has
    uninstalled the app (their messages wait in the outbox until it is installed again)."""
    account = models.Account
    return (
        _with_dm_channel(_due_rows(now))
        .add_columns(account.slack_team_id)
        .where(account.slack_uninstalled_at.is_(None))
    )


def _with_dm_channel(query: Any) -> Any:
    """Add the stored DM channel of a user target (NULL for a channel target or when not known yet) and what
    decides the recipient's language when it is sent: their choice and Slack locale (a user target), the
    account's language (i18n.choose: a DM in its reader's language, a channel post in the account's)."""
    member, account, person = models.Member, models.Account, models.SlackPerson
    on = and_(member.account_id == models.Delivery.account_id, member.slack_user_id == models.Delivery.target)
    whose = and_(person.team_id == account.slack_team_id, person.user_id == models.Delivery.target)
    return (
        query.add_columns(member.dm_channel, person.language, person.slack_locale, account.language)
        .outerjoin(member, on)
        .join(account, account.id == models.Delivery.account_id)
        .outerjoin(person, whose)
    )


def _channel(target: str, team: str) -> str:
    """What the Pacer paces: a channel (or user) within its workspace."""
    return f"{team}:{target}" if team else target


class Sender:
    def __init__(
        self,
        poster: Poster | None = None,
        *,
        posters: PosterFor | None = None,
        threads: int = DEFAULT_THREADS,
        pacer: Pacer | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        clock: Callable[[], float] = time.monotonic,
        render: Render | None = None,
    ) -> None:
        """One `poster` (one workspace, SLACK_BOT_TOKEN) or `posters` (a Poster per workspace, OAuth mode);
        `render` puts a queued notice in words (bot/core/notice.py; without it a notice fails to send)."""
        if threads < 1:
            raise ValueError("threads must be >= 1")
        if (poster is None) == (posters is None):
            raise ValueError("give a poster or posters")
        self.poster = poster
        self.posters = posters
        self.renderer = Renderer(render)
        self._clock = clock
        self._waiting: dict[str, float] = {}
        """Workspace -> until when (clock) it is not posted to (Retry-After, not installed)."""
        self._waiting_lock = threading.Lock()
        self.threads = threads
        self.pacer = pacer or Pacer(burst=BURST)
        self.max_attempts = max_attempts
        self._writer = threading.Lock()
        """One of our threads writes at a time: SQLite has one writer (our threads queue here rather than in its
        sleeping busy handler), and on both the outcomes that finish meanwhile share the next commit."""

    def deliver_due(self, db: Database, now: datetime) -> DeliveryReport:
        """Post every pending delivery due at `now`; returns what happened.

        At most LEASE_PAGE messages are held (claimed, in memory) at a time, oldest first; once a quarter of them
        are posted, as many more are claimed, so a target's paced posts (the Pacer: Slack's burst, then one a second)
        wait while other targets' posts go on: a wave posts the next message of every target whose channel has a
        free slot, and sleeps only when none has."""
        report = DeliveryReport()
        commits = _GroupCommit(self, db, now, report)
        work: dict[str, deque[_Job]] = {}
        more = True
        while True:
            held = sum(map(len, work.values()))
            if more and held <= LEASE_PAGE - LEASE_PAGE // 4:
                leased = self._lease(db, now, LEASE_PAGE - held)
                more = sum(map(len, leased.values())) == LEASE_PAGE - held  # fewer: nothing more is due now
                for target, jobs in leased.items():
                    work.setdefault(target, deque()).extend(jobs)
            if not work:
                return report
            waits = {target: self.pacer.delay(_channel(target, jobs[0].team)) for target, jobs in work.items()}
            ready = [target for target, wait in waits.items() if wait <= 0]
            if not ready:
                self.pacer.sleep(min(waits.values()))
                continue
            done = self._run(ready, lambda target: commits.post(target, work[target].popleft()), report)
            commits.drain()
            for target in ready:
                if not work[target] or target not in done:
                    del work[target]  # done, or its task failed: the rest stays leased for a later pass

    def deliver_now(
        self, db: Transactions, key: str, now: datetime, jobs: Sequence[fresh.Queued] | None = None
    ) -> DeliveryReport:
        """Send at once the messages queued under `key` (a change's announcements, right after its commit;
        bot.worker.outbox.announce keeps the worker's passes off them for a minute), then record the outcomes
        in one transaction. What fails is retried by the worker; a process that dies before its record leaves
        them to the worker after that minute. `jobs`: those messages as the change's own transaction read
        them (fresh.queued_in), else read here."""
        report = DeliveryReport()
        jobs = fresh.queued(db, key) if jobs is None else jobs
        results = [(q, self._post(q.target, q.payload, q.dm_channel, language=q.language)) for q in jobs]
        if not fresh.record_sent(db, key, now, results, report):  # some failed: retries and backoff as a pass
            pairs = [(_Job(q.row_id, q.payload, q.dm_channel, language=q.language), r) for q, r in results]
            _GroupCommit(self, db, now, report).record(pairs)
        return report

    def _run(
        self, targets: Sequence[str], task: Callable[[str], bool | None], report: DeliveryReport
    ) -> dict[str, bool | None]:
        """Run `task(target)` for every target on the pool, at most 4 per thread in flight (memory stays bounded
        at any number of targets); returns what each returned (failed targets left out)."""
        results: dict[str, bool | None] = {}
        futures: dict[Future[bool | None], str] = {}

        def collect(done: Iterable[Future[bool | None]]) -> None:
            for future in done:
                target = futures.pop(future)
                try:
                    results[target] = future.result()
                except Exception as exc:  # reported; the rows concerned stay pending for a later pass
                    log.exception("delivering to %s", target)
                    report.error(f"{target}: {type(exc).__name__}: {exc}")

        with ThreadPoolExecutor(
            max_workers=max(1, min(self.threads, len(targets))), thread_name_prefix="deliver"
        ) as pool:
            for target in targets:
                if len(futures) >= 4 * self.threads:
                    collect(wait(futures, return_when=FIRST_COMPLETED).done)
                futures[pool.submit(task, target)] = target
            collect(as_completed(list(futures)))
        return results

    # --- a claim per page, then outcomes committed as they come -------------------------------------

    def _lease(self, db: Database, now: datetime, limit: int) -> dict[str, list[_Job]]:
        """Claim the `limit` oldest due messages (their next attempt moves a LEASE ahead), by target; on
        PostgreSQL rows another worker is claiming are skipped (`FOR UPDATE SKIP LOCKED`), then leased."""
        work: dict[str, list[_Job]] = {}
        due = models.Delivery.next_attempt_at
        with self._writer, db.transaction() as s:
            # ORDER BY the partial index's column first: ORDER BY id alone walks the primary key (every row ever sent).
            claimed: list[tuple[models.Delivery, str | None, str, str]] = [
                (r, c, t, i18n.choose(choice, locale, lang))
                for r, c, choice, locale, lang, t in s.execute(
                    _claimable(now)
                    .order_by(due, models.Delivery.id)
                    .limit(limit)
                    .with_for_update(of=models.Delivery, skip_locked=True)
                )
            ]
            for row, dm_channel, team, language in sorted(claimed, key=lambda rc: rc[0].id):
                row.next_attempt_at = now + LEASE
                work.setdefault(row.target, []).append(_Job(row.id, row.payload, dm_channel, team, language))
        return work

    # --- both ---------------------------------------------------------------------------------------

    def _post(
        self, target: str, payload: dict[str, Any], dm_channel: str | None, team: str = "", language: str | None = None
    ) -> Result:
        with self._waiting_lock:
            until = self._waiting.get(team)
        if until is not None and until > self._clock():
            return Postponed(f"workspace {team} is waiting (rate limited or not installed)", wait=until - self._clock())
        try:  # in its reader's language now
            message = self.renderer.message(payload, language)
        except Exception as exc:
            return DeliveryError(f"cannot render the message: {type(exc).__name__}: {exc}"[:300])
        self.pacer.wait(_channel(target, team))
        try:
            poster = self.posters(team) if self.posters is not None else self.poster
            assert poster is not None
            return poster.post(dm_channel or target, message)
        except Postponed as exc:
            if exc.workspace:
                with self._waiting_lock:
                    self._waiting[team] = max(self._waiting.get(team, 0.0), self._clock() + exc.wait)
            return exc
        except DeliveryError as exc:
            return exc

    def _record(
        self,
        s: Session,
        row: models.Delivery,
        result: Result,
        now: datetime,
        dm_channel: str | None = None,
        dm_changes: list[dict[str, Any]] | None = None,
    ) -> Outcome:
        """Record the outcome on the row; the DM channel to store goes to `dm_changes` (else stored at once)."""
        if isinstance(result, Postponed):  # not an attempt: it waits, and is retried when the wait is over
            row.next_attempt_at = now + timedelta(seconds=math.ceil(result.wait))
            row.last_error = str(result)[:300]
            log.info("message %s (%s to %s) waits %.0f s: %s", row.id, row.key, row.target, result.wait, result)
            return Outcome(row.id, row.account_id, row.key, row.target, error=row.last_error)
        row.attempts += 1
        change = dm_channel_change(row.account_id, row.target, result, dm_channel)
        if change is not None and dm_changes is not None:
            dm_changes.append(change)
        elif change is not None:
            store_dm_channels(s, [change])
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
                AuditAction.MESSAGE_FAILED,
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
    """Outcomes are committed in groups: once GROUP are waiting or the oldest has waited GROUP_WAIT, whoever
    gets the writer lock commits every outcome waiting by then (and `drain` the rest after each wave)."""

    def __init__(self, sender: Sender, db: Transactions, now: datetime, report: DeliveryReport) -> None:
        self.sender, self.db, self.now, self.report = sender, db, now, report
        self._waiting: list[tuple[_Job, Result]] = []
        self._since: float | None = None
        self._lock = threading.Lock()

    def post(self, target: str, job: _Job) -> bool:
        result = self.sender._post(target, job.payload, job.dm_channel, job.team, job.language)
        with self._lock:
            self._waiting.append((job, result))
            self._since = self._since if self._since is not None else time.monotonic()
            ready = len(self._waiting) >= GROUP or time.monotonic() - self._since >= GROUP_WAIT
        if ready:
            self.flush()
        return True

    def drain(self) -> None:
        """Commit what is still waiting (the end of a wave); a failure is reported, the rows stay leased."""
        try:
            self.flush()
        except Exception as exc:
            log.exception("recording delivery outcomes")
            self.report.error(f"recording outcomes: {type(exc).__name__}: {exc}")

    def record(self, outcomes: list[tuple[_Job, Result]]) -> None:
        with self._lock:
            self._waiting.extend(outcomes)
        self.flush()

    def flush(self) -> None:
        with self.sender._writer:
            with self._lock:
                batch, self._waiting, self._since = self._waiting, [], None
            if not batch:
                return  # another thread committed ours with its own
            with self.db.transaction() as s:
                ids = [job.row_id for job, _ in batch]
                rows = {r.id: r for r in s.scalars(select(models.Delivery).where(models.Delivery.id.in_(ids)))}
                changes: list[dict[str, Any]] = []
                outcomes = [
                    self.sender._record(s, rows[job.row_id], result, self.now, job.dm_channel, changes)
                    for job, result in batch
                    if job.row_id in rows and rows[job.row_id].status == DeliveryStatus.PENDING.value
                ]
                store_dm_channels(s, changes)
            for outcome in outcomes:
                self.report.add(outcome)
