"""Use cases: the steps between the pure policy and the adapters (CLI, Slack, worker).

Each use case is one transaction and writes the audit log. Callers pass `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot import policy
from bot.csvimport import MemberRow
from bot.errors import Conflict, Invalid, NotAllowed, NotFound, Unavailable, UserError
from bot.page import AccountTerms, LicensePage, PendingRequest, TeamleaderLink, build_page
from bot.policy import Plan
from store import models
from store.db import Database
from store.models import ConsentStatus, DeactivatedHow, MemberStatus, RequestStatus, TeamleaderStatus


@dataclass(frozen=True)
class Actor:
    """Who acts: an operator at the CLI (trusted), or a Slack user (must be an admin to change things)."""

    label: str
    slack_user_id: str | None = None
    operator: bool = False

    @classmethod
    def slack(cls, user_id: str) -> Actor:
        return cls(label=user_id, slack_user_id=user_id)


OPERATOR = Actor(label="cli", operator=True)


# --- account settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountChanges:
    """Settings given to `account add` / `account set`; None means "leave as it is"."""

    name: str | None = None
    plan: str | None = None
    seats: int | None = None
    renews: date | None = None
    timezone: str | None = None
    admin_channel: str | None = None
    price_per_seat: str | None = None
    currency: str | None = None


def _apply_changes(account: models.Account, changes: AccountChanges) -> dict[str, Any]:
    """Validate and apply; returns what changed (for the audit log)."""
    new: dict[str, Any] = {}
    if changes.name is not None:
        name = changes.name.strip()
        if not name or len(name) > 200:
            raise UserError("--name must be 1 to 200 characters")
        new["name"] = name
    if changes.plan is not None:
        new["plan"] = Plan.parse(changes.plan).value
    if changes.seats is not None:
        if changes.seats < 1:
            raise UserError("--seats must be a whole number >= 1")
        new["licensed_seats"] = changes.seats
    if changes.renews is not None:
        new["renewal_anchor"] = changes.renews
    if changes.timezone is not None:
        new["timezone"] = policy.check_timezone(changes.timezone)
    if changes.admin_channel is not None:
        channel = changes.admin_channel.strip()
        if channel and not (channel[:1] in "CG" and channel[1:].isalnum() and channel.isupper()):
            raise UserError(f"--admin-channel {channel!r} is not a Slack channel id (like C0123ABCD)")
        new["admin_channel"] = channel or None
    if changes.price_per_seat is not None:
        try:
            price = Decimal(changes.price_per_seat)
        except InvalidOperation:
            raise UserError(f"--price-per-seat {changes.price_per_seat!r} is not a number") from None
        if not price.is_finite() or price < 0 or price >= Decimal("1e10"):
            raise UserError("--price-per-seat must be a number from 0 to 9999999999.99")
        new["price_per_seat"] = price.quantize(Decimal("0.01"))
    if changes.currency is not None:
        cur = changes.currency.strip().upper()
        if len(cur) != 3 or not cur.isalpha():
            raise UserError(f"--currency {changes.currency!r} is not a 3-letter code such as EUR")
        new["currency"] = cur
    diff = {k: v for k, v in new.items() if getattr(account, k, None) != v}
    for key, value in diff.items():
        setattr(account, key, value)
    return {k: str(v) for k, v in diff.items()}


def add_account(db: Database, *, team: str, changes: AccountChanges, now: datetime, actor: Actor = OPERATOR) -> None:
    _require_operator(actor)
    for flag, value in (
        ("--name", changes.name),
        ("--plan", changes.plan),
        ("--seats", changes.seats),
        ("--renews", changes.renews),
    ):
        if value is None:
            raise UserError(f"{flag} is required")
    team = _team_id(team)
    try:
        with db.transaction() as s:
            if s.scalar(select(models.Account.id).where(models.Account.slack_team_id == team)) is not None:
                raise Conflict(f"an account for {team} exists already; change it with `licensebot account set`")
            account = models.Account(
                slack_team_id=team,
                timezone="UTC",
                reminder_days="14,7,3,1,0",
                created_at=now,
                updated_at=now,
                next_tick_at=now,  # due at once: the worker works out its schedule
            )
            diff = _apply_changes(account, changes)
            if account.price_per_seat is not None and account.currency is None:
                account.currency = "EUR"
                diff["currency"] = "EUR"
            s.add(account)
            s.flush()
            audit(s, account.id, actor, "account.added", now, **diff)
    except IntegrityError:
        raise Conflict(f"an account for {team} exists already; change it with `licensebot account set`") from None


def update_account(
    db: Database, *, team: str, changes: AccountChanges, now: datetime, actor: Actor = OPERATOR
) -> dict[str, Any]:
    _require_operator(actor)
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        diff = _apply_changes(account, changes)
        if diff:
            account.updated_at = now
            wake(account, now)
            audit(s, account.id, actor, "account.changed", now, **diff)
        return diff


def import_members(
    db: Database, *, team: str, rows: Sequence[MemberRow], now: datetime, actor: Actor = OPERATOR
) -> tuple[int, int]:
    """Upsert members by email in one transaction. Returns (added, updated)."""
    _require_operator(actor)
    added = updated = 0
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            existing = {
                m.email: m for m in s.scalars(select(models.Member).where(models.Member.account_id == account.id))
            }
            for row in rows:
                member = existing.get(row.email)
                if member is None:
                    s.add(
                        models.Member(
                            account_id=account.id,
                            email=row.email,
                            name=row.name,
                            slack_user_id=row.slack_user_id,
                            is_admin=row.admin,
                            added_at=row.added_at,
                            status=MemberStatus.ACTIVE.value,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    added += 1
                    continue
                fields = {"name": row.name, "is_admin": row.admin, "added_at": row.added_at}
                if row.slack_user_id:
                    fields["slack_user_id"] = row.slack_user_id
                changed = {k: v for k, v in fields.items() if getattr(member, k) != v}
                if changed:
                    for k, v in changed.items():
                        setattr(member, k, v)
                    member.updated_at = now
                    updated += 1
            s.flush()
            wake(account, now)
            audit(s, account.id, actor, "members.imported", now, added=added, updated=updated, rows=len(rows))
    except IntegrityError as exc:
        raise UserError(
            f"the file clashes with members already stored (a Slack user id used twice?): {exc.orig}"
        ) from None
    return added, updated


# --- reading ------------------------------------------------------------------------------------


def license_page(db: Database, *, team: str, now: datetime) -> LicensePage:
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        return build_page(
            terms_of(account),
            policy_members(s, account.id),
            pending_of(s, account.id),
            now,
            teamleader=teamleader_link(s, account.id),
        )


def teamleader_link(s: Session, account_id: int) -> TeamleaderLink | None:
    """The account's Teamleader sync as the license page shows it; None when it is not connected."""
    conn = s.scalar(select(models.TeamleaderConnection).where(models.TeamleaderConnection.account_id == account_id))
    if conn is None:
        return None
    return TeamleaderLink(
        reconnect_needed=conn.status == TeamleaderStatus.RECONNECT_NEEDED.value,
        since=conn.status_changed_at,
        last_sync_at=conn.last_sync_at,
        last_error=conn.last_error,
    )


