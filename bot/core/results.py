"""What the use cases return for the adapters to render (builders import these, never the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from bot.core import policy
from bot.core.page import PendingRequest


@dataclass(frozen=True)
class Submitted:
    request: PendingRequest
    target: policy.Target
    new_seat_count: int
    deactivation: policy.Deactivation
    saving: Decimal | None


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


@dataclass(frozen=True)
class Deactivated:
    member_id: int
    name: str
    is_admin: bool


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

    @property
    def changed(self) -> bool:
        return self.request_id is not None
