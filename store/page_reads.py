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

from sqlalchemy import Connection, Row, bindparam, func, select
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
_CONSENTED = (
    select(C.c.id).where(C.c.member_id == M.c.id, C.c.status == ConsentStatus.GRANTED.value).exists().label("consented")
)
ADMINS = (
    select(*_PERSON, _CONSENTED)
    .where(M.c.account_id == bindparam("account"), M.c.is_admin.is_(True), M.c.status == ACTIVE)
    .order_by(M.c.name, M.c.id)
)
NEWEST = (
    select(M.c.id, M.c.name, M.c.added_at, M.c.is_admin)
    .where(M.c.account_id == bindparam("account"), M.c.status == ACTIVE, M.c.is_admin.is_(False))
    .order_by(M.c.added_at.desc(), M.c.id.desc())
    .limit(bindparam("depth"))
)

# The page's head: the account with its pending request, its Teamleader link, its members without an added
# date and whether it has any consent, in one statement (each a unique or indexed look: the pending request
# by `ix_reduction_requests_account_status`, the Teamleader link by its unique account_id, the count by
# `ix_members_account_status_added`); `page_head(..., user_id=...)` adds the viewer's member row.
P = R.alias("pending")
V = M.alias("viewer")
_PENDING_ID = (
    select(R.c.id)
    .where(R.c.account_id == A.c.id, R.c.line_id.is_(None), R.c.status == RequestStatus.PENDING.value)
    .order_by(R.c.renewal_date)
    .limit(1)
    .correlate(A)
    .scalar_subquery()
)
_UNKNOWN = (
    select(func.count())
    .select_from(M)
    .where(M.c.account_id == A.c.id, M.c.status == ACTIVE, M.c.added_at == bindparam("unknown_added"))
    .correlate(A)
    .scalar_subquery()
)
_ANY_CONSENT = select(C.c.id).where(C.c.account_id == A.c.id).correlate(A).exists()
_PAGE_COLUMNS = (
    "id",
    "slack_team_id",
    "name",
    "plan",
    "licensed_seats",
    "renewal_anchor",
    "timezone",
    "admin_channel",
    "price_per_seat",
    "currency",
    "last_processed_renewal",
    "package_tier_id",
    "language",
    "active_members",
)
"""The account's columns a page needs (`terms_of_row` and the rest; not the worker's schedule or the stamps)."""
_HEAD = (
    *(A.c[name] for name in _PAGE_COLUMNS),
    HAS_ADDONS,
    P.c.id.label("pending_id"),
    P.c.seats_removed.label("pending_seats"),
    P.c.renewal_date.label("pending_renewal"),
    P.c.requested_by.label("pending_by"),
    P.c.created_at.label("pending_at"),
    T.c.id.label("tl_id"),
    T.c.status.label("tl_status"),
    T.c.status_changed_at.label("tl_since"),
    T.c.last_sync_at.label("tl_last_sync_at"),
    T.c.last_error.label("tl_last_error"),
    _UNKNOWN.label("unknown_added"),
    _ANY_CONSENT.label("any_consent"),
)
_HEAD_FROM = A.outerjoin(P, P.c.id == _PENDING_ID).outerjoin(T, T.c.account_id == A.c.id)
HEAD = select(*_HEAD).select_from(_HEAD_FROM).where(A.c.slack_team_id == bindparam("team"))
HEAD_AND_VIEWER = (
    select(*_HEAD, *(c.label(f"viewer_{c.name}") for c in (V.c[p.name] for p in _PERSON)))
    .select_from(_HEAD_FROM.outerjoin(V, (V.c.account_id == A.c.id) & (V.c.slack_user_id == bindparam("user"))))
    .where(A.c.slack_team_id == bindparam("team"))
)
"""The head and the viewer's member row (its columns `viewer_id`, `viewer_name`, ...; None when no member of
the account has that Slack id)."""


