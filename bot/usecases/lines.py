"""License lines and the package catalog: the operator's catalog and lines (CLI); an admin's package switch
is bot/usecases/switch.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from bot.core import lines, policy
from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import Conflict, NotFound, UserError
from bot.core.lines import LicenseLine, PackageTier
from bot.core.page import AccountTerms
from bot.usecases.common import require_operator
from bot.usecases.ports import Database
from store import counters
from store import lines as line_store
from store.db import Clash
from store.models_lines import LicenseLine as LineRow
from store.models_lines import PackageTier as TierRow
from store.queries import audit, load_account, pending_of, terms_of, wake

MAX_ADDON_LINES = 10
"""Add-on lines per account: the license page shows every line (two blocks each) within Block Kit's limits."""


def parse_price(text: str, flag: str = "--price-per-seat") -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise UserError(f"{flag} {text!r} is not an amount such as 12.50") from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")) or value >= 10**10:
        raise UserError(f"{flag} {text!r} must be an amount >= 0 with at most 2 decimals")
    return value


# --- the operator's catalog ---------------------------------------------------------------------


def save_tier(
    db: Database, *, name: str, rank: int, price: str, features: Sequence[str], now: datetime, actor: Actor = OPERATOR
) -> tuple[PackageTier, bool]:
    """Add a package to the catalog, or change the one with that name; (the tier, whether it is new)."""
    require_operator(actor)
    try:
        tier = lines.check_tier(name, rank, parse_price(price, "--price"), features)
    except policy.PolicyError as exc:
        raise UserError(str(exc)) from None
    try:
        with db.transaction() as s:
            row = line_store.tier_named(s, tier.name)
            clash = s.scalar(select(TierRow).where(TierRow.rank == tier.rank))
            if clash is not None and clash is not row:
                raise Conflict(f"the package {clash.name} has rank {tier.rank} already: each package has its own rank")
            new = row is None
            if row is None:
                row = TierRow(name=tier.name, created_at=now)
                s.add(row)
            row.rank, row.price_per_seat, row.features, row.updated_at = (
                tier.rank,
                tier.price_per_seat,
                list(tier.features),
                now,
            )
            audit(
                s,
                None,
                actor,
                AuditAction.PACKAGE_TIER_SAVED,
                now,
                name=tier.name,
                rank=tier.rank,
                price=str(tier.price_per_seat),
                features=list(tier.features),
            )
            return tier, new
    except Clash:
        raise Conflict(f"a package named {tier.name} or with rank {tier.rank} was added at the same time") from None


def list_tiers(db: Database) -> list[PackageTier]:
    with db.transaction(read_only=True) as s:
        return [line_store.as_tier(t) for t in line_store.catalog(s)]


def set_package(db: Database, *, team: str, name: str, now: datetime, actor: Actor = OPERATOR) -> PackageTier:
    """Give the account a package of the catalog: the package line's price becomes the tier's."""
    require_operator(actor)
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        row = line_store.tier_named(s, name)
        if row is None:
            names = ", ".join(t.name for t in line_store.catalog(s)) or "none yet (`licensebot package add`)"
            raise NotFound(f"no package named {name!r} in the catalog; the catalog has: {names}")
        if line_store.pending_switch_row(s, account.id) is not None:
            raise Conflict("a package switch is pending for this account: an admin cancels it first")
        before = account.package_tier_id
        account.package_tier_id = row.id
        account.price_per_seat = row.price_per_seat
        account.currency = account.currency or "EUR"
        account.updated_at = now
        wake(account, now)
        audit(
            s,
            account.id,
            actor,
            AuditAction.PACKAGE_SET,
            now,
            package=row.name,
            before=before,
            price_per_seat=str(row.price_per_seat),
        )
        return line_store.as_tier(row)


# --- the operator's lines -----------------------------------------------------------------------


