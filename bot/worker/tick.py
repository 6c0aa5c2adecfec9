"""The tick use case: look at every account that is due, one transaction per account.

An account is due when `accounts.next_tick_at <= now` (indexed; accounts with nothing due are never
read). For each due account, in one transaction holding its row lock (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so concurrent workers take different accounts; the write lock on SQLite):

1. process every renewal whose local day is over (bot/worker/renewal.py) and queue its summary;
2. queue the latest due reminder and the unused-seats note (bot/core/schedule.py says which);
3. store the next wakeup in `next_tick_at`.

Messages are queued in the outbox in that same transaction, under unique keys, so a re-run, a
second worker or a crash never queues a message twice; bot/worker/sender.py delivers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.core import policy, schedule
from bot.core.audit import WORKER, AuditAction, MessageKind
from bot.core.results import RenewalOutcome
from bot.core.statuses import MemberStatus
from bot.worker.outbox import queue, recipients
from bot.worker.ports import Notices, log_failure
from bot.worker.renewal import process_renewal
from store import models
from store.db import Database
from store.queries import audit, page_of, pending_of

log = logging.getLogger(__name__)

BeforeRenewal = Callable[[Database, str, datetime], None]
"""Called with (db, team id, now) outside any transaction before a due renewal is processed, e.g. to
sync the account's users from Teamleader first. If it raises, processing waits for RETRY_AFTER."""

RETRY_AFTER = timedelta(minutes=5)
"""A failed account (or a failed `before_renewal`) is looked at again this much later."""
MAX_RENEWALS_PER_ACCOUNT = 12


def no_sync(db: Database, team: str, now: datetime) -> None:
    """The default `before_renewal`: nothing to sync."""


@dataclass
class AccountReport:
    team: str
    name: str
    renewals: list[RenewalOutcome] = field(default_factory=list)
    queued: dict[str, int] = field(default_factory=dict)
    """Occasion key -> messages added to the outbox (0: it was queued before)."""
    error: str | None = None


@dataclass
class TickReport:
    now: datetime
    dry_run: bool
    accounts: list[AccountReport] = field(default_factory=list)

    @property
    def failures(self) -> list[AccountReport]:
        return [a for a in self.accounts if a.error]


class _DryRun(Exception):
    """Raised to roll back an account's transaction in a dry run."""


def tick_accounts(
    db: Database,
    now: datetime,
    *,
    notices: Notices,
    before_renewal: BeforeRenewal = no_sync,
    dry_run: bool = False,
    threads: int = 1,
) -> TickReport:
    """Handle every due account once (see the module docstring); never stops at one account's failure.

    With `threads` > 1 on PostgreSQL, accounts are handled in parallel (each in its own transaction and
    row lock, exactly as by several workers). SQLite serializes writers, so it always uses one thread.
    """
    report = TickReport(now=now, dry_run=dry_run)
    parallel = threads > 1 and db.engine.dialect.name == "postgresql"
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tick") if parallel else None

    def handle(account_id: int) -> AccountReport | None:
        return _handle(db, account_id, now, notices=notices, before_renewal=before_renewal, dry_run=dry_run)

    seen: set[int] = set()
    try:
        # Rounds until no account is newly due: one woken during the pass is handled in the next round;
        # one still due after its turn (a dry run, another worker's lock) is not taken twice.
        while True:
            ids = [i for i in due_account_ids(db, now) if i not in seen]
            if not ids:
                return report
            seen.update(ids)
            done = pool.map(handle, ids) if pool is not None else map(handle, ids)
            report.accounts.extend(a for a in done if a is not None)
    finally:
        if pool is not None:
            pool.shutdown()


def _handle(
    db: Database, account_id: int, now: datetime, *, notices: Notices, before_renewal: BeforeRenewal, dry_run: bool
) -> AccountReport | None:
    synced = before_renewal is no_sync or dry_run
    for _ in range(2):
        try:
            with db.transaction() as s:
                account = _claim(s, account_id, now)
                if account is None:
                    return None  # another worker has it, or did it already
                report = AccountReport(team=account.slack_team_id, name=account.name)
                due = schedule.due_at(state_of(s, account), now)
                if not synced and due.renewal is not None:
                    team = account.slack_team_id
                    # Release the row (nothing changed) and sync outside any transaction: the sync
                    # takes its own locks and may be slow.
                else:
                    _process(s, account, due, now, report, notices)
                    if dry_run:
                        raise _DryRun
                    return report
        except _DryRun:
            return report
        except Exception as exc:  # one account's failure never blocks the others
            return _failed(db, account_id, now, exc, dry_run=dry_run)
        try:
            before_renewal(db, team, now)
        except Exception as exc:
            return _failed(db, account_id, now, exc, dry_run=dry_run, during="syncing before the renewal")
        synced = True
    return None  # not reached: the second round always processes


