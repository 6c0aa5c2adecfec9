"""Reduction requests: submit (at most one pending per renewal), cancel until the renewal is processed."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.core import lines, policy
from bot.core.audit import Actor, AuditAction, MessageKind
from bot.core.errors import Conflict, Invalid, NotFound, TargetMoved
from bot.core.lines import LicenseLine
from bot.core.page import PREVIEW, PendingRequest
from bot.core.policy import Member, Problem
from bot.core.results import Submitted
from bot.core.statuses import RequestStatus
from bot.i18n import _, n_
from bot.usecases import snapshot
from bot.usecases.common import require_admin, require_admin_among
from bot.usecases.ports import Announce, Database
from bot.usecases.snapshot import AdminsView
from bot.worker import fresh, outbox
from bot.worker.fresh import Queued
from store import lines as line_store
from store import models
from store.db import Clash, reads_that_may_fail
from store.page_reads import admin_rows, page_head, terms_of_row
from store.queries import audit, insert_request, load_account, pending_of, pending_row, terms_of, wake
from store.request_reads import locked_account, package_pending, package_roster, wake_row

log = logging.getLogger(__name__)


def submit_reduction(
    db: Database,
    *,
    team: str,
    actor: Actor,
    seats: object,
    now: datetime,
    announce: Announce[Submitted] | None = None,
    line: int | None = None,
    renewal: date | None = None,
) -> Submitted:
    """Request to remove `seats` licenses of a line (`line`: an add-on line's id; None: the package's user
    licenses) at the next renewal whose deadline has not passed; `announce` words the messages that tell
    about it, queued in the outbox with it. `renewal`: the renewal the form showed; when a request now
    applies to another one (its deadline passed meanwhile), TargetMoved and nothing is stored (checked right
    after the admin check, in the same transaction: no read of its own before the ack)."""
    return _submit(db, team, actor, seats, now, announce, line, renewal, None).done


@dataclass(frozen=True)
class Announcing:
    """A stored submission and what announcing it reads, from its own transaction (`submit_and_read`)."""

    done: Submitted
    homes: AdminsView | None = None
    """Every admin's App Home as of the commit (snapshot.for_admins); None from `submit_reduction`."""
    queued: list[Queued] | None = None
    """The announcements queued with it, as the sender posts them (bot.worker.fresh.queued_in); None: not
    read (the sender reads them)."""


def submit_and_read(
    db: Database,
    *,
    team: str,
    actor: Actor,
    seats: object,
    now: datetime,
    announce: Announce[Submitted],
    activity: int,
    line: int | None = None,
    renewal: date | None = None,
) -> Announcing:
    """`submit_reduction`, and in the same transaction, after its writes, what the request reads to announce
    it after the ack: the admins' App Homes (`activity` entries of recent activity) and the queued messages.
    No read transaction after the commit (there were two): the active admins it read already serve the Homes
    too, and the page's head (store/page_reads.py) is read after the writes, with this request. The write lock
    is held that much longer (~1 ms)."""
    return _submit(db, team, actor, seats, now, announce, line, renewal, activity)


