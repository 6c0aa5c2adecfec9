"""Reactivate a user who was deactivated by hand (an admin in Slack, or the operator): it takes a free license.

Refused when every license is in use (the seat count is the limit: only the operator changes it), and for a
user the Teamleader sync deactivated (Teamleader is the source: reactivate them there). Audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.core import policy
from bot.core.audit import Actor, AuditAction
from bot.core.errors import Conflict, NotFound
from bot.core.results import Reactivated
from bot.core.statuses import DeactivatedHow, MemberStatus
from bot.i18n import _, n_
from bot.usecases.common import require_admin
from bot.usecases.ports import Database
from store import counters, models
from store.queries import audit, load_account, member_for_slack_user, pending_of, wake


def reactivate_member(
    db: Database,
    *,
    team: str,
    actor: Actor,
    now: datetime,
    email: str | None = None,
    slack_user_id: str | None = None,
) -> Reactivated:
    """Reactivate the member with this email or Slack user id (one of them)."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        m = models.Member
        if slack_user_id:
            member = member_for_slack_user(s, account.id, slack_user_id)
        else:
            address = (email or "").strip().lower()
            member = s.scalar(select(m).where(m.account_id == account.id, func.lower(m.email) == address))
        if member is None:
            raise NotFound(
                _(
                    "{who} is not a user of {account}: nothing was reactivated.",
                    who=email or slack_user_id,
                    account=account.name,
                )
            )
        if member.status == MemberStatus.ACTIVE.value:
            raise Conflict(_("{name} is active already: nothing was changed.", name=member.name))
        if member.deactivated_how == DeactivatedHow.TEAMLEADER.value:
            raise Conflict(
                _(
                    "{name} was deactivated in Teamleader (the sync): reactivate them in Teamleader; the next sync "
                    "brings them back.",
                    name=member.name,
                )
            )
        active = counters.active_members(s, account.id)
        if active >= account.licensed_seats:
            raise Conflict(
                _(
                    "No free license: {active} for {licenses}. Deactivate someone first; {name} stays deactivated.",
                    active=n_("{n} active user", "{n} active users", active),
                    licenses=n_("{n} license", "{n} licenses", account.licensed_seats),
                    name=member.name,
                )
            )
        member.status = MemberStatus.ACTIVE.value
        member.deactivated_at = None
        member.deactivated_how = None
        member.updated_at = now
        wake(account, now)
        audit(
            s, account.id, actor, AuditAction.MEMBER_REACTIVATED, now, member=member.id, name=member.name, how="manual"
        )
        pending = pending_of(s, account.id)
        over = 0
        if pending is not None:
            over = max(0, active + 1 - policy.seats_after(account.licensed_seats, pending.seats_removed))
        return Reactivated(
            name=member.name, active=active + 1, licensed_seats=account.licensed_seats, over_at_renewal=over
        )
