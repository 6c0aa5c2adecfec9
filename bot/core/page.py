"""The license page as data: what an admin sees, computed purely from a snapshot and `now`.

The CLI renders it as text (bot/cli/text.py), Slack as Block Kit (handlers/blocks/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.core import policy
from bot.core.policy import Deactivation, Member, Plan, Roster, Target

PREVIEW = 10
"""How many of the users who would be deactivated automatically a page or a message names; the rest are
counted ("and N more") and listed on demand, page by page (`LIST_PAGE`)."""
LIST_PAGE = 50
"""Names per page of a whole list shown on demand (the paged modal, `/licenses users --at-risk`)."""


@dataclass(frozen=True)
class AccountTerms:
    team_id: str
    name: str
    plan: Plan
    licensed_seats: int
    anchor: date
    timezone: str
    admin_channel: str | None = None
    price_per_seat: Decimal | None = None
    currency: str | None = None
    last_processed_renewal: date | None = None


@dataclass(frozen=True)
class PendingRequest:
    id: int
    seats_removed: int
    renewal: date
    requested_by: str
    requested_at: datetime
    announced: str | None = None
    """After a change of the request (a cancellation): the outbox key of the messages announcing it."""


@dataclass(frozen=True)
class TeamleaderLink:
    """The account's Teamleader directory sync as the license page shows it (no tokens, no Slack)."""

    reconnect_needed: bool
    """Teamleader revoked our access: members are not synced until an admin connects again."""
    since: datetime
    """When the status last changed (connected, or found revoked)."""
    last_sync_at: datetime | None
    last_error: str | None = None


@dataclass(frozen=True)
class LicensePage:
    terms: AccountTerms
    today: date
    next_renewal: date
    next_deadline: date
    days_to_deadline: int
    """Negative once the deadline of the next renewal has passed."""
    target: Target
    """The renewal a request made now would apply to."""
    roster: Roster
    """Every active admin and, with a pending request, the members it could deactivate."""
    pending: PendingRequest | None
    new_seat_count: int | None
    deactivation: Deactivation | None
    """Who the pending request would deactivate automatically if nothing changes."""
    saving: Decimal | None
    teamleader: TeamleaderLink | None = None
    """None: the account is not connected to Teamleader (members are kept by CSV import)."""
    unreachable_admins: tuple[str, ...] = ()
    """Active admins licensebot cannot reach in Slack (no Slack user id, none found by email): no DM, no Home."""
    unknown_added: int = 0
    """Active users with no known added date (policy.UNKNOWN_ADDED): last in line for automatic deactivation."""

    @property
    def active(self) -> int:
        return self.roster.active

    @property
    def admins(self) -> tuple[Member, ...]:
        return self.roster.admins

    @property
    def unused_seats(self) -> int:
        return max(0, self.terms.licensed_seats - self.active)


def new_seat_count(terms: AccountTerms, pending: PendingRequest | None) -> int | None:
    """The seat count from the renewal the pending request applies to; None without one."""
    return policy.seats_after(terms.licensed_seats, pending.seats_removed) if pending else None


def build_page(
    terms: AccountTerms,
    roster: Roster,
    pending: PendingRequest | None,
    now: datetime,
    teamleader: TeamleaderLink | None = None,
    *,
    preview: int | None = None,
    unreachable_admins: tuple[str, ...] = (),
    unknown_added: int = 0,
) -> LicensePage:
    today = policy.local_date(now, terms.timezone)
    upcoming = policy.renewal_on_or_after(terms.anchor, terms.plan, today)
    deadline = policy.deadline_for(upcoming)
    new_seats = new_seat_count(terms, pending)
    return LicensePage(
        terms=terms,
        today=today,
        next_renewal=upcoming,
        next_deadline=deadline,
        days_to_deadline=(deadline - today).days,
        target=policy.request_target(terms.anchor, terms.plan, now, terms.timezone),
        roster=roster,
        pending=pending,
        new_seat_count=new_seats,
        deactivation=(
            policy.automatic_deactivations(roster, new_seats, preview=preview) if new_seats is not None else None
        ),
        saving=policy.saving(pending.seats_removed, terms.price_per_seat, terms.plan) if pending else None,
        teamleader=teamleader,
        unreachable_admins=unreachable_admins,
        unknown_added=unknown_added,
    )
