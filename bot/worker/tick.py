"""The tick use case: look at every account that is due, a batch of accounts per transaction.

An account is due when `accounts.next_tick_at <= now` (indexed; accounts with nothing due are never
read). Due accounts are claimed in batches (bot/worker/tick_batch.py: BATCH per transaction, SQLITE_BATCH on
SQLite), each transaction holding their row locks (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent
workers take different accounts; the write lock on SQLite); an account with a renewal due, add-on lines or a
decision that fails takes its own transaction here. For each:

1. process every renewal whose local day is over (bot/worker/renewal.py) and queue its summary;
2. queue the latest due reminder and the unused-seats note (bot/core/schedule.py says which);
3. store the next wakeup in `next_tick_at`.

Messages are queued in the outbox in that same transaction, under unique keys, so a re-run, a
second worker or a crash never queues a message twice; bot/worker/sender.py delivers them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.core import schedule
from bot.core.audit import WORKER, AuditAction, MessageKind
from bot.core.notice import AllSet, Reminder, UnusedSeats, encode
from bot.core.page import LicensePage
from bot.core.results import Deactivated, RenewalOutcome
from bot.worker.line_reminders import queue_line_reminders
from bot.worker.outbox import queue, recipients
from bot.worker.ports import Message, Notices, log_failure
from bot.worker.renewal import deactivate_in_chunks, process_renewal
from bot.worker.tick_batch import BATCH, SQLITE_BATCH, Decided, escalation_asked, reminder_note, tick_batch
from bot.worker.tick_batch import state_of as batch_state
from bot.worker.tick_reads import escalations, read_batch
from store import models
from store.db import Database
from store.queries import audit, page_of

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

    def handle_batch(ids: list[int]) -> list[AccountReport]:
        if dry_run:  # a dry run rolls each account back on its own (the CLI's `tick --dry-run`)
            return [a for a in map(handle, ids) if a is not None]
        try:
            with db.transaction() as s:
                batch = tick_batch(s, ids, now, notices)
                done = [_batch_report(d) for d in batch.done]
        except Exception as exc:  # every account of the batch takes the per-account path: none is lost
            log.warning("a batch of %d accounts failed (%s: %s): one at a time", len(ids), type(exc).__name__, exc)
            return [a for a in map(handle, ids) if a is not None]
        return done + [a for a in map(handle, batch.slow) if a is not None]

    seen: set[int] = set()
    try:
        # Rounds until no account is newly due: one woken during the pass is handled in the next round;
        # one still due after its turn (a dry run, another worker's lock) is not taken twice.
        while True:
            ids = [i for i in due_account_ids(db, now) if i not in seen]
            if not ids:
                return report
            seen.update(ids)
            size = BATCH if db.engine.dialect.name == "postgresql" else SQLITE_BATCH
            batches = [ids[i : i + size] for i in range(0, len(ids), size)]
            for reports in pool.map(handle_batch, batches) if pool is not None else map(handle_batch, batches):
                report.accounts.extend(reports)
    finally:
        if pool is not None:
            pool.shutdown()


def _batch_report(d: Decided) -> AccountReport:
    return AccountReport(team=d.account.slack_team_id, name=d.account.name, queued=d.queued)


def _handle(
    db: Database, account_id: int, now: datetime, *, notices: Notices, before_renewal: BeforeRenewal, dry_run: bool
) -> AccountReport | None:
    synced = before_renewal is no_sync or dry_run
    chunked = dry_run  # a dry run processes everything in its one transaction (rolled back)
    earlier: list[Deactivated] = []
    for _ in range(3):
        try:
            with db.transaction() as s:
                account = _claim(s, account_id, now)
                if account is None:
                    return None  # another worker has it, or did it already
                report = AccountReport(team=account.slack_team_id, name=account.name)
                due = schedule.due_at(state_of(s, account), now)
                renewal = due.renewal
                if renewal is not None and not (synced and chunked):
                    team = account.slack_team_id
                    # Release the row (nothing changed): sync outside any transaction (the sync takes its
                    # own locks and may be slow), then deactivate chunk by chunk (bot/worker/renewal.py).
                else:
                    _process(s, account, due, now, report, notices, earlier)
                    if dry_run:
                        raise _DryRun
                    return report
        except _DryRun:
            return report
        except Exception as exc:  # one account's failure never blocks the others
            return _failed(db, account_id, now, exc, dry_run=dry_run)
        if not synced:
            try:
                before_renewal(db, team, now)
            except Exception as exc:
                return _failed(db, account_id, now, exc, dry_run=dry_run, during="syncing before the renewal")
            synced = True
            continue  # the sync may have changed what is due: look again
        try:
            assert renewal is not None
            earlier = deactivate_in_chunks(db, account_id, renewal, now)
        except Exception as exc:
            return _failed(db, account_id, now, exc, dry_run=dry_run)
        chunked = True
    return None  # not reached: the third round always processes


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
    """The account's schedule state: the batch's reads (bot/worker/tick_reads.py) for one account."""
    reads = read_batch(s, [account])
    state = batch_state(account, reads)
    ask = escalation_asked(account, state)
    if ask is not None and account.id in escalations(s, {account.id: ask}):
        state = replace(state, escalation=True)
    return state


def _process(
    s: Session,
    account: models.Account,
    due: schedule.Due,
    now: datetime,
    report: AccountReport,
    notices: Notices,
    earlier: Sequence[Deactivated] = (),
) -> None:
    """Act on `due` (what is due for `account` at `now`) in the caller's transaction; `earlier`: who the
    chunks before it deactivated for the first due renewal."""
    for _ in range(MAX_RENEWALS_PER_ACCOUNT):
        if due.renewal is None:
            break
        outcome = process_renewal(s, account, due.renewal, now, earlier)
        earlier = ()
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
    if due.reminders or due.unused_note:
        page = page_of(s, account, now)
        if due.reminders:
            _queue_reminders(s, account, due.reminders, page, now, report, notices)
        if due.unused_note:
            message = encode(UnusedSeats(page))
            report.queued[due.unused_note.key] = queue(
                s,
                account_id=account.id,
                key=due.unused_note.key,
                kind=MessageKind.UNUSED,
                targets=recipients(s, account),
                message=message,
                now=now,
            )
    line_wakeup = queue_line_reminders(s, account, now, report.queued, notices)
    for key, added in report.queued.items():
        if added:
            audit(s, account.id, WORKER, AuditAction.MESSAGE_QUEUED, now, key=key, recipients=added)
    account.next_tick_at = min(due.next_wakeup, line_wakeup) if line_wakeup else due.next_wakeup


def _queue_reminders(
    s: Session,
    account: models.Account,
    due: tuple[schedule.ReminderDue, ...],
    page: LicensePage,
    now: datetime,
    report: AccountReport,
    notices: Notices,
) -> None:
    """Queue each recipient's reminder (or "all set"), worded for them; one message per wording."""
    admins = tuple(t for t in recipients(s, account) if t != account.admin_channel)  # every admin, mentioned
    built: dict[tuple[object, ...], Message] = {}
    escalated = 0
    for r in due:
        note = reminder_note(r, now, account_tz=account.timezone, today=page.today, admins=admins)
        wording = (r.all_set, note)
        if wording not in built:
            built[wording] = encode(AllSet(page) if r.all_set else Reminder(page, r.days_before, note))
        added = queue(
            s,
            account_id=account.id,
            key=r.key,
            kind=MessageKind.REMINDER,
            targets=[r.target],
            message=built[wording],
            now=now,
        )
        if added or r.member_id is None:  # a DM queued before is no news; the channel's says it was queued
            report.queued[r.key] = report.queued.get(r.key, 0) + added
        escalated += added if r.escalated else 0
    if escalated:
        key = schedule.reminder_key(due[0].renewal, schedule.ESCALATE_DAYS)
        audit(s, account.id, WORKER, AuditAction.REMINDER_ESCALATED, now, key=key, recipients=escalated)


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
