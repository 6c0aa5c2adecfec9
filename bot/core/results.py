"""What the use cases return for the adapters to render (builders import these, never the store)."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.core import policy
from bot.core.lines import LicenseLine
from bot.core.page import LicensePage, PendingRequest


@dataclass(frozen=True)
class Submitted:
    request: PendingRequest
    target: policy.Target
    new_seat_count: int
    deactivation: policy.Deactivation
    saving: Decimal | None
    announced: str | None = None
    """The outbox key of the messages announcing it (queued with it), when any."""
    line: LicenseLine | None = None
    """The add-on line it reduces (None: the package's user licenses)."""


@dataclass(frozen=True)
class DeactivationResult:
    deactivated: tuple[str, ...] = ()
    needs_consent: tuple[str, ...] = ()
    """Admins without written consent: not deactivated, the consent flow must run first."""
    already: tuple[str, ...] = ()
    last_admin: tuple[str, ...] = ()
    """Refused: the account would be left without an active admin."""
    pending: PendingRequest | None = None
    needs_consent_ids: tuple[int, ...] = field(default=())
    announced: str | None = None
    """The outbox key of the messages announcing it (queued with it), when any."""


@dataclass(frozen=True)
class ImportResult:
    """What `licensebot users import` did (the summary line)."""

    rows: int
    added: int
    updated: int
    inactive: tuple[str, ...] = ()
    """Rows naming a deactivated member: left deactivated (reactivating is its own step, seat count checked)."""
    admin_removed: tuple[str, ...] = ()
    """Admins whose admin flag the file removed (each had given written consent)."""
    addons_assigned: int = 0
    addons_removed: int = 0

    @property
    def summary(self) -> str:
        line = f"{policy.plural_of(self.rows, 'row')}, {self.added} added, {self.updated} updated"
        if self.addons_assigned or self.addons_removed:
            line += f", add-on licenses: {self.addons_assigned} assigned, {self.addons_removed} taken away"
        if self.admin_removed:
            line += f", admin rights removed from {', '.join(self.admin_removed)} (with their written consent)"
        if self.inactive:
            line += (
                f", {len(self.inactive)} deactivated and left so ({', '.join(self.inactive[:5])}"
                + (f" and {len(self.inactive) - 5} more" if len(self.inactive) > 5 else "")
                + "): reactivate with `licensebot users reactivate`"
            )
        return line


@dataclass(frozen=True)
class Deactivated:
    member_id: int
    name: str
    is_admin: bool


@dataclass(frozen=True)
class LineRenewal:
    """What a renewal did to one add-on line: its count dropped, the newest holders lost the add-on."""

    line: str
    request_id: int
    seats_before: int
    seats_after: int
    removed: tuple[Deactivated, ...]
    """Who lost the add-on (not the account), newest assignment first."""


@dataclass(frozen=True)
class SwitchApplied:
    change_id: int
    from_tier: str
    to_tier: str
    lost_features: tuple[str, ...]


@dataclass(frozen=True)
class RenewalOutcome:
    """What processing a renewal did (the summary message and the tick report are built from it)."""

    account_name: str
    timezone: str
    renewal: date
    processed_at: datetime
    late: bool
    request_id: int | None
    requested_by: str | None
    seats_before: int
    seats_after: int
    deactivated: tuple[Deactivated, ...]
    unresolved: int
    """Users still over the new count: only admins without consent (or the last admin) were left."""
    active_after: int
    addons: tuple[LineRenewal, ...] = ()
    switch: SwitchApplied | None = None

    @property
    def changed(self) -> bool:
        return self.request_id is not None or bool(self.addons) or self.switch is not None


@dataclass(frozen=True)
class Person:
    member_id: int
    name: str
    email: str
    slack_user_id: str | None
    is_admin: bool
    active: bool
    added_at: datetime


@dataclass(frozen=True)
class Viewer:
    """Who is looking at the license page, and whether they may change it."""

    team: str
    account_name: str
    user_id: str
    member: Person | None
    admins: tuple[Person, ...]
    """The account's active admins (to tell non-admins whom to ask)."""

    @property
    def is_admin(self) -> bool:
        return self.member is not None and self.member.is_admin and self.member.active


@dataclass(frozen=True)
class UsersOverview:
    page: LicensePage
    people: tuple[Person, ...]
    """One page of the active users, oldest first (`offset` of them come before)."""
    seat_count: int
    """The number of licenses the renewal would leave (after the pending request, if any)."""
    automatic: policy.Deactivation
    """Who would be deactivated automatically if the renewal were processed now (the first few named)."""
    offset: int = 0
    page_size: int = 0
    """0: `people` is the whole list."""

    @property
    def page_number(self) -> int:
        """1-based."""
        return self.offset // self.page_size + 1 if self.page_size else 1

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.page.active / self.page_size)) if self.page_size else 1


