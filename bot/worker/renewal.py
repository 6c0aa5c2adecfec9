"""Processing one renewal: set-based, and in chunks when it deactivates many users.

The pending request for the renewal becomes applied, the licensed seats drop, the users still over the
new count are deactivated automatically by the policy (most recently added first, admins only with
consent, one admin always remains), and `last_processed_renewal` moves on. A renewal without a
request is processed too: nothing changes but `last_processed_renewal`.

Two parts, both over "a roster and its new count" (`deactivation_step`):
- `deactivate_in_chunks` (outside the tick's transaction): when more than LAST users are to be
  deactivated, one short transaction per CHUNK of them, each holding the account's row lock (SQLite:
  the write lock) for a few statements: the roster the rule needs (a count, the admins, the CHUNK
  newest others), one UPDATE, one batched audit insert. The first marks the request applied, so
  nobody cancels it halfway. Every chunk is safe to stop after: the newest-first pick of the next one
  starts where it ended, and `store.renewals.applying_request` finds the applied request again until
  the renewal is processed.
- `process_renewal` (inside the tick's transaction, the account row locked by the caller): what is
  left (everything in a dry run or for a small renewal; nothing after chunks unless users were added
  meanwhile), the seats, `last_processed_renewal`, the audit and the outcome the summary is built
  from; its announcement is queued by the caller in the same transaction. So a crash leaves either
  whole chunks (finished by the next tick, counted once) or nothing.

`last_processed_renewal` is the guard: a renewal at or before it is never processed again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import WORKER, AuditAction
from bot.core.results import Deactivated, RenewalOutcome
from bot.core.schedule import RenewalDue
from bot.core.statuses import RequestStatus
from bot.worker.line_renewal import apply_addon_requests, apply_switch
from store import models
from store.db import Database
from store.queries import audit, roster_of
from store.renewals import applying_request, count_deactivated_since, deactivate_automatically, deactivated_since

log = logging.getLogger(__name__)

CHUNK = {"sqlite": 500, "postgresql": 10_000}
"""Users deactivated per transaction: on SQLite a chunk holds the one write lock well under 250 ms (see
bench/renewal.py: 500 halves the other accounts' longest wait against 1,000 on a busy machine, for the same
total time); PostgreSQL locks only the account's rows, so its chunks are larger."""
DEFAULT_CHUNK = 1_000
LAST = 100
"""A renewal that deactivates at most this many does it all in its own transaction (no chunks); a larger one
leaves the renewal's own transaction nothing to deactivate (its last chunk takes the rest)."""
PAUSE = 0.01
"""SQLite: seconds the worker leaves the write lock free between two chunks (a lock has no queue: without a
pause the worker would take it again before a waiting request's thread wakes up)."""


class AlreadyProcessed(RuntimeError):
    """The renewal is at or before `last_processed_renewal` (a bug in the caller: it must not happen)."""


def chunk_size(db: Database) -> int:
    return CHUNK.get(db.engine.dialect.name, DEFAULT_CHUNK)


def deactivation_step(
    s: Session, account_id: int, new_count: int, due: RenewalDue, now: datetime
) -> tuple[int, policy.Deactivation]:
    """Deactivate the users the rules choose when the active users of `account_id` (a roster) must fit
    `new_count`: reads the roster the rule needs, never every member; one UPDATE and one audit insert.
    Returns how many were active before and the rule's answer."""
    roster = roster_of(s, account_id, new_count)
    plan = policy.automatic_deactivations(roster, new_count)
    deactivate_automatically(s, account_id, plan.chosen, due.renewal, now)
    return roster.active, plan


