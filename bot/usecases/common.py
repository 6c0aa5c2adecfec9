"""What every use case shares: who acts (Actor), loading and locking the account, the audit log, the
readings the policy works on (members, the pending request), `wake` for the background handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.errors import NotAllowed, NotFound, Unavailable, UserError
from bot.core.page import AccountTerms, PendingRequest
from bot.core.policy import Plan
from store import models
from store.models import ConsentStatus, MemberStatus, RequestStatus


@dataclass(frozen=True)
class Actor:
    """Who acts: an operator at the CLI (trusted), or a Slack user (must be an admin to change things)."""

    label: str
    slack_user_id: str | None = None
    operator: bool = False

    @classmethod
    def slack(cls, user_id: str) -> Actor:
        return cls(label=user_id, slack_user_id=user_id)


OPERATOR = Actor(label="cli", operator=True)


def wake(account: models.Account, now: datetime) -> None:
    """Something that decides what is due changed: the background handler looks at the account now.

    The worker picks accounts with a plain indexed `next_tick_at <= now`, so this sets an instant,
    never None.
    """
    if account.next_tick_at is None or account.next_tick_at > now:
        account.next_tick_at = now


def load_account(s: Session, team: str, *, lock: bool = False) -> models.Account:
    query = select(models.Account).where(models.Account.slack_team_id == team)
    if lock:
        query = query.with_for_update()
    account = s.scalar(query)
    if account is None:
        raise NotFound(
            f"No licensebot account is linked to the Slack workspace {team}. "
            f"An operator links it with `licensebot account add --team {team} ...`."
        )
    return account


def terms_of(account: models.Account) -> AccountTerms:
    return AccountTerms(
        team_id=account.slack_team_id,
        name=account.name,
        plan=Plan(account.plan),
        licensed_seats=account.licensed_seats,
        anchor=account.renewal_anchor,
        timezone=account.timezone,
        admin_channel=account.admin_channel,
        price_per_seat=account.price_per_seat,
        currency=account.currency,
        last_processed_renewal=account.last_processed_renewal,
    )


def consented_member_ids(s: Session, account_id: int) -> set[int]:
    return set(
        s.scalars(
            select(models.AdminConsent.member_id).where(
                models.AdminConsent.account_id == account_id,
                models.AdminConsent.status == ConsentStatus.GRANTED.value,
            )
        )
    )


def policy_members(s: Session, account_id: int, *, active_only: bool = False) -> list[policy.Member]:
    consented = consented_member_ids(s, account_id)
    m = models.Member
    # Plain rows, not ORM objects: a third of the cost at 1,000 members (every license page reads them all).
    query = select(m.id, m.name, m.added_at, m.is_admin, m.status).where(m.account_id == account_id)
    if active_only:
        query = query.where(m.status == MemberStatus.ACTIVE.value)
    active = MemberStatus.ACTIVE.value
    return [
        policy.Member(
            id=id_, name=name, added_at=added_at, is_admin=is_admin, consented=id_ in consented, active=status == active
        )
        for id_, name, added_at, is_admin, status in s.execute(query.order_by(m.added_at, m.id))
    ]


def roster_of(s: Session, account_id: int, new_seat_count: int | None) -> policy.Roster:
    """The active members the seat rules need when the seat count goes to `new_seat_count` (None: stays):
    how many are active, every active admin (with their consent) and the `policy.roster_depth` most recently
    added others. A few rows, whatever the size of the account (reading all 1,000 members made a license page
    10x dearer, most of it in SQLite row fetches that hand the GIL back and forth with the other threads)."""
    m, c = models.Member, models.AdminConsent
    of_account = (m.account_id == account_id, m.status == MemberStatus.ACTIVE.value)
    active = s.scalar(select(func.count()).select_from(m).where(*of_account)) or 0
    consented = (
        select(c.id).where(c.member_id == m.id, c.status == ConsentStatus.GRANTED.value).exists().label("consented")
    )
    admins = s.execute(select(m.id, m.name, m.added_at, m.is_admin, consented).where(*of_account, m.is_admin)).all()
    depth = policy.roster_depth(active, len(admins), new_seat_count)
    newest = (
        s.execute(
            select(m.id, m.name, m.added_at, m.is_admin, literal(False).label("consented"))
            .where(*of_account, m.is_admin.is_(False))
            .order_by(m.added_at.desc(), m.id.desc())
            .limit(depth)
        ).all()
        if depth
        else []
    )
    rows = sorted([*admins, *newest], key=lambda r: (r.added_at, r.id))
    return policy.Roster(
        active=active,
        members=tuple(
            policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=r.is_admin, consented=r.consented)
            for r in rows
        ),
    )


def pending_row(s: Session, account_id: int) -> models.ReductionRequest | None:
    return s.scalar(
        select(models.ReductionRequest)
        .where(
            models.ReductionRequest.account_id == account_id,
            models.ReductionRequest.status == RequestStatus.PENDING.value,
        )
        .order_by(models.ReductionRequest.renewal_date)
        .limit(1)
    )


def pending_of(s: Session, account_id: int) -> PendingRequest | None:
    row = pending_row(s, account_id)
    return as_pending(row) if row else None


def as_pending(row: models.ReductionRequest) -> PendingRequest:
    return PendingRequest(
        id=row.id,
        seats_removed=row.seats_removed,
        renewal=row.renewal_date,
        requested_by=row.requested_by,
        requested_at=row.created_at,
    )


def member_for_slack_user(s: Session, account_id: int, user_id: str) -> models.Member | None:
    return s.scalar(
        select(models.Member).where(models.Member.account_id == account_id, models.Member.slack_user_id == user_id)
    )


def require_admin(s: Session, account: models.Account, actor: Actor) -> models.Member | None:
    """The acting admin's member record (None for the operator); NotAllowed for anybody else."""
    if actor.operator:
        return None
    member = member_for_slack_user(s, account.id, actor.slack_user_id or "")
    if member is None or not member.is_admin or member.status != MemberStatus.ACTIVE.value:
        names = s.scalars(
            select(models.Member.name).where(
                models.Member.account_id == account.id,
                models.Member.is_admin.is_(True),
                models.Member.status == MemberStatus.ACTIVE.value,
            )
        ).all()
        who = ", ".join(names) if names else "nobody yet"
        raise NotAllowed(f"Only account admins can change licenses. The admins of {account.name} are: {who}.")
    return member


def require_operator(actor: Actor) -> None:
    if not actor.operator:
        raise NotAllowed("only an operator (the licensebot command line) can do this")


def check_team_id(team: str) -> str:
    team = team.strip()
    if not (team[:1] in "TE" and len(team) >= 3 and team.isalnum() and team.isupper()):
        raise UserError(f"--team {team!r} is not a Slack team id (like T0123ABCD)")
    return team


def audit(s: Session, account_id: int | None, actor: Actor, action: str, now: datetime, **details: Any) -> None:
    """Append one entry to the audit log (the only way anything writes to it)."""
    s.add(models.AuditEntry(account_id=account_id, at=now, actor=actor.label, action=action, details=details))


def guard_database(exc: BaseException) -> BaseException:
    """Map a lost database connection to Unavailable (callers say "nothing was saved, try again")."""
    if isinstance(exc, OperationalError):
        return Unavailable(str(exc.orig))
    return exc
