"""What a sync changes: a pure function from our members and Teamleader's users to a plan.

Rules (docs/teamleader.md):
- A user is matched to a member by Teamleader id, else by email (case-insensitive) among members not
  matched by id; a member matched by email gets the Teamleader id ("linked").
- An active user with no member is added (added date: now; on the first sync of an account it is unknown,
  policy.UNKNOWN_ADDED, so existing users are not all "added today"). Deactivated users are never added.
- Names and emails follow Teamleader. An email that another member holds (or another change wants)
  is left as it is and reported as a clash; a later sync settles it once the other side moved.
- A member whose user is deactivated in Teamleader, or who is no longer listed, is deactivated
  (how: teamleader). A member deactivated by Teamleader whose user is active again is reactivated.
  Members deactivated in licensebot (by hand, automatically) stay deactivated.
- The admin flag is never changed. At least one admin always remains: if a sync would leave no active
  admin, those admins are kept active and reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.statuses import DeactivatedHow
from bot.core.text import clean_name

NAME_LIMIT = 200


@dataclass(frozen=True)
class User:
    """One user of the Teamleader account, as users.list describes it."""

    id: str
    first_name: str
    last_name: str
    email: str | None
    status: str
    """"active" or "deactivated"."""

    @property
    def name(self) -> str:
        return clean_name(f"{self.first_name} {self.last_name}")

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class Known:
    """A stored member, as the sync sees it."""

    id: int
    teamleader_id: str | None
    email: str
    name: str
    active: bool
    is_admin: bool
    deactivated_how: str | None = None


@dataclass(frozen=True)
class Change:
    member_id: int
    name: str | None = None
    email: str | None = None
    teamleader_id: str | None = None


@dataclass(frozen=True)
class SyncPlan:
    add: tuple[User, ...] = ()
    change: tuple[Change, ...] = ()
    deactivate: tuple[int, ...] = ()
    reactivate: tuple[int, ...] = ()
    kept_admins: tuple[int, ...] = ()
    """Admins that would have been deactivated but are kept: the account keeps an active admin."""
    clashes: tuple[str, ...] = field(default=())
    """Teamleader ids whose email could not be stored (another member holds it) or who have no email."""

    @property
    def updated(self) -> int:
        """Members whose name or email changed."""
        return sum(1 for c in self.change if c.name is not None or c.email is not None)

    @property
    def linked(self) -> int:
        return sum(1 for c in self.change if c.teamleader_id is not None)

    @property
    def empty(self) -> bool:
        return not (self.add or self.change or self.deactivate or self.reactivate)


def _name(user: User, fallback: str) -> str:
    return (user.name or fallback)[:NAME_LIMIT]


def plan_sync(known: Sequence[Known], users: Sequence[User]) -> SyncPlan:
    # One entry per Teamleader id; active users first, so that they win an email match.
    unique = list({u.id: u for u in users}.values())
    ordered = sorted(unique, key=lambda u: not u.active)
    by_tl = {m.teamleader_id: m for m in known if m.teamleader_id}
    by_email = {m.email.lower(): m for m in known}

    matched: dict[int, User] = {}
    linked: set[int] = set()
    for user in ordered:
        m = by_tl.get(user.id)
        if m is not None:
            matched[m.id] = user
    seen_users = {u.id for u in matched.values()}
    for user in ordered:
        if user.id in seen_users or not user.email:
            continue
        m = by_email.get(user.email)
        if m is not None and m.id not in matched:
            matched[m.id] = user
            linked.add(m.id)
            seen_users.add(user.id)

    held = {m.email.lower() for m in known}
    wanted: set[str] = set()
    clashes: list[str] = []
    changes: list[Change] = []
    for m in known:
        tl = matched.get(m.id)
        if tl is None:
            continue
        name = _name(tl, m.name)
        email: str | None = None
        if tl.email and tl.email != m.email.lower():
            if tl.email in held or tl.email in wanted:
                clashes.append(tl.id)
            else:
                email = tl.email
                wanted.add(email)
        change = Change(
            member_id=m.id,
            name=name if name != m.name else None,
            email=email,
            teamleader_id=tl.id if m.id in linked else None,
        )
        if change != Change(member_id=m.id):
            changes.append(change)

    adds: list[User] = []
    for user in ordered:
        if user.id in seen_users or not user.active:
            continue
        if not user.email or user.email in held or user.email in wanted:
            clashes.append(user.id)
            continue
        wanted.add(user.email)
        adds.append(user)

    deactivate: list[int] = []
    reactivate: list[int] = []
    for m in known:
        tl = matched.get(m.id)
        if m.active and (tl is None or not tl.active):
            deactivate.append(m.id)
        elif not m.active and tl is not None and tl.active and m.deactivated_how == DeactivatedHow.TEAMLEADER:
            reactivate.append(m.id)

    kept: list[int] = []
    admins = {m.id for m in known if m.is_admin}
    active_admins_after = {m.id for m in known if m.is_admin and m.active} - set(deactivate) | (
        admins & set(reactivate)
    )
    if not active_admins_after:
        kept = [i for i in deactivate if i in admins]
        deactivate = [i for i in deactivate if i not in admins]

    return SyncPlan(
        add=tuple(adds),
        change=tuple(changes),
        deactivate=tuple(deactivate),
        reactivate=tuple(reactivate),
        kept_admins=tuple(kept),
        clashes=tuple(clashes),
    )