def deactivate_in_chunks(db: Database, account_id: int, due: RenewalDue, now: datetime) -> list[Deactivated]:
    """The renewal's automatic deactivations while more than a chunk is left, one transaction per chunk;
    the last chunk is left to `process_renewal`. Returns who this call deactivated, in order."""
    chunk, done = chunk_size(db), list[Deactivated]()
    while True:
        with db.transaction() as s:
            account = s.scalar(select(models.Account).where(models.Account.id == account_id).with_for_update())
            if account is None or _processed(account, due):
                return done
            request = applying_request(s, account, due.renewal)
            if request is None:
                return done
            new_count = policy.seats_after(account.licensed_seats, request.seats_removed)
            plan = policy.automatic_deactivations(roster_of(s, account.id, new_count, chunk), new_count, preview=chunk)
            if plan.total <= LAST:
                return done  # a few left: they go with the renewal's own transaction
            if request.status == RequestStatus.PENDING.value:
                request.status = RequestStatus.APPLIED.value
                request.applied_at = now
                request.updated_at = now
            deactivate_automatically(s, account.id, plan.chosen, due.renewal, now)
        done.extend(_deactivated(plan.chosen))  # after the commit: outside the lock
        if PAUSE and db.engine.dialect.name == "sqlite":
            time.sleep(PAUSE)  # the write lock is free: a request waiting for it takes it now


def _deactivated(members: Sequence[policy.Member]) -> list[Deactivated]:
    return [Deactivated(member_id=m.id, name=m.name, is_admin=m.is_admin) for m in members]


def _processed(account: models.Account, due: RenewalDue) -> bool:
    return account.last_processed_renewal is not None and due.renewal <= account.last_processed_renewal


def process_renewal(
    s: Session, account: models.Account, due: RenewalDue, now: datetime, earlier: Sequence[Deactivated] = ()
) -> RenewalOutcome:
    """Process renewal `due.renewal` of the (locked) `account` in session `s` (see the module docstring);
    `earlier`: who `deactivate_in_chunks` deactivated for it (read again when they are not all of them: a
    crashed run's chunks, or another worker's)."""
    if _processed(account, due):
        raise AlreadyProcessed(f"renewal {due.renewal} of {account.slack_team_id} is processed already")
    request = applying_request(s, account, due.renewal)
    seats_before = seats_after = account.licensed_seats
    chosen: list[Deactivated] = []
    unresolved = 0
    if request is None:
        active = roster_of(s, account.id, None).active
    else:
        if request.status == RequestStatus.APPLIED.value and request.applied_at is not None:
            chosen = list(earlier)  # the chunks before this transaction
            if count_deactivated_since(s, account.id, request.applied_at) != len(chosen):
                chosen = _deactivated(deactivated_since(s, account.id, request.applied_at))
        seats_after = policy.seats_after(seats_before, request.seats_removed)
        request.status = RequestStatus.APPLIED.value
        request.applied_at = request.applied_at or now
        request.updated_at = now
        account.licensed_seats = seats_after
        active, plan = deactivation_step(s, account.id, seats_after, due, now)
        active += len(chosen)  # as the renewal found them
        chosen.extend(_deactivated(plan.chosen))  # in the order chosen: chunk after chunk, newest first
        unresolved = plan.unresolved
    addons = apply_addon_requests(s, account, due.renewal, now)
    switch = apply_switch(s, account, due.renewal, now)
    account.last_processed_renewal = due.renewal
    account.updated_at = now
    audit(
        s,
        account.id,
        WORKER,
        AuditAction.RENEWAL_PROCESSED,
        now,
        renewal=str(due.renewal),
        late=due.late,
        request=request.id if request else None,
        seats_before=seats_before,
        seats_after=seats_after,
        deactivated=[c.member_id for c in chosen],
        unresolved=unresolved,
    )
    if unresolved:
        audit(
            s,
            account.id,
            WORKER,
            AuditAction.RENEWAL_INCOMPLETE,
            now,
            renewal=str(due.renewal),
            unresolved=unresolved,
            reason="only admins without written consent (or the last admin) were left",
        )
        log.warning(
            "renewal %s of %s: %d user(s) over the new count of %d could not be deactivated automatically: "
            "only admins without consent were left",
            due.renewal,
            account.slack_team_id,
            unresolved,
            seats_after,
        )
    return RenewalOutcome(
        account_name=account.name,
        timezone=account.timezone,
        renewal=due.renewal,
        processed_at=now,
        late=due.late,
        request_id=request.id if request else None,
        requested_by=request.requested_by if request else None,
        seats_before=seats_before,
        seats_after=seats_after,
        deactivated=tuple(chosen),
        unresolved=unresolved,
        active_after=active - len(chosen),
        addons=addons,
        switch=switch,
    )