def due_account_ids(db: Database, now: datetime) -> list[int]:
    """Accounts due at `now`, earliest first: two range scans of ix_accounts_next_tick_at that read only
    the due rows (never the accounts with nothing due). NULL counts as due at once (`queries.wake`
    sets now, but a NULL left by any other code must not hide an account)."""
    account = models.Account
    with db.transaction(read_only=True) as s:
        unset = s.scalars(select(account.id).where(account.next_tick_at.is_(None))).all()
        timed = s.scalars(
            select(account.id).where(account.next_tick_at <= now).order_by(account.next_tick_at, account.id)
        ).all()
    return [*unset, *timed]


def _claim(s: Session, account_id: int, now: datetime) -> models.Account | None:
    return s.scalar(
        select(models.Account)
        .where(
            models.Account.id == account_id,
            or_(models.Account.next_tick_at <= now, models.Account.next_tick_at.is_(None)),
        )
        .with_for_update(skip_locked=True)
    )


def state_of(s: Session, account: models.Account) -> schedule.AccountState:
    pending = pending_of(s, account.id)
    active = s.scalar(
        select(func.count())
        .select_from(models.Member)
        .where(models.Member.account_id == account.id, models.Member.status == MemberStatus.ACTIVE.value)
    )
    return schedule.AccountState(
        anchor=account.renewal_anchor,
        plan=policy.Plan(account.plan),
        timezone=account.timezone,
        licensed_seats=account.licensed_seats,
        active_users=int(active or 0),
        pending=(
            schedule.PendingTerms(
                renewal=pending.renewal,
                new_seat_count=policy.seats_after(account.licensed_seats, pending.seats_removed),
            )
            if pending
            else None
        ),
        last_processed_renewal=account.last_processed_renewal,
        since=policy.local_date(account.created_at, account.timezone),
        reminder_days=schedule.parse_reminder_days(account.reminder_days),
    )


def _process(
    s: Session, account: models.Account, due: schedule.Due, now: datetime, report: AccountReport, notices: Notices
) -> None:
    """Act on `due` (what is due for `account` at `now`) in the caller's transaction."""
    for _ in range(MAX_RENEWALS_PER_ACCOUNT):
        if due.renewal is None:
            break
        outcome = process_renewal(s, account, due.renewal, now)
        report.renewals.append(outcome)
        if outcome.changed:
            key = schedule.renewal_key(outcome.renewal)
            report.queued[key] = queue(
                s,
                account_id=account.id,
                key=key,
                kind=MessageKind.RENEWAL,
                targets=recipients(s, account),
                message=notices.renewal_summary(outcome),
                now=now,
            )
        due = schedule.due_at(state_of(s, account), now)  # the next renewal, the reminders, the wakeup
    if due.reminder or due.unused_note:
        page = page_of(s, account, now)
        targets = recipients(s, account)
        if due.reminder and due.reminder.days_before is not None:
            message = notices.reminder(page, due.reminder.days_before)
            report.queued[due.reminder.key] = queue(
                s,
                account_id=account.id,
                key=due.reminder.key,
                kind=MessageKind.REMINDER,
                targets=targets,
                message=message,
                now=now,
            )
        if due.unused_note:
            message = notices.unused_seats(page)
            report.queued[due.unused_note.key] = queue(
                s,
                account_id=account.id,
                key=due.unused_note.key,
                kind=MessageKind.UNUSED,
                targets=targets,
                message=message,
                now=now,
            )
    for key, added in report.queued.items():
        if added:
            audit(s, account.id, WORKER, AuditAction.MESSAGE_QUEUED, now, key=key, recipients=added)
    account.next_tick_at = due.next_wakeup


def _failed(
    db: Database, account_id: int, now: datetime, exc: Exception, *, dry_run: bool, during: str = "ticking"
) -> AccountReport:
    error = f"{during}: {type(exc).__name__}: {exc}"[:300]
    log_failure(log, exc, "account %s: %s", account_id, error)
    team = name = str(account_id)
    try:
        with db.transaction() as s:
            account = s.get(models.Account, account_id)
            if account is not None:
                team, name = account.slack_team_id, account.name
                if not dry_run:
                    account.next_tick_at = now + RETRY_AFTER
                    audit(
                        s,
                        account_id,
                        WORKER,
                        AuditAction.WORKER_FAILED,
                        now,
                        error=error,
                        retry_at=str(now + RETRY_AFTER),
                    )
    except Exception:
        log.exception("account %s: could not record the failure", account_id)
    return AccountReport(team=team, name=name, error=error)
