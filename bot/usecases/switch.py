"""An admin's package switch (issue 19). It follows the reduction's rules: only admins, at the next renewal
whose deadline (15 days before) has not passed, one pending switch per account (so one per renewal),
cancellable until processed; it applies at the renewal (bot/worker/line_renewal.py). Audited, announced
through the outbox."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from bot.core import lines, policy
from bot.core.audit import Actor, AuditAction, MessageKind
from bot.core.errors import Conflict, NotFound, UserError
from bot.core.lines import PackageTier
from bot.core.page import PendingSwitch
from bot.core.statuses import RequestStatus
from bot.i18n import _
from bot.usecases.common import require_admin
from bot.usecases.ports import Announce, Database
from bot.worker import outbox
from store import lines as line_store
from store.db import Clash
from store.models_lines import PackageChange
from store.models_lines import PackageTier as TierRow
from store.queries import audit, load_account, terms_of, wake


@dataclass(frozen=True)
class SwitchRequested:
    switch: PendingSwitch
    from_tier: PackageTier
    target: policy.Target
    lost_features: tuple[str, ...]
    saving: Decimal | None
    announced: str | None = None


def request_switch(
    db: Database,
    *,
    team: str,
    actor: Actor,
    to: str,
    now: datetime,
    announce: Announce[SwitchRequested] | None = None,
) -> SwitchRequested:
    """Switch to the smaller package `to` (a catalog name) at the next renewal whose deadline has not passed."""
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            require_admin(s, account, actor)
            current = s.get(TierRow, account.package_tier_id) if account.package_tier_id else None
            new = line_store.tier_named(s, to)
            if new is None:
                raise NotFound(_("There is no package named {name}; look at `/licenses plan`.", name=repr(to)))
            problem = lines.switch_problem(line_store.as_tier(current) if current else None, line_store.as_tier(new))
            if problem:
                raise UserError(_switch_refusal(problem, current.name if current else "", new.name))
            assert current is not None
            existing = line_store.pending_switch_row(s, account.id)
            if existing is not None:
                raise Conflict(_existing_switch(s, existing))
            terms = terms_of(account)
            target = policy.request_target(terms.anchor, terms.plan, now, terms.timezone)
            row = PackageChange(
                account_id=account.id,
                from_tier_id=current.id,
                to_tier_id=new.id,
                price_before=account.price_per_seat,
                renewal_date=target.renewal,
                requested_by=actor.label,
                status=RequestStatus.PENDING.value,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            wake(account, now)
            old_tier, new_tier = line_store.as_tier(current), line_store.as_tier(new)
            audit(
                s,
                account.id,
                actor,
                AuditAction.PACKAGE_SWITCH_REQUESTED,
                now,
                change=row.id,
                from_tier=old_tier.name,
                to_tier=new_tier.name,
                renewal=str(target.renewal),
            )
            done = SwitchRequested(
                switch=line_store.as_switch(s, row),
                from_tier=old_tier,
                target=target,
                lost_features=lines.lost_features(old_tier, new_tier),
                saving=lines.package_saving(account.price_per_seat, new_tier, account.licensed_seats, terms.plan),
            )
            if announce is None:
                return done
            key = outbox.announce(
                s, account_id=account.id, kind=MessageKind.SWITCH, ref=row.id, messages=announce(done, terms), now=now
            )
            return replace(done, announced=key)
    except Clash:
        raise Conflict(_("A package switch was requested at the same time: look at `/licenses plan`.")) from None


def cancel_switch(
    db: Database,
    *,
    team: str,
    actor: Actor,
    now: datetime,
    change_id: int | None = None,
    announce: Announce[PendingSwitch] | None = None,
) -> PendingSwitch:
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        row = line_store.pending_switch_row(s, account.id)
        if row is None or (change_id is not None and row.id != change_id):
            raise NotFound(
                "There is no pending package switch to cancel (it may have been cancelled or applied already)."
            )
        row.status, row.cancelled_at, row.cancelled_by, row.updated_at = (
            RequestStatus.CANCELLED.value,
            now,
            actor.label,
            now,
        )
        wake(account, now)
        cancelled = line_store.as_switch(s, row)
        audit(
            s,
            account.id,
            actor,
            AuditAction.PACKAGE_SWITCH_CANCELLED,
            now,
            change=row.id,
            to_tier=cancelled.to_tier.name,
            renewal=str(row.renewal_date),
        )
        if announce is None:
            return cancelled
        key = outbox.announce(
            s,
            account_id=account.id,
            kind=MessageKind.SWITCH_CANCELLATION,
            ref=f"{row.id}:{uuid.uuid4().hex[:8]}",
            messages=announce(cancelled, terms_of(account)),
            now=now,
        )
        return replace(cancelled, announced=key)


def _existing_switch(s: object, row: PackageChange) -> str:
    return _(
        "A switch of package at the renewal of {renewal} is already pending (#{id}). Cancel it first "
        "(`/licenses plan`), then choose the package you want.",
        renewal=row.renewal_date.isoformat(),
        id=row.id,
    )


def _switch_refusal(problem: lines.SwitchProblem, current: str, new: str) -> str:
    """A refused package switch in the reader's language."""
    match problem:
        case lines.SwitchProblem.NO_PACKAGE:
            return _(
                "The account has no package from the catalog yet: an operator sets it "
                "(`licensebot account set --package`)."
            )
        case lines.SwitchProblem.SAME:
            return _("The account already has the {package} package.", package=current)
        case lines.SwitchProblem.NOT_SMALLER:
            return _(
                "{new} is not smaller than {current}: from Slack you can only switch to a smaller package "
                "(a bigger one is ordered from the vendor).",
                new=new,
                current=current,
            )
