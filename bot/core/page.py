"""The license page as data: what an admin sees, computed purely from a snapshot and `now`.

The CLI renders it as text (bot/cli/text.py), Slack as Block Kit (handlers/blocks/).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.core import lines, policy
from bot.core.lines import PACKAGE_LINE, LicenseLine, PackageTier
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
    line_id: int | None = None
    """The add-on line it reduces; None: the package's user licenses."""


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
class LineState:
    """One license line as the page shows it: licensed, assigned, unused, its pending change."""

    line: LicenseLine
    assigned: int
    pending: PendingRequest | None = None
    new_seat_count: int | None = None
    deactivation: Deactivation | None = None
    """Who loses a license of this line at the renewal if nothing changes (an add-on: the add-on only)."""
    saving: Decimal | None = None

    @property
    def unused(self) -> int:
        return max(0, self.line.licensed - self.assigned)


@dataclass(frozen=True)
class PendingSwitch:
    """A pending switch to a smaller package."""

    id: int
    to_tier: PackageTier
    renewal: date
    requested_by: str
    requested_at: datetime
    announced: str | None = None


@dataclass(frozen=True)
class PackageState:
    """The account's package: its tier, the smaller ones it may switch to, the pending switch and its effect."""

    tier: PackageTier | None
    smaller: tuple[PackageTier, ...] = ()
    pending: PendingSwitch | None = None
    lost_features: tuple[str, ...] = ()
    saving: Decimal | None = None


def package_state(
    terms: AccountTerms, tier: PackageTier | None, catalog: tuple[PackageTier, ...], pending: PendingSwitch | None
) -> PackageState:
    return PackageState(
        tier=tier,
        smaller=lines.smaller_tiers(tier, catalog),
        pending=pending,
        lost_features=lines.lost_features(tier, pending.to_tier) if tier and pending else (),
        saving=(
            lines.package_saving(terms.price_per_seat, pending.to_tier, terms.licensed_seats, terms.plan)
            if pending
            else None
        ),
    )


def addon_state(
    line: LicenseLine, roster: Roster, pending: PendingRequest | None, plan: Plan, *, preview: int | None = PREVIEW
) -> LineState:
    """An add-on line's state from its roster (the assignees, bounded as for the package line)."""
    new = policy.seats_after(line.licensed, pending.seats_removed) if pending else None
    return LineState(
        line=line,
        assigned=roster.active,
        pending=pending,
        new_seat_count=new,
        deactivation=policy.automatic_deactivations(roster, new, preview=preview) if new is not None else None,
        saving=lines.line_saving(pending.seats_removed, line, plan) if pending else None,
    )


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
    addons: tuple[LineState, ...] = ()
    """The add-on lines (none for an account with just its package's user licenses)."""
    package: PackageState | None = None
    """The named package (None: the account has no package from the catalog)."""

    @property
    def package_line(self) -> LineState:
        """The package's user licenses as a line (every active member holds one)."""
        t = self.terms
        name = self.package.tier.name if self.package and self.package.tier else ""
        return LineState(
            line=LicenseLine(key=PACKAGE_LINE, name=name, licensed=t.licensed_seats, price_per_seat=t.price_per_seat),
            assigned=self.active,
            pending=self.pending,
            new_seat_count=self.new_seat_count,
            deactivation=self.deactivation,
            saving=self.saving,
        )

    @property
    def lines(self) -> tuple[LineState, ...]:
        """Every line: the package's first, then the add-ons."""
        return (self.package_line, *self.addons)

    @property
    def multi_line(self) -> bool:
        return bool(self.addons)

    def line(self, key: str) -> LineState | None:
        return next((ls for ls in self.lines if ls.line.key == key), None)

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
    addons: tuple[LineState, ...] = (),
    package: PackageState | None = None,
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
        addons=addons,
        package=package,
    )
