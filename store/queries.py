"""The reads and writes the use cases and the worker share, as plain functions over a Session.

The account (loaded, locked), its terms, members, admins and pending request as the rules read them,
the license page's data, the Teamleader connection, the audit log. Everything that touches a table more
than once in the code base lives here; a use case adds its own one-off queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, literal, select, update
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import INTERNAL, ActivityEntry, Actor, AuditAction
from bot.core.errors import NotLinked
from bot.core.page import PREVIEW, AccountTerms, LicensePage, PendingRequest, TeamleaderLink, build_page, new_seat_count
from bot.core.policy import Plan
from bot.core.statuses import ConsentStatus, DeactivatedHow, MemberStatus, RequestStatus, TeamleaderStatus
from store import lines, models


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
        raise not_linked(team)
    return account


def not_linked(team: str) -> NotLinked:
    return NotLinked(
        team,
        f"No licensebot account is linked to the Slack workspace {team}. "
        f"An operator links it with `licensebot account add --team {team} ...`. "
        "With a link code from your provider, a workspace admin types `/licenses link CODE`.",
    )


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


_M, _C = models.Member.__table__, models.AdminConsent.__table__
_OF_ACCOUNT = (_M.c.account_id == bindparam("account"), _M.c.status == MemberStatus.ACTIVE.value)
_ROSTER_ACTIVE = select(models.Account.active_members).where(models.Account.id == bindparam("account"))
"""The counter (migration 0013), ORM-enabled so the session's pending changes are flushed before it is read."""
_ROSTER_ADMINS = select(
    _M.c.id,
    _M.c.name,
    _M.c.added_at,
    _M.c.is_admin,
    select(_C.c.id)
    .where(_C.c.member_id == _M.c.id, _C.c.status == ConsentStatus.GRANTED.value)
    .exists()
    .label("consented"),
).where(*_OF_ACCOUNT, _M.c.is_admin.is_(True))
_ROSTER_NEWEST = (
    select(_M.c.id, _M.c.name, _M.c.added_at, _M.c.is_admin, literal(False).label("consented"))
    .where(*_OF_ACCOUNT, _M.c.is_admin.is_(False))
    .order_by(_M.c.added_at.desc(), _M.c.id.desc())
    .limit(bindparam("depth"))
)
"""roster_of's statements, built once (every page, submission and renewal reads them: no statement
building per call; store/page_reads.py does the same for the page)."""


def roster_of(s: Session, account_id: int, new_seat_count: int | None, preview: int | None = None) -> policy.Roster:
    """The active members the seat rules need when the seat count goes to `new_seat_count` (None: stays):
    how many are active, every active admin (with their consent) and the `policy.roster_depth` most recently
    added others (with `preview`: enough of them to list the first `preview` chosen): a few rows, whatever
    the size of the account."""
    key = {"account": account_id}  # through the session: its pending changes are flushed first
    active = s.execute(_ROSTER_ACTIVE, key).scalar() or 0
    admins = s.execute(_ROSTER_ADMINS, key).all()
    depth = policy.roster_depth(active, len(admins), new_seat_count, preview)
    newest = s.execute(_ROSTER_NEWEST, {**key, "depth": depth}).all() if depth else []
    rows = sorted([*admins, *newest], key=lambda r: (r.added_at, r.id))
    return policy.Roster(
        active=active,
        members=tuple(
            policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=r.is_admin, consented=bool(r.consented))
            for r in rows
        ),
    )


