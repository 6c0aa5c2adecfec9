"""The tables of license lines and the package catalog (issue 19), next to store/models.py.

The package's own line stays on the account row (`accounts.licensed_seats`, `accounts.price_per_seat`):
every account has exactly one package line, so its figures need no second home, and every read of today's
single seat count keeps working. `license_lines` holds the add-on lines; `line_assignments` who holds each
add-on (the package line is implicit: every active member holds one of its licenses). `package_tiers` is
the operator's catalog; `package_changes` the admins' requests to switch to a smaller one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.statuses import RequestStatus
from store.models import Base, _in


class PackageTier(Base):
    """One package of the operator's catalog (`licensebot package add`): a higher rank is a bigger package."""

    __tablename__ = "package_tiers"
    __table_args__ = (
        CheckConstraint("rank >= 0", name="rank_not_negative"),
        CheckConstraint("price_per_seat >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    rank: Mapped[int] = mapped_column(Integer, unique=True)
    price_per_seat: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    """Per user license per month."""
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LicenseLine(Base):
    """An add-on line of an account's license page, e.g. "Lead capture Booster · Beyond users"."""

    __tablename__ = "license_lines"
    __table_args__ = (
        UniqueConstraint("account_id", "name"),
        CheckConstraint("licensed_seats >= 1", name="seats_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    licensed_seats: Mapped[int] = mapped_column(Integer)
    price_per_seat: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    holders: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    """How many hold one of its licenses now (current assignments whose member is active), kept exact by the
    database (triggers, migration 0013): read instead of counted."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


ASSIGNED = "removed_at IS NULL"


class LineAssignment(Base):
    """A member holds one license of an add-on line from `assigned_at`; `removed_at` when they lost it (the
    renewal took it, newest assignment first, or an import dropped it). Rows are kept as the history."""

    __tablename__ = "line_assignments"
    __table_args__ = (
        # One current assignment per member and line; the newest-first walk reads this index.
        Index(
            "uq_line_assignments_current",
            "line_id",
            "member_id",
            unique=True,
            sqlite_where=text(ASSIGNED),
            postgresql_where=text(ASSIGNED),
        ),
        Index("ix_line_assignments_line_assigned", "line_id", "assigned_at"),
        # The newest current holders (the page, the renewal): ties on assigned_at by member, from the index.
        Index(
            "ix_line_assignments_current_newest",
            "line_id",
            "assigned_at",
            "member_id",
            sqlite_where=text(ASSIGNED),
            postgresql_where=text(ASSIGNED),
        ),
        Index("ix_line_assignments_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("license_lines.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    assigned_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
    removed_how: Mapped[str | None] = mapped_column(String(16))
    """`automatic` (the renewal) or `import`."""


class PackageChange(Base):
    """An admin's request to switch to a smaller package at a renewal (cancellable until it is processed)."""

    __tablename__ = "package_changes"
    __table_args__ = (
        CheckConstraint(_in("status", RequestStatus), name="status"),
        # One pending package change per account (and so per renewal), enforced by the database.
        Index(
            "uq_package_changes_one_pending",
            "account_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    from_tier_id: Mapped[int] = mapped_column(ForeignKey("package_tiers.id"))
    to_tier_id: Mapped[int] = mapped_column(ForeignKey("package_tiers.id"))
    price_before: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    renewal_date: Mapped[date] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.PENDING.value)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None]
