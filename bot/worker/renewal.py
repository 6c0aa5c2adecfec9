"""Processing one renewal, inside the caller's transaction (the account row is locked by the caller).

The pending request for the renewal becomes applied, the licensed seats drop, the users still over the
new count are deactivated automatically by the policy (most recently added first, admins only with
consent, one admin always remains), and `last_processed_renewal` moves on. A renewal without a
request is processed too: nothing changes but `last_processed_renewal`.

`last_processed_renewal` is the guard: a renewal at or before it is never processed again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import WORKER, AuditAction
from bot.core.results import Deactivated, RenewalOutcome
from bot.core.schedule import RenewalDue
from bot.core.statuses import DeactivatedHow, RequestStatus
from bot.worker.line_renewal import apply_addon_requests, apply_switch
from store import models, queries
from store.queries import audit, policy_members

log = logging.getLogger(__name__)


class AlreadyProcessed(RuntimeError):
    """The renewal is at or before `last_processed_renewal` (a bug in the caller: it must not happen)."""


def process_renewal(s: Session, account: models.Account, due: RenewalDue, now: datetime) -> RenewalOutcome:
    """Process renewal `due.renewal` of the (locked) `account` in session `s`."""
    if account.last_processed_renewal is not None and due.renewal <= account.last_processed_renewal:
        raise AlreadyProcessed(f"renewal {due.renewal} of {account.slack_team_id} is processed already")
    request = s.scalar(
        select(models.ReductionRequest)
        .where(
            models.ReductionRequest.account_id == account.id,
            models.ReductionRequest.line_id.is_(None),  # the package line (add-on lines: line_renewal.py)
            models.ReductionRequest.status == RequestStatus.PENDING.value,
            # A request for this renewal (or, if the anchor moved, for an earlier date) applies now.
            models.ReductionRequest.renewal_date <= due.renewal,
        )
        .order_by(models.ReductionRequest.renewal_date, models.ReductionRequest.id)
        .limit(1)
        .with_for_update()
    )
    seats_before = account.licensed_seats
    active = policy_members(s, account.id, active_only=True)
    seats_after = seats_before
    chosen: tuple[policy.Member, ...] = ()
    unresolved = 0
    if request is not None:
        seats_after = policy.seats_after(seats_before, request.seats_removed)
        request.status = RequestStatus.APPLIED.value
        request.applied_at = now
        request.updated_at = now
        account.licensed_seats = seats_after
        plan = policy.automatic_deactivations(policy.Roster.of(active), seats_after)
        chosen, unresolved = plan.chosen, plan.unresolved
        rows = {m.id: m for m in s.scalars(select(models.Member).where(models.Member.id.in_([c.id for c in chosen])))}
        for c in chosen:
            queries.deactivate(rows[c.id], DeactivatedHow.AUTOMATIC, now)
            audit(
                s,
                account.id,
                WORKER,
                AuditAction.MEMBER_DEACTIVATED,
                now,
                member=c.id,
                name=c.name,
                how="automatic",
                renewal=str(due.renewal),
            )
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
        deactivated=[c.id for c in chosen],
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
        deactivated=tuple(Deactivated(member_id=c.id, name=c.name, is_admin=c.is_admin) for c in chosen),
        unresolved=unresolved,
        active_after=len(active) - len(chosen),
        addons=addons,
        switch=switch,
    )