def request_target(db: Database, *, team: str, now: datetime) -> policy.Target:
    """The renewal a reduction requested at `now` applies to: the account's terms only, no members."""
    with db.transaction(read_only=True) as s:
        terms = terms_of(load_account(s, team))
    return policy.request_target(terms.anchor, terms.plan, now, terms.timezone)


def history(db: Database, *, team: str, limit: int = 20) -> list[models.AuditEntry]:
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        return list(
            s.scalars(
                select(models.AuditEntry)
                .where(models.AuditEntry.account_id == account.id)
                .order_by(models.AuditEntry.at.desc(), models.AuditEntry.id.desc())
                .limit(limit)
            )
        )


# --- changing seats and users -------------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    request: PendingRequest
    target: policy.Target
    new_seat_count: int
    deactivation: policy.Deactivation
    saving: Decimal | None


def submit_reduction(db: Database, *, team: str, actor: Actor, seats: object, now: datetime) -> Submitted:
    """Request to remove `seats` licenses at the next renewal whose deadline has not passed."""
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            require_admin(s, account, actor)
            members = policy_members(s, account.id)
            problems = policy.validate_reduction(seats, account.licensed_seats, members)
            if problems:
                raise Invalid(problems)
            n = policy.parse_seat_count(seats)
            assert n is not None
            existing = pending_of(s, account.id)
            if existing is not None:
                raise Conflict(_existing_message(existing))
            terms = terms_of(account)
            target = policy.request_target(terms.anchor, terms.plan, now, terms.timezone)
            row = models.ReductionRequest(
                account_id=account.id,
                seats_removed=n,
                seats_before=account.licensed_seats,
                renewal_date=target.renewal,
                requested_by=actor.label,
                status=RequestStatus.PENDING.value,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            wake(account, now)
            audit(
                s,
                account.id,
                actor,
                "request.submitted",
                now,
                request=row.id,
                seats_removed=n,
                renewal=str(target.renewal),
            )
            new_count = account.licensed_seats - n
            return Submitted(
                request=_pending(row),
                target=target,
                new_seat_count=new_count,
                deactivation=policy.automatic_deactivations(members, new_count),
                saving=policy.saving(n, terms.price_per_seat, terms.plan),
            )
    except IntegrityError:
        # Another submission won the race: the database allows one pending request per renewal.
        with db.transaction() as s:
            account = load_account(s, team)
            existing = pending_of(s, account.id)
        raise Conflict(
            _existing_message(existing)
            if existing
            else "a request was submitted at the same time; look at the license page"
        ) from None


def cancel_request(
    db: Database, *, team: str, actor: Actor, now: datetime, request_id: int | None = None
) -> PendingRequest:
    """Cancel the pending request (until the renewal is processed it stays cancellable)."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        row = _pending_row(s, account.id)
        if row is None or (request_id is not None and row.id != request_id):
            raise NotFound(
                "There is no pending license reduction to cancel (it may have been cancelled or applied already)."
            )
        row.status = RequestStatus.CANCELLED.value
        row.cancelled_at = now
        row.cancelled_by = actor.label
        row.updated_at = now
        wake(account, now)
        audit(
            s,
            account.id,
            actor,
            "request.cancelled",
            now,
            request=row.id,
            seats_removed=row.seats_removed,
            renewal=str(row.renewal_date),
        )
        return _pending(row)


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


def deactivate_members(
    db: Database, *, team: str, actor: Actor, member_ids: Sequence[int], now: datetime
) -> DeactivationResult:
    """Deactivate users by hand. This does not lower the number of licenses."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        rows = list(
            s.scalars(
                select(models.Member).where(models.Member.account_id == account.id, models.Member.id.in_(member_ids))
            )
        )
        if len(rows) != len(set(member_ids)):
            raise NotFound("Some of those users are not members of this account.")
        consented = consented_member_ids(s, account.id)
        active_admins = s.scalars(
            select(models.Member.id).where(
                models.Member.account_id == account.id,
                models.Member.is_admin.is_(True),
                models.Member.status == MemberStatus.ACTIVE.value,
            )
        ).all()
        admins_left = len(active_admins)
        done: list[str] = []
        needs: list[models.Member] = []
        already: list[str] = []
        last: list[str] = []
        for m in sorted(rows, key=lambda r: r.id):
            if m.status != MemberStatus.ACTIVE.value:
                already.append(m.name)
            elif m.is_admin and m.id not in consented:
                needs.append(m)
            elif m.is_admin and admins_left <= 1:
                last.append(m.name)
            else:
                if m.is_admin:
                    admins_left -= 1
                m.status = MemberStatus.DEACTIVATED.value
                m.deactivated_at = now
                m.deactivated_how = DeactivatedHow.MANUAL.value
                m.updated_at = now
                done.append(m.name)
                audit(s, account.id, actor, "member.deactivated", now, member=m.id, name=m.name, how="manual")
        if done:
            wake(account, now)
        return DeactivationResult(
            deactivated=tuple(done),
            needs_consent=tuple(m.name for m in needs),
            already=tuple(already),
            last_admin=tuple(last),
            pending=pending_of(s, account.id),
            needs_consent_ids=tuple(m.id for m in needs),
        )


