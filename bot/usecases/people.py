"""Use cases about people: who a Slack user is in an account, and the users list.

A Slack user is matched to a member record by Slack user id, or, when no record carries that id
yet, by the email Slack knows for them (a record that has no Slack id yet). Once matched, the Slack
user id is stored. Looking up the email is the caller's job (`email_of`, e.g. Slack's users.info):
it runs outside any transaction because it is slow.

These live beside bot/usecases/ and follow the same rules: one
transaction per step, the audit log written for every change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import Actor, AuditAction
from bot.core.errors import NotFound
from bot.core.page import PREVIEW
from bot.core.results import Person, UsersOverview, Viewer
from bot.core.statuses import MemberStatus
from bot.usecases.ports import Database
from store import counters, models, queries
from store.db import Clash
from store.queries import audit, load_account, member_for_slack_user, page_of, roster_of, wake

EmailLookup = Callable[[str], str | None]
"""Slack user id -> the email Slack knows for them (None when unknown)."""


def _person(m: models.Member) -> Person:
    return Person(
        member_id=m.id,
        name=m.name,
        email=m.email,
        slack_user_id=m.slack_user_id,
        is_admin=m.is_admin,
        active=m.status == MemberStatus.ACTIVE.value,
        added_at=m.added_at,
    )


def _active_admins(s: Session, account_id: int) -> tuple[Person, ...]:
    return tuple(_person(m) for m in queries.active_admins(s, account_id))


def find_member(db: Database, *, team: str, user_id: str) -> Person | None:
    """The member record carrying this Slack user id (NotFound when the workspace is not linked)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        m = member_for_slack_user(s, account.id, user_id)
        return _person(m) if m else None


def link_by_email(db: Database, *, team: str, user_id: str, email: str, now: datetime) -> Person | None:
    """Store `user_id` on the member with this email that has no Slack id yet; None if there is none."""
    address = email.strip().lower()
    if not address:
        return None
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            existing = member_for_slack_user(s, account.id, user_id)
            if existing is not None:  # linked meanwhile (another request of the same person)
                return _person(existing)
            m = s.scalar(
                select(models.Member).where(
                    models.Member.account_id == account.id,
                    func.lower(models.Member.email) == address,
                    models.Member.slack_user_id.is_(None),
                )
            )
            if m is None:
                return None
            m.slack_user_id = user_id
            m.updated_at = now
            audit(s, account.id, Actor.slack(user_id), AuditAction.MEMBER_LINKED, now, member=m.id, slack_user=user_id)
            return _person(m)
    except Clash:
        return find_member(db, team=team, user_id=user_id)


def resolve(db: Database, *, team: str, user_id: str, now: datetime, email_of: EmailLookup) -> Person | None:
    """The member this Slack user is: by Slack id, else by the email `email_of` returns (then linked)."""
    found = find_member(db, team=team, user_id=user_id)
    if found is not None:
        return found
    email = email_of(user_id)
    return link_by_email(db, team=team, user_id=user_id, email=email, now=now) if email else None


def known_viewer(s: Session, account: models.Account, user_id: str) -> Viewer | None:
    """The Viewer of a user whose member record carries their Slack id; None otherwise (see identify)."""
    known = member_for_slack_user(s, account.id, user_id)
    if known is None:
        return None
    return Viewer(account.slack_team_id, account.name, user_id, _person(known), _active_admins(s, account.id))


def identify(db: Database, *, team: str, user_id: str, now: datetime, email_of: EmailLookup) -> Viewer:
    """Who `user_id` is in the account of `team` (NotFound when the workspace is not linked)."""
    with db.transaction(read_only=True) as s:  # the usual case, in one read: known by their Slack id
        known = known_viewer(s, load_account(s, team), user_id)
        if known is not None:
            return known
    member = resolve(db, team=team, user_id=user_id, now=now, email_of=email_of)
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        return Viewer(
            team=team, account_name=account.name, user_id=user_id, member=member, admins=_active_admins(s, account.id)
        )


@dataclass(frozen=True)
class Resolved:
    members: dict[str, Person]
    """Slack user id -> member."""
    unknown: tuple[str, ...]
    """Slack user ids that match no member of the account."""


def resolve_many(db: Database, *, team: str, user_ids: Sequence[str], now: datetime, email_of: EmailLookup) -> Resolved:
    members: dict[str, Person] = {}
    unknown: list[str] = []
    for uid in dict.fromkeys(user_ids):
        person = resolve(db, team=team, user_id=uid, now=now, email_of=email_of)
        if person is None:
            unknown.append(uid)
        else:
            members[uid] = person
    return Resolved(members=members, unknown=tuple(unknown))