def add_line(
    db: Database, *, team: str, name: str, seats: int, price: str | None, now: datetime, actor: Actor = OPERATOR
) -> LicenseLine:
    require_operator(actor)
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise UserError('--name must be 1 to 120 characters, e.g. "Lead capture Booster · Beyond users"')
    if seats < 1:
        raise UserError("--seats must be a whole number >= 1")
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            existing = line_store.addon_rows(s, account.id)
            if len(existing) >= MAX_ADDON_LINES:
                raise UserError(f"{team} has {MAX_ADDON_LINES} add-on lines already: that is the most an account has")
            if any(r.name.lower() == name.lower() for r in existing):
                raise Conflict(f"{team} has a line named {name} already; change it with `licensebot lines set`")
            row = LineRow(
                account_id=account.id,
                name=name,
                licensed_seats=seats,
                created_at=now,
                updated_at=now,
                price_per_seat=parse_price(price) if price is not None else None,
            )
            s.add(row)
            s.flush()
            wake(account, now)
            audit(
                s,
                account.id,
                actor,
                AuditAction.LINE_ADDED,
                now,
                line=row.id,
                name=name,
                seats=seats,
                price_per_seat=str(row.price_per_seat) if row.price_per_seat is not None else None,
            )
            return line_store.as_line(row)
    except Clash:
        raise Conflict(f"{team} has a line named {name} already") from None


def set_line(
    db: Database,
    *,
    team: str,
    line: int,
    now: datetime,
    name: str | None = None,
    seats: int | None = None,
    price: str | None = None,
    actor: Actor = OPERATOR,
) -> LicenseLine:
    require_operator(actor)
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        row = line_store.addon_row(s, account.id, line, lock=True)
        if row is None:
            raise NotFound(f"{team} has no add-on line {line} (`licensebot lines list --team {team}`)")
        diff: dict[str, object] = {}
        if name is not None:
            clean = " ".join(name.split())
            if not clean or len(clean) > 120:
                raise UserError("--name must be 1 to 120 characters")
            diff["name"] = row.name = clean
        if seats is not None:
            if seats < 1:
                raise UserError("--seats must be a whole number >= 1")
            pending = line_store.pending_line_row(s, row.id)
            if pending is not None and seats - (row.licensed_seats - pending.seats_removed) < 1:
                raise Conflict(
                    f"request #{pending.id} goes to {row.licensed_seats - pending.seats_removed} licenses of this "
                    f"line; with {seats} there is nothing left to remove: an admin cancels the request first"
                )
            if pending is not None:  # the request keeps the count the admins asked for (bot.core.rebase.rebase_request)
                pending.seats_removed = seats - (row.licensed_seats - pending.seats_removed)
                pending.seats_before, pending.updated_at = seats, now
            diff["seats"] = row.licensed_seats = seats
        if price is not None:
            row.price_per_seat = parse_price(price)
            diff["price_per_seat"] = str(row.price_per_seat)
        if diff:
            row.updated_at = now
            wake(account, now)
            audit(s, account.id, actor, AuditAction.LINE_CHANGED, now, line=row.id, **diff)
        return line_store.as_line(row)


@dataclass(frozen=True)
class LineListing:
    line: LicenseLine
    assigned: int
    pending_removal: int | None


def list_lines(db: Database, *, team: str) -> tuple[AccountTerms, list[LineListing]]:
    """Every line of the account, the package's first (its holders: every active member)."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        terms = terms_of(account)
        package = line_store.package_of(s, account.id, account.package_tier_id, terms)
        active = counters.active_members(s, account.id)
        pending = pending_of(s, account.id)
        name = package.tier.name if package and package.tier else ""
        out = [
            LineListing(
                LicenseLine(lines.PACKAGE_LINE, name, account.licensed_seats, account.price_per_seat),
                int(active or 0),
                pending.seats_removed if pending else None,
            )
        ]
        for row in line_store.addon_rows(s, account.id):
            p = line_store.pending_line_row(s, row.id)
            out.append(
                LineListing(
                    line_store.as_line(row), line_store.assigned_count(s, row.id), p.seats_removed if p else None
                )
            )
        return terms, out