def _submit(
    db: Database,
    team: str,
    actor: Actor,
    seats: object,
    now: datetime,
    announce: Announce[Submitted] | None,
    line: int | None,
    renewal: date | None,
    activity: int | None,
) -> Announcing:
    try:
        with db.transaction() as s:
            # Core rows, no ORM object (store/request_reads.py): the account locked, its active admins (the
            # admin check, and the admins the rules read)
            account = locked_account(s, team)
            admins = admin_rows(s.connection(), account.id)
            require_admin_among(account.name, admins, actor)
            terms = terms_of_row(account)
            target = policy.request_target(terms.anchor, terms.plan, now, terms.timezone)
            if renewal is not None and target.renewal != renewal:
                raise TargetMoved(renewal, target.renewal)
            addon = _addon(s, account.id, line)
            licensed = addon.licensed if addon else account.licensed_seats
            n = policy.parse_seat_count(seats)
            new_count = policy.seats_after(licensed, n) if n is not None and n > 0 else None
            # every admin (all that validation reads) and the first PREVIEW the renewal would take, whatever
            # the shortfall: the messages name those and count the rest ("and N more"); an add-on line protects
            # nobody, its holders are plain
            roster = (
                line_store.addon_roster(s, line, new_count, PREVIEW)
                if line
                else package_roster(s, account, admins, new_count, PREVIEW)
            )
            problems = policy.validate_reduction(seats, licensed, roster.members)
            if problems:
                raise Invalid(tuple(_worded(p, account.licensed_seats, roster.members) for p in problems))
            assert n is not None and new_count is not None
            existing = package_pending(s, account.id) if line is None else _pending_of_line(s, account.id, line)
            if existing is not None:
                raise Conflict(_existing_message(existing, addon))
            request_id = insert_request(
                s,
                account_id=account.id,
                line_id=line,
                seats_removed=n,
                seats_before=licensed,
                renewal_date=target.renewal,
                requested_by=actor.label,
                status=RequestStatus.PENDING.value,
                created_at=now,
                updated_at=now,
            )
            wake_row(s, account, now)
            audit(
                s,
                account.id,
                actor,
                AuditAction.REQUEST_SUBMITTED,
                now,
                request=request_id,
                seats_removed=n,
                renewal=str(target.renewal),
                **({"line": line, "line_name": addon.name} if addon else {}),
            )
            pending = PendingRequest(
                id=request_id,
                seats_removed=n,
                renewal=target.renewal,
                requested_by=actor.label,
                requested_at=now,
                line_id=line,
            )
            done = Submitted(
                request=pending,
                target=target,
                new_seat_count=new_count,
                deactivation=policy.automatic_deactivations(roster, new_count, preview=PREVIEW),
                saving=(
                    lines.line_saving(n, addon, terms.plan)
                    if addon
                    else policy.saving(n, terms.price_per_seat, terms.plan)
                ),
                line=addon,
            )
            if announce is None:
                return Announcing(done)
            key = outbox.announce(
                s,
                account_id=account.id,
                kind=MessageKind.REQUEST,
                ref=request_id,
                messages=announce(done, terms),
                now=now,
            )
            done = replace(done, announced=key)
            if activity is None:
                return Announcing(done)
            # Guarded (a savepoint on PostgreSQL): a failure of these reads (a statement refused, a bug) must not
            # undo the request; they are read again after the ack. If the connection is gone, the commit fails.
            try:
                with reads_that_may_fail(s):
                    head = page_head(s.connection(), team)  # the page as stored: with this request
                    homes = snapshot.admins_in(s, head, admins, now, activity)
                    return Announcing(done, homes, fresh.queued_in(s, key))
            except Exception:
                log.exception("the Homes and messages of request %s: read again after the ack", request_id)
                return Announcing(done)
    except Clash:
        # Another submission won the race: the database allows one pending request per renewal.
        with db.transaction() as s:
            account_id = load_account(s, team).id
            addon = _addon(s, account_id, line)
            existing = _pending_of_line(s, account_id, line)
        raise Conflict(
            _existing_message(existing, addon)
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
    """Cancel a pending request (until the renewal is processed it stays cancellable): `request_id`, or the
    package line's; `announce` words the messages that tell about it, queued in the outbox with it."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        row = pending_row(s, account.id) if request_id is None else _pending_by_id(s, account.id, request_id)
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
            **({"line": row.line_id} if row.line_id else {}),
        )
        cancelled = line_store.as_pending_line(row)
        if announce is None:
            return cancelled
        messages = announce(cancelled, terms_of(account))
        key = outbox.announce(
            s, account_id=account.id, kind=MessageKind.CANCELLATION, ref=row.id, messages=messages, now=now
        )
        return replace(cancelled, announced=key)


def _addon(s: Session, account_id: int, line: int | None) -> LicenseLine | None:
    """The add-on line `line` of the account (None: the package line); NotFound when it has no such line."""
    if line is None:
        return None
    row = line_store.addon_row(s, account_id, line, lock=True)
    if row is None:
        raise NotFound(_("This account has no license line {line}; look at the license page.", line=line))
    return line_store.as_line(row)


def _pending_of_line(s: Session, account_id: int, line: int | None) -> PendingRequest | None:
    if line is None:
        return pending_of(s, account_id)
    row = line_store.pending_line_row(s, line)
    return line_store.as_pending_line(row) if row else None


def _pending_by_id(s: Session, account_id: int, request_id: int) -> models.ReductionRequest | None:
    row = s.get(models.ReductionRequest, request_id)
    if row is None or row.account_id != account_id or row.status != RequestStatus.PENDING.value:
        return None
    return row


def _existing_message(existing: PendingRequest, line: LicenseLine | None = None) -> str:
    if line:
        return n_(
            "A request to remove {n} license of {line} at the renewal of {renewal} is already pending (request #{id}). "
            "Cancel it first (`/licenses cancel`), then request the number you want.",
            "A request to remove {n} licenses of {line} at the renewal of {renewal} is already pending "
            "(request #{id}). Cancel it first (`/licenses cancel`), then request the number you want.",
            existing.seats_removed,
            line=line.name,
            renewal=existing.renewal.isoformat(),
            id=existing.id,
        )
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