def admin_viewers_in(s: Session, account: models.Account) -> list[Viewer]:
    admins = _active_admins(s, account.id)
    return [Viewer(account.slack_team_id, account.name, p.slack_user_id, p, admins) for p in admins if p.slack_user_id]


def admin_user_ids(db: Database, *, team: str) -> list[str]:
    """Slack user ids of the active admins who have one (whose App Home we can refresh)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        return [p.slack_user_id for p in _active_admins(s, account.id) if p.slack_user_id]


def active_count(db: Database, *, team: str) -> int:
    """How many users are active (the Deactivate users modal picks its kind of list by it)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        return _active_count(s, account.id)


def _active_count(s: Session, account_id: int) -> int:
    return counters.active_members(s, account_id)


def active_people(db: Database, *, team: str, limit: int | None = None) -> list[Person]:
    """Active users, oldest first (for the Deactivate users modal of a small account); at most `limit`."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        query = (
            select(models.Member)
            .where(models.Member.account_id == account.id, models.Member.status == MemberStatus.ACTIVE.value)
            .order_by(models.Member.added_at, models.Member.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [_person(m) for m in s.scalars(query)]


SEARCH_LIMIT = 100
"""Slack shows at most 100 options of an external select."""
MAX_QUERY = 100
"""Longer type-ahead text is cut (member names are at most 200 characters)."""


def search_active(db: Database, *, team: str, text: str, limit: int = SEARCH_LIMIT) -> list[Person]:
    """Active users whose name or email contains `text` (any case): admins first, then by name; at most
    `limit` (the Deactivate users modal's type-ahead on a large account)."""
    needle = " ".join(text.split())[:MAX_QUERY].lower()
    like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    m = models.Member
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        query = select(m).where(m.account_id == account.id, m.status == MemberStatus.ACTIVE.value)
        if needle:
            query = query.where(
                or_(func.lower(m.name).like(like, escape="\\"), func.lower(m.email).like(like, escape="\\"))
            )
        rows = s.scalars(query.order_by(m.is_admin.desc(), func.lower(m.name), m.id).limit(max(1, min(limit, 100))))
        return [_person(r) for r in rows]


USERS_PAGE = 30
"""Users per page of `/licenses users` (30 lines of up to ~300 characters stay inside a message's budget)."""


def users_overview(db: Database, *, team: str, now: datetime, page: int = 1) -> UsersOverview:
    """One page (1-based) of the active users, oldest first, and who would go automatically (the first few);
    reads that page and a few rows, not every member."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        page_ = page_of(s, account, now)
        seats = page_.new_seat_count if page_.new_seat_count is not None else account.licensed_seats
        pages = max(1, -(-page_.active // USERS_PAGE))
        offset = (min(max(1, page), pages) - 1) * USERS_PAGE
        rows = s.scalars(
            select(models.Member)
            .where(models.Member.account_id == account.id, models.Member.status == MemberStatus.ACTIVE.value)
            .order_by(models.Member.added_at, models.Member.id)
            .offset(offset)
            .limit(USERS_PAGE)
        )
        automatic = page_.deactivation
        if automatic is None:  # no request: who would go if the renewal were processed at today's count
            roster = roster_of(s, account.id, seats, PREVIEW)
            automatic = policy.automatic_deactivations(roster, seats, preview=PREVIEW)
        return UsersOverview(
            page=page_,
            people=tuple(_person(m) for m in rows),
            seat_count=seats,
            automatic=automatic,
            offset=offset,
            page_size=USERS_PAGE,
        )


def store_timezone(
    db: Database, *, team: str, user_id: str, timezone: str | None, now: datetime, actor: Actor | None = None
) -> bool:
    """Store the Slack timezone of the member with this Slack id (from users.info or a `user_change` event).
    An unknown or missing zone keeps the one stored (the account's is used when none is). Returns whether it
    changed: then it is audited and the account's reminders are looked at again (their 09:00 moved)."""
    zone: str | None = None
    if timezone:
        try:
            zone = policy.check_timezone(timezone)
        except policy.PolicyError:
            zone = None
    try:
        with db.transaction() as s:
            account = load_account(s, team)
            member = member_for_slack_user(s, account.id, user_id)
            if member is None:
                return False
            member.timezone_checked_at = now
            if zone is None or zone == member.timezone:
                return False
            before, member.timezone = member.timezone, zone
            member.updated_at = now
            audit(
                s,
                account.id,
                actor or Actor.slack(user_id),
                AuditAction.MEMBER_TIMEZONE_CHANGED,
                now,
                member=member.id,
                before=before,
                timezone=zone,
            )
            wake(account, now)
            return True
    except NotFound:
        return False
