"""What the use cases return for the adapters to render (builders import these, never the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