def pending_row(s: Session, account_id: int) -> models.ReductionRequest | None:
    return s.scalar(
        select(models.ReductionRequest)
        .where(
            models.ReductionRequest.account_id == account_id,
            models.ReductionRequest.line_id.is_(None),  # the package line's (an add-on line's: store/lines.py)
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


def audit(s: Session, account_id: int | None, actor: Actor, action: AuditAction, now: datetime, **details: Any) -> None:
    """Append one entry to the audit log (the only way anything writes to it): a prebuilt INSERT, at once (in
    order with the transaction's other entries)."""
    s.connection().execute(
        _AUDIT_INSERT,
        {"account_id": account_id, "at": now, "actor": actor.label, "action": action.value, "details": details},
    )


_AUDIT_INSERT = models.Base.metadata.tables[models.AuditEntry.__tablename__].insert()
_REQUESTS = models.Base.metadata.tables[models.ReductionRequest.__tablename__]
_REQUEST_INSERT = _REQUESTS.insert().returning(_REQUESTS.c.id)


def insert_request(s: Session, **values: Any) -> int:
    """Store a reduction request (the columns of models.ReductionRequest): its id. A prebuilt INSERT, at once:
    a second pending request of the renewal raises the unique index's IntegrityError here."""
    return int(s.connection().execute(_REQUEST_INSERT, values).scalar_one())


def audit_many(s: Session, entries: Sequence[tuple[int | None, Actor, AuditAction, datetime, dict[str, Any]]]) -> None:
    """Append many entries in one executemany INSERT (the tick's batches): (account id, actor, action, at, details)."""
    if entries:
        rows = [
            {"account_id": a, "at": at, "actor": who.label, "action": what.value, "details": details}
            for a, who, what, at, details in entries
        ]
        s.connection().execute(_AUDIT_INSERT, rows)  # Core: no ORM bulk path, no autoflush


def history(s: Session, account_id: int, limit: int) -> list[ActivityEntry]:
    """The account's latest audit entries people read (not the `INTERNAL` ones), newest first (a prebuilt
    statement: every license page and App Home reads it)."""
    rows = s.connection().execute(_HISTORY, {"account": account_id, "limit": limit})
    return [
        ActivityEntry(at=at, actor=actor, action=action, details=dict(details or {}))
        for at, actor, action, details in rows
    ]


_AUDIT = models.Base.metadata.tables[models.AuditEntry.__tablename__].c
_HISTORY = (
    select(_AUDIT.at, _AUDIT.actor, _AUDIT.action, _AUDIT.details)
    .where(_AUDIT.account_id == bindparam("account"), _AUDIT.action.not_in(sorted(INTERNAL)))
    .order_by(_AUDIT.at.desc(), _AUDIT.id.desc())
    .limit(bindparam("limit"))
)


def active_admins(s: Session, account_id: int) -> list[models.Member]:
    """The account's active admins, by name."""
    return list(
        s.scalars(
            select(models.Member)
            .where(
                models.Member.account_id == account_id,
                models.Member.is_admin.is_(True),
                models.Member.status == MemberStatus.ACTIVE.value,
            )
            .order_by(models.Member.name, models.Member.id)
        )
    )


def deactivate(member: models.Member, how: DeactivatedHow, now: datetime) -> None:
    """Mark a member row deactivated (the caller audits it)."""
    member.status = MemberStatus.DEACTIVATED.value
    member.deactivated_at = now
    member.deactivated_how = how.value
    member.updated_at = now


STATUS_CHUNK = 5_000


def set_statuses(
    s: Session, account_id: int, member_ids: Sequence[int], how: DeactivatedHow | None, now: datetime
) -> None:
    """Deactivate `member_ids` (`how`), or reactivate them (None), in one UPDATE per STATUS_CHUNK (the members
    loaded in `s` follow). Many status changes go set-based, never one statement per member: on PostgreSQL
    each statement that changes a status also updates the account's counter row (migration 0013), and N
    updates of one row in one transaction cost O(N^2)."""
    m = models.Member
    values: dict[str, Any] = {
        "status": (MemberStatus.DEACTIVATED if how else MemberStatus.ACTIVE).value,
        "deactivated_at": now if how else None,
        "deactivated_how": how.value if how else None,
        "updated_at": now,
    }
    ids = list(member_ids)
    for k in range(0, len(ids), STATUS_CHUNK):
        s.execute(update(m).where(m.account_id == account_id, m.id.in_(ids[k : k + STATUS_CHUNK])).values(values))


def teamleader_connection(s: Session, account_id: int, *, lock: bool = False) -> models.TeamleaderConnection | None:
    """The account's Teamleader connection (locked for an update when `lock`), or None."""
    query = select(models.TeamleaderConnection).where(models.TeamleaderConnection.account_id == account_id)
    if lock:
        query = query.with_for_update()
    return s.scalar(query)


def teamleader_link(s: Session, account_id: int) -> TeamleaderLink | None:
    """The account's Teamleader sync as the license page shows it; None when it is not connected."""
    conn = teamleader_connection(s, account_id)
    if conn is None:
        return None
    return TeamleaderLink(
        reconnect_needed=conn.status == TeamleaderStatus.RECONNECT_NEEDED.value,
        since=conn.status_changed_at,
        last_sync_at=conn.last_sync_at,
        last_error=conn.last_error,
    )


def page_of(
    s: Session,
    account: models.Account,
    now: datetime,
    *,
    teamleader: TeamleaderLink | None = None,
    preview: int | None = PREVIEW,
) -> LicensePage:
    """The license page of an account loaded in `s`: the terms, the pending request, the roster it needs.
    Its deactivation lists the first `preview` users who would go automatically (None: all of them)."""
    terms, pending = terms_of(account), pending_of(s, account.id)
    roster = roster_of(s, account.id, new_seat_count(terms, pending), preview)
    unknown = s.scalar(
        select(func.count())
        .select_from(models.Member)
        .where(
            models.Member.account_id == account.id,
            models.Member.status == MemberStatus.ACTIVE.value,
            models.Member.added_at == policy.UNKNOWN_ADDED,
        )
    )
    return build_page(
        terms,
        roster,
        pending,
        now,
        teamleader,
        preview=preview,
        unreachable_admins=unreachable_admins(s, account.id),
        unknown_added=int(unknown or 0),
        addons=lines.addons_of(s, account.id, terms.plan, preview=preview),
        package=lines.package_of(s, account.id, account.package_tier_id, terms),
    )


def unreachable_admins(s: Session, account_id: int) -> tuple[str, ...]:
    """The names of the active admins without a Slack user id (they get no DM and no App Home)."""
    m = models.Member
    return tuple(
        s.scalars(
            select(m.name)
            .where(
                m.account_id == account_id,
                m.is_admin.is_(True),
                m.status == MemberStatus.ACTIVE.value,
                m.slack_user_id.is_(None),
            )
            .order_by(m.name, m.id)
        )
    )