class ListKind(enum.StrEnum):
    """A whole list shown on demand, page by page."""

    AT_RISK = "at_risk"
    """Who would be deactivated automatically at the pending request's renewal, if nothing changes."""
    RENEWAL = "renewal"
    """Who was deactivated automatically when a renewal was processed."""


@dataclass(frozen=True)
class Listed:
    name: str
    is_admin: bool
    added_at: datetime


@dataclass(frozen=True)
class PagedList:
    """One page of a list of people (`ListKind`), as the paged modal and `/licenses users --at-risk` show it."""

    kind: ListKind
    account_name: str
    timezone: str
    renewal: date | None
    """The renewal the list is about (None: no request is pending)."""
    people: tuple[Listed, ...]
    page: int
    """0-based."""
    page_size: int
    total: int
    unresolved: int = 0
    """AT_RISK: users over the new count that cannot be chosen (only admins without consent are left)."""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def first(self) -> int:
        """The 1-based position of the page's first person."""
        return self.page * self.page_size + 1


@dataclass(frozen=True)
class ReminderNote:
    """How one recipient's reminder is worded (the worker decides it, bot/core/schedule.py)."""

    days_before: int
    """Which reminder: 14, 7, 3, 1, 0 days before the renewal."""
    days_left: int
    """Days from today (the account's) to the renewal: a snoozed reminder comes back later than its day."""
    for_channel: bool = False
    escalated: bool = False
    admins: tuple[str, ...] = ()
    """Slack ids of the active admins, mentioned in an escalated admin-channel post."""
    snooze_choices: tuple[int, ...] = ()
    """"Remind me later" in this many days (a DM of an early reminder)."""
    snoozed: bool = False
    """A snoozed reminder coming back."""
    renewal: date | None = None


@dataclass(frozen=True)
class Snoozed:
    """An admin's early reminder snoozed: it comes back to them at `until` (09:00 in `timezone`)."""

    renewal: date
    days_before: int
    until: datetime
    timezone: str


@dataclass(frozen=True)
class RequestChange:
    """An operator changed the seats or the renewal schedule under a pending request: what it became."""

    account_name: str
    timezone: str
    request_id: int
    requested_by: str
    seats_before: int
    """The licensed seats before the change."""
    seats_removed_before: int
    renewal_before: date
    licensed_seats: int
    """The licensed seats after the change."""
    seats_removed: int
    renewal: date
    deadline: date
    missed: date | None = None
    """The nearer renewal whose deadline had passed when the request was made (it moved past it)."""

    @property
    def keeps(self) -> int:
        return policy.seats_after(self.licensed_seats, self.seats_removed)

    @property
    def summary(self) -> str:
        """One line for the operator and the notification text."""
        parts = []
        if self.licensed_seats != self.seats_before:
            parts.append(
                f"the licenses changed from {self.seats_before} to {self.licensed_seats}, so it now removes "
                f"{policy.plural_of(self.seats_removed, 'license')} ({self.licensed_seats} → {self.keeps}; it was "
                f"{self.seats_removed_before})"
            )
        if self.renewal != self.renewal_before:
            moved = f"the renewal moved: it now applies to the renewal of {self.renewal.isoformat()}"
            moved += f" (was {self.renewal_before.isoformat()})"
            if self.missed is not None:
                moved += f"; the deadline for the renewal of {self.missed.isoformat()} had passed when it was made"
            parts.append(moved)
        return (
            f"pending request #{self.request_id} kept going to {policy.plural_of(self.keeps, 'license')}: "
            + "; ".join(parts)
        )


@dataclass(frozen=True)
class Reactivated:
    """A user reactivated by hand (it takes a free license; the seat count does not change)."""

    name: str
    active: int
    """Active users after it."""
    licensed_seats: int
    over_at_renewal: int = 0
    """With a pending request: how many more users must go by its renewal because of it (0: none)."""

    @property
    def summary(self) -> str:
        line = (
            f"{self.name} is active again: {policy.plural_of(self.active, 'active user')} for "
            f"{policy.plural_of(self.licensed_seats, 'license')}"
        )
        if self.over_at_renewal:
            line += (
                f"; with the pending request {policy.plural_of(self.over_at_renewal, 'user')} must still be "
                "deactivated by its renewal"
            )
        return line
