"""Reduction requests: submit (at most one pending per renewal), cancel until the renewal is processed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.core import policy
from bot.core.audit import Actor, AuditAction, MessageKind
from bot.core.errors import Conflict, Invalid, NotFound
from bot.core.page import PREVIEW, PendingRequest
from bot.core.policy import Member, Problem
from bot.core.results import Submitted
from bot.core.statuses import RequestStatus
from bot.i18n import _, n_
from bot.usecases.common import require_admin
from bot.usecases.ports import Announce, Database
from bot.worker import outbox
from store import models
from store.db import Clash
from store.queries import as_pending, audit, load_account, pending_of, pending_row, roster_of, terms_of, wake


def submit_reduction(
    db: Database,
    *,
    team: str,
    actor: Actor,
    seats: object,
    now: datetime,
    announce: Announce[Submitted] | None = None,
) -> Submitted:
    """Request to remove `seats` licenses at the next renewal whose deadline has not passed; `announce`
    words the messages that tell about it, queued in the outbox with it."""
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            require_admin(s, account, actor)
            n = policy.parse_seat_count(seats)
            new_count = policy.seats_after(account.licensed_seats, n) if n is not None and n > 0 else None
            # every admin (all that validation reads) and the first PREVIEW the renewal would take, whatever
            # the shortfall: the messages name those and count the rest ("and N more")
            roster = roster_of(s, account.id, new_count, PREVIEW)
            problems = policy.validate_reduction(seats, account.licensed_seats, roster.members)
            if problems:
                raise Invalid(tuple(_worded(p, account.licensed_seats, roster.members) for p in problems))
            assert n is not None and new_count is not None
            existing = pending_of(s, account.id)
            if existing is not None:
                raise Conflict(_existing_message(existing))
            terms = terms_of(account)
            target = policy.request_target(terms.anchor, terms.plan, now, terms.timezone)
            row = models.ReductionRequest(
                account_id=account.id,
                seats_removed=n,
                seats_before=account.licensed_seats,
                renewal_date=target.renewal,
                requested_by=actor.label,
                status=RequestStatus.PENDING.value,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            wake(account, now)
            audit(
                s,
                account.id,
                actor,
                AuditAction.REQUEST_SUBMITTED,
                now,
                request=row.id,
                seats_removed=n,
                renewal=str(target.renewal),
            )
            done = Submitted(
                request=as_pending(row),
                target=target,
                new_seat_count=new_count,
                deactivation=policy.automatic_deactivations(roster, new_count, preview=PREVIEW),
                saving=policy.saving(n, terms.price_per_seat, terms.plan),
            )
            if announce is None:
                return done
            key = outbox.announce(
                s, account_id=account.id, kind=MessageKind.REQUEST, ref=row.id, messages=announce(done, terms), now=now
            )
            return replace(done, announced=key)
    except Clash:
        # Another submission won the race: the database allows one pending request per renewal.
        with db.transaction() as s:
            account = load_account(s, team)
            existing = pending_of(s, account.id)
        raise Conflict(
            _existing_message(existing)
            if existing
            else _("a request was submitted at the same time; look at the license page")
        ) from None


def cancel_request(
    db: Database,
    *,
    team: str,
    actor: Actor,
    now: datetime,
    request_id: int | None = None,
    announce: Announce[PendingRequest] | None = None,
) -> PendingRequest:
    """Cancel the pending request (until the renewal is processed it stays cancellable); `announce` words
    the messages that tell about it, queued in the outbox with it."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        row = pending_row(s, account.id)
        if row is None or (request_id is not None and row.id != request_id):
            raise NotFound(
                _("There is no pending license reduction to cancel (it may have been cancelled or applied already).")
            )
        row.status = RequestStatus.CANCELLED.value
        row.cancelled_at = now
        row.cancelled_by = actor.label
        row.updated_at = now
        wake(account, now)
        audit(
            s,
            account.id,
            actor,
            AuditAction.REQUEST_CANCELLED,
            now,
            request=row.id,
            seats_removed=row.seats_removed,
            renewal=str(row.renewal_date),
        )
        cancelled = as_pending(row)
        if announce is None:
            return cancelled
        messages = announce(cancelled, terms_of(account))
        key = outbox.announce(
            s, account_id=account.id, kind=MessageKind.CANCELLATION, ref=row.id, messages=messages, now=now
        )
        return replace(cancelled, announced=key)


def _existing_message(existing: PendingRequest) -> str:
    return n_(
        "A request to remove {n} license at the renewal of {renewal} is already pending (request #{id}). "
        "Cancel it first (`/licenses cancel`), then request the number you want.",
        "A request to remove {n} licenses at the renewal of {renewal} is already pending (request #{id}). "
        "Cancel it first (`/licenses cancel`), then request the number you want.",
        existing.seats_removed,
        renewal=existing.renewal.isoformat(),
        id=existing.id,
    )


def _worded(problem: Problem, licensed_seats: int, members: Sequence[Member]) -> Problem:
    """A policy problem in the reader's language (bot/core words it in English for the CLI)."""
    most = policy.most_removable(licensed_seats, members)
    admins = policy.unconsented_admins(members)
    match problem.code:
        case policy.Violation.NOT_A_NUMBER:
            text = _("Enter a whole number of licenses to remove, e.g. 3.")
        case policy.Violation.TOO_FEW:
            text = _("Remove at least 1 license.")
        case policy.Violation.NONE_LEFT:
            text = n_(
                "You have {n} license and at least 1 must remain, so you can remove at most {most}.",
                "You have {n} licenses and at least 1 must remain, so you can remove at most {most}.",
                licensed_seats,
                most=most,
            )
        case policy.Violation.ADMINS_WITHOUT_CONSENT:
            text = n_(
                "{n} admin has not consented to losing admin rights, so at least {n} license must remain "
                "(remove at most {most}), or ask an admin for written consent first.",
                "{n} admins have not consented to losing admin rights, so at least {n} licenses must remain "
                "(remove at most {most}), or ask an admin for written consent first.",
                admins,
                most=most,
            )
        case _:
            return problem
    return Problem(problem.code, text)