def set_admin_channel(db: Database, *, team: str, actor: Actor, channel: str, now: datetime) -> None:
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        if account.admin_channel != channel:
            audit(s, account.id, actor, "account.changed", now, admin_channel=channel)
            account.admin_channel = channel
            account.updated_at = now
            wake(account, now)  # the latest due reminder still reaches the new channel


# --- helpers shared by the use cases ------------------------------------------------------------


def wake(account: models.Account, now: datetime) -> None:
    """Something that decides what is due changed: the background handler looks at the account now.

    The worker picks accounts with a plain indexed `next_tick_at <= now`, so this sets an instant,
    never None.
    """
    if account.next_tick_at is None or account.next_tick_at > now:
        account.next_tick_at = now


def load_account(s: Session, team: str, *, lock: bool = False) -> models.Account:
    query = select(models.Account).where(models.Account.slack_team_id == team)
    if lock:
        query = query.with_for_update()
    account = s.scalar(query)
    if account is None:
        raise NotFound(
            f"No licensebot account is linked to the Slack workspace {team}. "
            f"An operator links it with `licensebot account add --team {team} ...`."
        )
    return account


def terms_of(account: models.Account) -> AccountTerms:
    return AccountTerms(
        team_id=account.slack_team_id,
        name=account.name,
        plan=Plan(account.plan),
        licensed_seats=account.licensed_seats,
        anchor=account.renewal_anchor,
        timezone=account.timezone,
        admin_channel=account.admin_channel,
        price_per_seat=account.price_per_seat,
        currency=account.currency,
        last_processed_renewal=account.last_processed_renewal,
    )


