"""Tables. Times are stored in UTC (timezone-aware in Python, naive UTC on SQLite)."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.core.statuses import (
    ConsentStatus,
    DeactivatedHow,
    DeliveryStatus,
    MemberStatus,
    RequestStatus,
    TeamleaderStatus,
)
from store.secrets import SecretText

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: store timezone-aware instants only")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond)
        return datetime(utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second, utc.microsecond, tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}  # noqa: RUF012


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("plan IN ('quarterly', 'annual')", name="plan"),
        CheckConstraint("licensed_seats >= 1", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(16))
    licensed_seats: Mapped[int] = mapped_column(Integer)
    renewal_anchor: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    admin_channel: Mapped[str | None] = mapped_column(String(32))
    price_per_seat: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    reminder_days: Mapped[str] = mapped_column(String(64), default="14,7,3,1,0")
    """Days before the renewal on which admins are reminded (0 = the renewal day)."""
    last_processed_renewal: Mapped[date | None] = mapped_column(Date)
    escalate: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    """The d3 reminder escalates when users must still go and no admin acted since the d7 one."""
    next_tick_at: Mapped[datetime | None] = mapped_column(index=True)
    """When the background handler next looks at this account; None: at once (`queries.wake` sets now)."""
    slack_uninstalled_at: Mapped[datetime | None]
    package_tier_id: Mapped[int | None] = mapped_column(ForeignKey("package_tiers.id"))
    """The account's package in the operator's catalog (None: none named; the package line still counts)."""
    """OAuth mode: when the workspace uninstalled the app or revoked its tokens (None: installed, or
    single-workspace mode). Its messages wait in the outbox until it is installed again."""
    language: Mapped[str] = mapped_column(String(8), default="en", server_default=text("'en'"))
    """The account's language (nl, fr, en): admin-channel posts, and people with no choice nor Slack locale
    we speak (bot/i18n)."""
    active_members: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """How many of its members are active, kept exact by the database (triggers, migration 0013): the pages,
    the submission and the reminder decision read it instead of counting the members."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


TIMEZONE_DUE = "is_admin AND status = 'active' AND slack_user_id IS NOT NULL"
"""Members whose Slack timezone the worker keeps fresh (their reminder DMs go at 09:00 their time)."""


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("account_id", "email"),
        UniqueConstraint("account_id", "slack_user_id"),
        UniqueConstraint("account_id", "teamleader_id"),
        CheckConstraint(_in("status", MemberStatus), name="status"),
        CheckConstraint(f"deactivated_how IS NULL OR {_in('deactivated_how', DeactivatedHow)}", name="deactivated_how"),
        Index("ix_members_account_status_added", "account_id", "status", "added_at"),
        # Every license page reads the active admins (store/page_reads.py): a few rows, found without a walk.
        Index("ix_members_account_admin_status", "account_id", "is_admin", "status"),
        # The worker refreshes admins' Slack timezones, oldest check first: only those rows are in this index.
        Index(
            "ix_members_timezone_due",
            "timezone_checked_at",
            sqlite_where=text(TIMEZONE_DUE),
            postgresql_where=text(TIMEZONE_DUE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    teamleader_id: Mapped[str | None] = mapped_column(String(64))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.ACTIVE.value)
    deactivated_at: Mapped[datetime | None]
    deactivated_how: Mapped[str | None] = mapped_column(String(16))
    dm_channel: Mapped[str | None] = mapped_column(String(32))
    """The app's DM channel with this user (D…), learned from the first conversations.open: later
    messages skip that call. Cleared when a post to it fails (the next attempt opens it again)."""
    timezone: Mapped[str | None] = mapped_column(String(64))
    """The user's Slack timezone (users.info `tz`): their reminder DMs go at 09:00 there; None: the account's."""
    timezone_checked_at: Mapped[datetime | None]
    """When `timezone` was last read from Slack (the worker refreshes it; `user_change` events at once)."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReductionRequest(Base):
    __tablename__ = "reduction_requests"
    __table_args__ = (
        CheckConstraint(_in("status", RequestStatus), name="status"),
        CheckConstraint("seats_removed >= 1", name="seats_removed_positive"),
        # At most one pending request per line (the package line: line_id NULL), enforced by the database.
        Index(
            "uq_reduction_requests_one_pending",
            "account_id",
            "renewal_date",
            unique=True,
            sqlite_where=text("status = 'pending' AND line_id IS NULL"),
            postgresql_where=text("status = 'pending' AND line_id IS NULL"),
        ),
        Index(
            "uq_reduction_requests_one_pending_line",
            "line_id",
            unique=True,
            sqlite_where=text("status = 'pending' AND line_id IS NOT NULL"),
            postgresql_where=text("status = 'pending' AND line_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("license_lines.id"))
    """The add-on line it reduces; None: the package's user licenses."""
    seats_removed: Mapped[int] = mapped_column(Integer)
    seats_before: Mapped[int] = mapped_column(Integer)
    renewal_date: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(64))
    """Who asked: a Slack user id, or `cli`."""
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING.value)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None]


CONSENT_STATES = (
    "(status = 'requested' AND granted_at IS NULL AND declined_at IS NULL AND revoked_at IS NULL"
    " AND signature IS NULL)"
    " OR (status = 'declined' AND declined_at IS NOT NULL AND granted_at IS NULL AND revoked_at IS NULL"
    " AND signature IS NULL)"
    " OR (status = 'granted' AND revoked_at IS NULL AND declined_at IS NULL AND granted_at IS NOT NULL"
    " AND statement IS NOT NULL AND signature IS NOT NULL AND signed_by_user_id IS NOT NULL"
    " AND signed_by_team_id IS NOT NULL)"
    " OR (status = 'revoked' AND revoked_at IS NOT NULL AND declined_at IS NULL AND granted_at IS NOT NULL"
    " AND statement IS NOT NULL AND signature IS NOT NULL AND signed_by_user_id IS NOT NULL"
    " AND signed_by_team_id IS NOT NULL)"
)
"""Which fields each consent state has: a granted or revoked consent always carries its evidence."""


