"""The license page's reads on the hot path: every `/licenses status`, App Home and, after a change, every
admin's App Home read these (bot/usecases/snapshot.py).

Prebuilt Core statements: each is built once, at import, with bind parameters, so a request neither builds
a statement nor computes its cache key (SQLAlchemy memoizes both on the statement object) and no ORM
object is made; the rows carry the columns' types, as the ORM's would. A teamleader connection is read
without its tokens (nothing decrypted for a page).

Nothing here reads a row per member: the viewer by (account, Slack id) is a unique-index lookup, the active
admins come from `ix_members_account_admin_status`, the newest non-admins from
`ix_members_account_status_added` with a LIMIT of what the page shows; the active members and an add-on
line's holders are counters on the account's and the line's rows (store/counters.py), never counted here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.page import PREVIEW, AccountTerms, LicensePage, PendingRequest, TeamleaderLink, build_page, new_seat_count
from bot.core.policy import Plan
from bot.core.results import Person, Viewer
from bot.core.statuses import ConsentStatus, MemberStatus, RequestStatus, TeamleaderStatus
from store import lines, models
from store.models_lines import LicenseLine as LineRow
from store.queries import not_linked

A = models.Account.__table__
M = models.Member.__table__
C = models.AdminConsent.__table__
R = models.ReductionRequest.__table__
T = models.TeamleaderConnection.__table__
ACTIVE = MemberStatus.ACTIVE.value

L = LineRow.__table__
HAS_ADDONS = select(L.c.id).where(L.c.account_id == A.c.id).exists().label("has_addons")
ACCOUNT = select(A, HAS_ADDONS).where(A.c.slack_team_id == bindparam("team"))
"""The account, and whether it has add-on lines (most have none: then the page reads nothing more for them)."""
_PERSON = (M.c.id, M.c.name, M.c.email, M.c.slack_user_id, M.c.is_admin, M.c.status, M.c.added_at)
VIEWER = select(*_PERSON).where(M.c.account_id == bindparam("account"), M.c.slack_user_id == bindparam("user"))
_CONSENTED = (
    select(C.c.id).where(C.c.member_id == M.c.id, C.c.status == ConsentStatus.GRANTED.value).exists().label("consented")
)
ADMINS = (
    select(*_PERSON, _CONSENTED)
    .where(M.c.account_id == bindparam("account"), M.c.is_admin.is_(True), M.c.status == ACTIVE)
    .order_by(M.c.name, M.c.id)
)
UNKNOWN_COUNT = (
    select(func.count())
    .select_from(M)
    .where(M.c.account_id == bindparam("account"), M.c.status == ACTIVE, M.c.added_at == bindparam("unknown_added"))
)
NEWEST = (
    select(M.c.id, M.c.name, M.c.added_at, M.c.is_admin)
    .where(M.c.account_id == bindparam("account"), M.c.status == ACTIVE, M.c.is_admin.is_(False))
    .order_by(M.c.added_at.desc(), M.c.id.desc())
    .limit(bindparam("depth"))
)
PENDING = (
    select(R.c.id, R.c.seats_removed, R.c.renewal_date, R.c.requested_by, R.c.created_at)
    .where(R.c.account_id == bindparam("account"), R.c.line_id.is_(None), R.c.status == RequestStatus.PENDING.value)
    .order_by(R.c.renewal_date)
    .limit(1)
)
TEAMLEADER = select(T.c.status, T.c.status_changed_at, T.c.last_sync_at, T.c.last_error).where(
    T.c.account_id == bindparam("account")
)


ANY_CONSENT = select(C.c.id).where(C.c.account_id == bindparam("account")).limit(1)


def has_consents(s: Session, account_id: int) -> bool:
    """Whether the account has any consent (requested, given, declined or revoked) at all."""
    return s.connection().execute(ANY_CONSENT, {"account": account_id}).first() is not None


def account_row(s: Session, team: str) -> Row[Any]:
    """The account of `team` as a row (its columns by name); NotFound when the workspace is not linked."""
    row = s.connection().execute(ACCOUNT, {"team": team}).first()
    if row is None:
        raise not_linked(team)
    return row


def person(row: Any) -> Person:
    return Person(
        member_id=row.id,
        name=row.name,
        email=row.email,
        slack_user_id=row.slack_user_id,
        is_admin=row.is_admin,
        active=row.status == ACTIVE,
        added_at=row.added_at,
    )


def admin_rows(s: Session, account_id: int) -> list[Row[Any]]:
    """The active admins, by name, each with whether they consented (`consented`)."""
    return list(s.connection().execute(ADMINS, {"account": account_id}))


def viewer_of(s: Session, account: Row[Any], user_id: str, admins: list[Row[Any]]) -> Viewer | None:
    """The Viewer of a user whose member record carries their Slack id; None otherwise (people.identify)."""
    row = s.connection().execute(VIEWER, {"account": account.id, "user": user_id}).first()
    if row is None:
        return None
    return Viewer(account.slack_team_id, account.name, user_id, person(row), tuple(person(a) for a in admins))


def terms_of_row(account: Row[Any]) -> AccountTerms:
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


def page_of_row(
    s: Session, account: Row[Any], now: datetime, admins: list[Row[Any]], *, preview: int | None = PREVIEW
) -> LicensePage:
    """The license page (as store.queries.page_of), from the account row and its `admin_rows`."""
    conn, key = s.connection(), {"account": account.id}
    terms = terms_of_row(account)
    found = conn.execute(PENDING, key).first()
    pending = (
        PendingRequest(
            id=found.id,
            seats_removed=found.seats_removed,
            renewal=found.renewal_date,
            requested_by=found.requested_by,
            requested_at=found.created_at,
        )
        if found
        else None
    )
    active = account.active_members  # kept by the database (migration 0013): read, not counted
    depth = policy.roster_depth(active, len(admins), new_seat_count(terms, pending), preview)
    newest = list(conn.execute(NEWEST, {**key, "depth": depth})) if depth else []
    members = [
        policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=True, consented=bool(r.consented))
        for r in admins
    ] + [policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=False, consented=False) for r in newest]
    members.sort(key=lambda m: (m.added_at, m.id))
    link = conn.execute(TEAMLEADER, key).first()
    unknown = conn.execute(UNKNOWN_COUNT, {**key, "unknown_added": policy.UNKNOWN_ADDED}).scalar()
    return build_page(
        terms,
        policy.Roster(active=active, members=tuple(members)),
        pending,
        now,
        None
        if link is None
        else TeamleaderLink(
            reconnect_needed=link.status == TeamleaderStatus.RECONNECT_NEEDED.value,
            since=link.status_changed_at,
            last_sync_at=link.last_sync_at,
            last_error=link.last_error,
        ),
        preview=preview,
        unreachable_admins=tuple(a.name for a in admins if a.slack_user_id is None),
        unknown_added=int(unknown or 0),
        addons=lines.addons_of(s, account.id, terms.plan, preview=preview) if account.has_addons else (),
        package=lines.package_of(s, account.id, account.package_tier_id, terms),
    )