def consented_member_ids(s: Session, account_id: int) -> set[int]:
    return set(
        s.scalars(
            select(models.AdminConsent.member_id).where(
                models.AdminConsent.account_id == account_id,
                models.AdminConsent.status == ConsentStatus.GRANTED.value,
            )
        )
    )


def policy_members(s: Session, account_id: int, *, active_only: bool = False) -> list[policy.Member]:
    consented = consented_member_ids(s, account_id)
    m = models.Member
    # Plain rows, not ORM objects: a third of the cost at 1,000 members (every license page reads them all).
    query = select(m.id, m.name, m.added_at, m.is_admin, m.status).where(m.account_id == account_id)
    if active_only:
        query = query.where(m.status == MemberStatus.ACTIVE.value)
    active = MemberStatus.ACTIVE.value
    return [
        policy.Member(
            id=id_, name=name, added_at=added_at, is_admin=is_admin, consented=id_ in consented, active=status == active
        )
        for id_, name, added_at, is_admin, status in s.execute(query.order_by(m.added_at, m.id))
    ]


def _pending_row(s: Session, account_id: int) -> models.ReductionRequest | None:
    return s.scalar(
        select(models.ReductionRequest)
        .where(
            models.ReductionRequest.account_id == account_id,
            models.ReductionRequest.status == RequestStatus.PENDING.value,
        )
        .order_by(models.ReductionRequest.renewal_date)
        .limit(1)
    )


def pending_of(s: Session, account_id: int) -> PendingRequest | None:
    row = _pending_row(s, account_id)
    return _pending(row) if row else None


def _pending(row: models.ReductionRequest) -> PendingRequest:
    return PendingRequest(
        id=row.id,
        seats_removed=row.seats_removed,
        renewal=row.renewal_date,
        requested_by=row.requested_by,
        requested_at=row.created_at,
    )


def _existing_message(existing: PendingRequest) -> str:
    return (
        f"A request to remove {existing.seats_removed} license{'s' if existing.seats_removed != 1 else ''} "
        f"at the renewal of {existing.renewal.isoformat()} is already pending (request #{existing.id}). "
        "Cancel it first (`/licenses cancel`), then request the number you want."
    )


def member_for_slack_user(s: Session, account_id: int, user_id: str) -> models.Member | None:
    return s.scalar(
        select(models.Member).where(models.Member.account_id == account_id, models.Member.slack_user_id == user_id)
    )


def require_admin(s: Session, account: models.Account, actor: Actor) -> models.Member | None:
    """The acting admin's member record (None for the operator); NotAllowed for anybody else."""
    if actor.operator:
        return None
    member = member_for_slack_user(s, account.id, actor.slack_user_id or "")
    if member is None or not member.is_admin or member.status != MemberStatus.ACTIVE.value:
        names = s.scalars(
            select(models.Member.name).where(
                models.Member.account_id == account.id,
                models.Member.is_admin.is_(True),
                models.Member.status == MemberStatus.ACTIVE.value,
            )
        ).all()
        who = ", ".join(names) if names else "nobody yet"
        raise NotAllowed(f"Only account admins can change licenses. The admins of {account.name} are: {who}.")
    return member


def _require_operator(actor: Actor) -> None:
    if not actor.operator:
        raise NotAllowed("only an operator (the licensebot command line) can do this")


def _team_id(team: str) -> str:
    team = team.strip()
    if not (team[:1] in "TE" and len(team) >= 3 and team.isalnum() and team.isupper()):
        raise UserError(f"--team {team!r} is not a Slack team id (like T0123ABCD)")
    return team


def audit(s: Session, account_id: int | None, actor: Actor, action: str, now: datetime, **details: Any) -> None:
    """Append one entry to the audit log (the only way anything writes to it)."""
    s.add(models.AuditEntry(account_id=account_id, at=now, actor=actor.label, action=action, details=details))


def guard_database(exc: BaseException) -> BaseException:
    """Map a lost database connection to Unavailable (callers say "nothing was saved, try again")."""
    if isinstance(exc, OperationalError):
        return Unavailable(str(exc.orig))
    return exc
