"""The add-on lines and the package switch at a renewal, inside process_renewal's transaction.

Every add-on line with a pending request for this renewal (or an earlier date) drops to its new count;
the holders over it lose the add-on (not the account), newest assignment first, by the same policy
function as the package line. A pending package switch for the renewal becomes the account's package, and
the package line's price becomes the new tier's. `last_processed_renewal` (set by the caller) guards all of
it: a renewal is processed once.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import lines as line_rules
from bot.core import policy
from bot.core.audit import WORKER, AuditAction
from bot.core.results import Deactivated, LineRenewal, SwitchApplied
from bot.core.statuses import RequestStatus
from store import lines as line_store
from store import models
from store.models_lines import LicenseLine, PackageChange, PackageTier
from store.queries import audit

REMOVED_AUTOMATICALLY = "automatic"


def apply_addon_requests(s: Session, account: models.Account, renewal: date, now: datetime) -> tuple[LineRenewal, ...]:
    r = models.ReductionRequest
    requests = list(
        s.scalars(
            select(r)
            .where(
                r.account_id == account.id,
                r.line_id.is_not(None),
                r.status == RequestStatus.PENDING.value,
                r.renewal_date <= renewal,
            )
            .order_by(r.line_id, r.id)
            .with_for_update()
        )
    )
    done: list[LineRenewal] = []
    for request in requests:
        line = s.get(LicenseLine, request.line_id)
        assert line is not None
        before = line.licensed_seats
        after = policy.seats_after(before, request.seats_removed)
        request.status, request.applied_at, request.updated_at = RequestStatus.APPLIED.value, now, now
        line.licensed_seats, line.updated_at = after, now
        roster = line_store.addon_roster(s, line.id, after)
        chosen = policy.automatic_deactivations(roster, after).chosen
        line_store.unassign(s, line.id, [m.id for m in chosen], now, REMOVED_AUTOMATICALLY)
        audit(
            s,
            account.id,
            WORKER,
            AuditAction.LINE_REDUCED,
            now,
            line=line.id,
            name=line.name,
            request=request.id,
            seats_before=before,
            seats_after=after,
            removed=[m.id for m in chosen],
            lost=len(chosen),
            renewal=str(renewal),
        )
        done.append(
            LineRenewal(
                line=line.name,
                request_id=request.id,
                seats_before=before,
                seats_after=after,
                removed=tuple(Deactivated(member_id=m.id, name=m.name, is_admin=False) for m in chosen),
            )
        )
    return tuple(done)


def apply_switch(s: Session, account: models.Account, renewal: date, now: datetime) -> SwitchApplied | None:
    c = PackageChange
    change = s.scalar(
        select(c)
        .where(c.account_id == account.id, c.status == RequestStatus.PENDING.value, c.renewal_date <= renewal)
        .with_for_update()
    )
    if change is None:
        return None
    old, new = s.get(PackageTier, change.from_tier_id), s.get(PackageTier, change.to_tier_id)
    assert old is not None and new is not None
    change.status, change.applied_at, change.updated_at = RequestStatus.APPLIED.value, now, now
    account.package_tier_id = new.id
    account.price_per_seat = new.price_per_seat
    lost = line_rules.lost_features(line_store.as_tier(old), line_store.as_tier(new))
    audit(
        s,
        account.id,
        WORKER,
        AuditAction.PACKAGE_SWITCHED,
        now,
        change=change.id,
        from_tier=old.name,
        to_tier=new.name,
        price_before=str(change.price_before) if change.price_before is not None else None,
        price_after=str(new.price_per_seat),
        lost_features=list(lost),
        renewal=str(renewal),
    )
    return SwitchApplied(change_id=change.id, from_tier=old.name, to_tier=new.name, lost_features=lost)