def orm(conn: Connection) -> Session:
    """A session in `conn`'s transaction, for the rarer reads that use the ORM (add-on lines, a package,
    consents); it neither commits nor ends that transaction."""
    return Session(bind=conn, expire_on_commit=False)


def account_row(s: Session, team: str) -> Row[Any]:
    """The account of `team` as a row (its columns by name); NotFound when the workspace is not linked."""
    row = s.connection().execute(ACCOUNT, {"team": team}).first()
    if row is None:
        raise not_linked(team)
    return row


def page_head(conn: Connection, team: str, user_id: str | None = None) -> Row[Any]:
    """The account of `team` with what its page shows besides the members (see HEAD), and with `user_id`
    that user's member row (HEAD_AND_VIEWER); NotFound when the workspace is not linked."""
    params = {"team": team, "unknown_added": policy.UNKNOWN_ADDED}
    if user_id is None:
        row = conn.execute(HEAD, params).first()
    else:
        row = conn.execute(HEAD_AND_VIEWER, {**params, "user": user_id}).first()
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


def admin_rows(conn: Connection, account_id: int) -> list[Row[Any]]:
    """The active admins, by name, each with whether they consented (`consented`)."""
    return list(conn.execute(ADMINS, {"account": account_id}))


def viewer_of(head: Row[Any], user_id: str, admins: list[Row[Any]]) -> Viewer | None:
    """The Viewer of a user whose member record carries their Slack id, from `page_head(..., user_id)`; None
    otherwise (people.identify)."""
    if head.viewer_id is None:
        return None
    me = Person(
        member_id=head.viewer_id,
        name=head.viewer_name,
        email=head.viewer_email,
        slack_user_id=head.viewer_slack_user_id,
        is_admin=head.viewer_is_admin,
        active=head.viewer_status == ACTIVE,
        added_at=head.viewer_added_at,
    )
    return Viewer(head.slack_team_id, head.name, user_id, me, tuple(person(a) for a in admins))


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
    conn: Connection, account: Row[Any], now: datetime, admins: list[Row[Any]], *, preview: int | None = PREVIEW
) -> LicensePage:
    """The license page (as store.queries.page_of), from the account's `page_head` and its `admin_rows`: one
    more statement only for the newest members when the page shows some, and for add-on lines or a package."""
    terms = terms_of_row(account)
    pending = (
        PendingRequest(
            id=account.pending_id,
            seats_removed=account.pending_seats,
            renewal=account.pending_renewal,
            requested_by=account.pending_by,
            requested_at=account.pending_at,
        )
        if account.pending_id is not None
        else None
    )
    active = account.active_members  # kept by the database (migration 0013): read, not counted
    depth = policy.roster_depth(active, len(admins), new_seat_count(terms, pending), preview)
    newest = list(conn.execute(NEWEST, {"account": account.id, "depth": depth})) if depth else []
    members = [
        policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=True, consented=bool(r.consented))
        for r in admins
    ] + [policy.Member(id=r.id, name=r.name, added_at=r.added_at, is_admin=False, consented=False) for r in newest]
    members.sort(key=lambda m: (m.added_at, m.id))
    return build_page(
        terms,
        policy.Roster(active=active, members=tuple(members)),
        pending,
        now,
        None
        if account.tl_id is None
        else TeamleaderLink(
            reconnect_needed=account.tl_status == TeamleaderStatus.RECONNECT_NEEDED.value,
            since=account.tl_since,
            last_sync_at=account.tl_last_sync_at,
            last_error=account.tl_last_error,
        ),
        preview=preview,
        unreachable_admins=tuple(a.name for a in admins if a.slack_user_id is None),
        unknown_added=int(account.unknown_added or 0),
        addons=lines.addons_of(orm(conn), account.id, terms.plan, preview=preview) if account.has_addons else (),
        package=None
        if account.package_tier_id is None
        else lines.package_of(orm(conn), account.id, account.package_tier_id, terms),
    )
