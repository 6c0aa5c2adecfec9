"""Account settings (operator): `account add`, `account set`; the admin channel (an admin in Slack)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from bot import i18n
from bot.core import policy
from bot.core.audit import OPERATOR, Actor, AuditAction, MessageKind
from bot.core.errors import Conflict, UserError
from bot.core.ids import CHANNEL_ID
from bot.core.policy import Plan
from bot.core.text import clean_name
from bot.usecases.common import check_team_id, require_admin, require_operator
from bot.usecases.linking import placeholder_team
from bot.usecases.pending import Word, reconcile_pending, retarget_lines
from bot.usecases.ports import Announce, Database
from bot.worker import outbox
from store import models
from store.db import Clash
from store.queries import audit, load_account, terms_of, wake


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
    escalate: bool | None = None
    """Whether the d3 reminder escalates when users must still go and no admin acted since d7."""
    language: str | None = None
    """nl, fr or en (bot/i18n): the admin channel's posts, and people with no language of their own."""


def _apply_changes(account: models.Account, changes: AccountChanges) -> dict[str, Any]:
    """Validate and apply; returns what changed (for the audit log)."""
    new: dict[str, Any] = {}
    if changes.name is not None:
        name = clean_name(changes.name)
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
        if channel and not CHANNEL_ID.match(channel):
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
    if changes.escalate is not None:
        new["escalate"] = changes.escalate
    if changes.language is not None:
        lang = changes.language.strip().lower()
        if lang not in i18n.LOCALES:
            raise UserError(f"--language {changes.language!r} is not one of {', '.join(i18n.LANGUAGES)}")
        new["language"] = lang
    diff = {k: v for k, v in new.items() if getattr(account, k, None) != v}
    for key, value in diff.items():
        setattr(account, key, value)
    return {k: str(v) for k, v in diff.items()}


def _check_renews(renews: date | None, now: datetime, timezone: str) -> None:
    """`--renews` is the next renewal: a day already behind us is refused (it used to become next year's)."""
    today = policy.local_date(now, timezone)
    if renews is not None and renews < today:
        raise UserError(
            f"--renews {renews.isoformat()} is in the past (today is {today.isoformat()} in {timezone}): "
            "give the date of the next renewal"
        )


def add_account(
    db: Database, *, team: str | None, changes: AccountChanges, now: datetime, actor: Actor = OPERATOR
) -> int:
    """Add an account; returns its id. Without `team` it is not linked to Slack yet (a placeholder team
    id, bot/usecases/linking.py): a link code links it from Slack."""
    require_operator(actor)
    for flag, value in (
        ("--name", changes.name),
        ("--plan", changes.plan),
        ("--seats", changes.seats),
        ("--renews", changes.renews),
    ):
        if value is None:
            raise UserError(f"{flag} is required")
    team = check_team_id(team) if team is not None else placeholder_team()
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
            _check_renews(changes.renews, now, account.timezone)
            if account.price_per_seat is not None and account.currency is None:
                account.currency = "EUR"
                diff["currency"] = "EUR"
            s.add(account)
            s.flush()
            audit(s, account.id, actor, AuditAction.ACCOUNT_ADDED, now, **diff)
            return account.id
    except Clash:
        raise Conflict(f"an account for {team} exists already; change it with `licensebot account set`") from None


def update_account(
    db: Database,
    *,
    team: str,
    changes: AccountChanges,
    now: datetime,
    actor: Actor = OPERATOR,
    word: Word | None = None,
) -> dict[str, Any]:
    """Change the settings; a pending request follows the new seats or schedule (bot/usecases/pending.py),
    reported under the key "pending_request", or the change is refused (Conflict) and nothing is stored."""
    require_operator(actor)
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        seats_before = account.licensed_seats
        diff = _apply_changes(account, changes)
        _check_renews(changes.renews, now, account.timezone)
        if diff:
            moved = bool({"renewal_anchor", "plan", "timezone"} & set(diff))
            change = reconcile_pending(s, account, seats_before, now, word, schedule_changed=moved)
            if change is not None:
                diff["pending_request"] = change.summary
            lines_moved = retarget_lines(s, account, now) if moved else []
            if lines_moved:
                diff["pending_lines"] = "; ".join(lines_moved)
            account.updated_at = now
            wake(account, now)
            audit(s, account.id, actor, AuditAction.ACCOUNT_CHANGED, now, **diff)
        return diff


def set_admin_channel(
    db: Database, *, team: str, actor: Actor, channel: str, now: datetime, announce: Announce[str] | None = None
) -> str | None:
    """Make `channel` the admin channel; `announce` (given the channel) words the messages that tell about it,
    queued in the outbox with it. Returns their outbox key (None without `announce`)."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        if account.admin_channel != channel:
            audit(s, account.id, actor, AuditAction.ACCOUNT_CHANGED, now, admin_channel=channel)
            account.admin_channel = channel
            account.updated_at = now
            wake(account, now)  # the latest due reminder still reaches the new channel
        if announce is None:
            return None
        return outbox.announce(
            s,
            account_id=account.id,
            kind=MessageKind.CHANNEL,
            ref=f"{channel}:{uuid.uuid4().hex[:16]}",  # each time it is set, the channel is welcomed
            messages=announce(channel, terms_of(account)),
            now=now,
        )
