"""The state of an account's Teamleader link, for the license page, the worker's notices and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, select

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import UserError
from bot.core.statuses import TeamleaderStatus
from bot.teamleader.tokens import not_connected_message
from bot.usecases.common import require_admin
from store import models, queries
from store.db import Database
from store.queries import audit, load_account

MIN_INTERVAL = 5
MAX_INTERVAL = 7 * 24 * 60


@dataclass(frozen=True)
class ConnectionInfo:
    """What the license page shows. No tokens here."""

    status: TeamleaderStatus
    since: datetime
    """When the status last changed (connected, or found revoked)."""
    last_sync_at: datetime | None
    next_sync_at: datetime | None
    last_error: str | None
    """The one-line reason the last sync failed (None after a good sync)."""
    sync_interval_minutes: int

    @property
    def reconnect_needed(self) -> bool:
        return self.status is TeamleaderStatus.RECONNECT_NEEDED


def connection_status(db: Database, team: str) -> ConnectionInfo | None:
    """None: the account is not connected to Teamleader (its members are kept by CSV/CLI)."""
    with db.transaction() as s:
        account = load_account(s, team)
        conn = queries.teamleader_connection(s, account.id)
        if conn is None:
            return None
        return ConnectionInfo(
            status=TeamleaderStatus(conn.status),
            since=conn.status_changed_at,
            last_sync_at=conn.last_sync_at,
            next_sync_at=conn.next_sync_at,
            last_error=conn.last_error,
            sync_interval_minutes=conn.sync_interval_minutes,
        )


def describe(info: ConnectionInfo | None) -> str:
    """One line for the CLI (and a fallback text for Slack)."""
    if info is None:
        return "not connected to Teamleader"
    if info.reconnect_needed:
        return (
            f"Teamleader access was revoked on {info.since:%Y-%m-%d %H:%M} UTC: an admin must connect again; "
            "members are not synced until then"
        )
    last = f"{info.last_sync_at:%Y-%m-%d %H:%M} UTC" if info.last_sync_at else "never"
    line = f"connected to Teamleader; last sync {last}; every {info.sync_interval_minutes} minutes"
    if info.last_error:
        line += f"; the last try failed: {info.last_error}"
    return line


def reconnect_notices_due(db: Database) -> list[str]:
    """Teams whose Teamleader access was revoked and whose admins have not been told in Slack yet."""
    conn = models.TeamleaderConnection
    # Every worker pass runs this: the partial index ix_teamleader_connections_reconnect_due (its condition
    # written as literals, so that it applies), then the accounts by primary key, if any. A join made
    # SQLite scan every account.
    with db.transaction(read_only=True) as s:
        ids = s.scalars(
            select(conn.account_id).where(
                conn.status == literal(TeamleaderStatus.RECONNECT_NEEDED.value, literal_execute=True),
                conn.reconnect_notified_at.is_(None),
            )
        ).all()
        if not ids:
            return []
        rows = s.execute(
            select(models.Account.slack_team_id).where(models.Account.id.in_(ids)).order_by(models.Account.id)
        )
        return [team for (team,) in rows]


def mark_reconnect_notified(db: Database, team: str, now: datetime) -> None:
    """The worker told the admins (DMs, admin channel): do not tell them again until the next revocation."""
    with db.transaction() as s:
        account = load_account(s, team)
        conn = queries.teamleader_connection(s, account.id, lock=True)
        if conn is not None and conn.reconnect_notified_at is None:
            conn.reconnect_notified_at = now
            conn.updated_at = now


def set_sync_interval(db: Database, *, team: str, minutes: int, now: datetime, actor: Actor = OPERATOR) -> None:
    if not MIN_INTERVAL <= minutes <= MAX_INTERVAL:
        raise UserError(f"the sync interval must be {MIN_INTERVAL} to {MAX_INTERVAL} minutes, not {minutes}")
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        conn = queries.teamleader_connection(s, account.id, lock=True)
        if conn is None:
            raise UserError(not_connected_message(team))
        if conn.sync_interval_minutes == minutes:
            return
        audit(s, account.id, actor, AuditAction.TEAMLEADER_INTERVAL_CHANGED, now, minutes=minutes)
        conn.sync_interval_minutes = minutes
        base = conn.last_sync_at or now
        conn.next_sync_at = base + timedelta(minutes=minutes)
        conn.updated_at = now