class AdminConsent(Base):
    """Written consent of an admin that their admin rights may be removed (see docs/consent.md).

    One row per request. `requested` -> `granted` | `declined`; `granted` -> `revoked`. Once answered the
    row is evidence: the database refuses to edit it (triggers, migration 0004) except for the one
    granted -> revoked transition, which only sets `status` and `revoked_at`.
    """

    __tablename__ = "admin_consents"
    __table_args__ = (
        CheckConstraint(_in("status", ConsentStatus), name="status"),
        CheckConstraint(CONSENT_STATES, name="state_fields"),
        # At most one open (requested) or granted consent per member, enforced by the database.
        Index(
            "uq_admin_consents_one_open",
            "member_id",
            unique=True,
            sqlite_where=text("status IN ('requested', 'granted')"),
            postgresql_where=text("status IN ('requested', 'granted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    effective_on: Mapped[date] = mapped_column(Date)
    """The renewal from which the admin's rights would be removed (stated in the consent text)."""
    status: Mapped[str] = mapped_column(String(16), default=ConsentStatus.REQUESTED.value)
    statement: Mapped[str | None] = mapped_column(Text)
    statement_language: Mapped[str | None] = mapped_column(String(8))
    """The language of the statement shown and signed (NULL before migration 0012: the English text)."""
    statement_version: Mapped[str | None] = mapped_column(String(32))
    """The version id of that statement's text in that language (bot/i18n/statements.py)."""
    signature: Mapped[str | None] = mapped_column(String(200))
    signed_by_user_id: Mapped[str | None] = mapped_column(String(32))
    signed_by_team_id: Mapped[str | None] = mapped_column(String(32))
    granted_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only: the database refuses UPDATE and DELETE on this table (see the migration)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_account_at", "account_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Delivery(Base):
    """The outbox: one Slack message for one occasion to one target (a channel id or a user id for a DM).

    Queued in the same transaction that decides it; UNIQUE(account_id, key, target) makes deciding the
    same occasion again a no-op. Sent by the worker (bot/worker/sender.py).
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("account_id", "key", "target"),
        CheckConstraint(_in("status", DeliveryStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # Only pending rows are ever looked up by time: a partial index stays small as sent rows pile up.
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    """The occasion, e.g. reminder:2027-01-01:d7, unused:2027-01-01, renewal:2027-01-01."""
    target: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column()
    """{"text": fallback text, "blocks": Block Kit blocks}"""
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(String(300))
    channel: Mapped[str | None] = mapped_column(String(32))
    """Where it was posted (the DM channel for a user target)."""
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class ReminderSnooze(Base):
    """An admin's "Remind me later" on an early reminder: it comes back to them at `until` (09:00 their time)."""

    __tablename__ = "reminder_snoozes"
    __table_args__ = (
        UniqueConstraint("member_id", "renewal_date", "days_before"),
        CheckConstraint("days_before >= 0", name="days_before"),
        Index("ix_reminder_snoozes_account_id_renewal_date", "account_id", "renewal_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    renewal_date: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    """Which reminder was snoozed (14, 7)."""
    snoozed_at: Mapped[datetime]
    until: Mapped[datetime]


class SlackPerson(Base):
    """A person in a Slack workspace, as far as their language goes: their own choice (`/licenses language`,
    the App Home selector) and their Slack locale (users.info include_locale, cached: `locale_checked_at`)."""

    __tablename__ = "slack_people"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    """Chosen by the person (None: not chosen; then the Slack locale, else the account's language)."""
    slack_locale: Mapped[str | None] = mapped_column(String(16))
    locale_checked_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class TeamleaderConnection(Base):
    """An account's OAuth2 link to Teamleader Focus. Tokens are encrypted at rest (store/secrets.py)."""

    __tablename__ = "teamleader_connections"
    __table_args__ = (
        CheckConstraint(_in("status", TeamleaderStatus), name="status"),
        CheckConstraint("sync_interval_minutes >= 1", name="interval_positive"),
        # Every worker pass looks for revocations not told yet: only those rows are in this index.
        Index(
            "ix_teamleader_connections_reconnect_due",
            "account_id",
            sqlite_where=text("status = 'reconnect_needed' AND reconnect_notified_at IS NULL"),
            postgresql_where=text("status = 'reconnect_needed' AND reconnect_notified_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    access_token: Mapped[str] = mapped_column(SecretText)
    refresh_token: Mapped[str] = mapped_column(SecretText)
    """Works once: a refresh returns a new pair, stored (committed) before the new access token is used."""
    access_expires_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(24), default=TeamleaderStatus.CONNECTED.value)
    status_changed_at: Mapped[datetime]
    reconnect_notified_at: Mapped[datetime | None]
    """When admins were told in Slack that a reconnect is needed (None: not yet)."""
    sync_interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    next_sync_at: Mapped[datetime | None] = mapped_column(index=True)
    last_sync_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    connected_at: Mapped[datetime]
    updated_at: Mapped[datetime]


from store import models_connect as _connect  # noqa: E402, F401  (so do the installation tables)
from store import models_lines as _lines  # noqa: E402, F401  (the line tables join the same metadata)
