"""The states of the domain's records, as the rules and the store both know them (stored as their values)."""

from __future__ import annotations

import enum


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


class DeactivatedHow(enum.StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"
    TEAMLEADER = "teamleader"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    CANCELLED = "cancelled"
    APPLIED = "applied"


class ConsentStatus(enum.StrEnum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DECLINED = "declined"
    REVOKED = "revoked"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class TeamleaderStatus(enum.StrEnum):
    CONNECTED = "connected"
    RECONNECT_NEEDED = "reconnect_needed"
    """Teamleader refused our refresh token (revoked): an admin must connect again."""
