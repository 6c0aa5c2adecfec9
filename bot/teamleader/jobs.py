"""What the background worker calls (docs/teamleader.md, "For the worker").

- every pass: `run_due_syncs(db, now)` syncs each connected account whose `next_sync_at` has come
  (per-account interval, default 60 minutes); one account's failure never stops the others;
- as `before_renewal` (bot.worker.tick.BeforeRenewal): `before_renewal(db, team, now)` syncs the
  account right before a renewal is processed, so the automatic deactivation works on fresh data;
- for the Slack notices: `status.reconnect_notices_due(db)` / `status.mark_reconnect_notified(...)`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot import metrics
from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.statuses import TeamleaderStatus
from bot.teamleader.client import TeamleaderClient, TeamleaderError, client_from_env
from bot.teamleader.settings import NotConfigured
from bot.teamleader.sync import SyncReport, sync_account
from bot.teamleader.tokens import ReconnectNeeded
from store import models, queries
from store.db import Database
from store.queries import load_account

log = logging.getLogger(__name__)

WORKER = Actor(label="worker", operator=True)
FRESH_FOR = timedelta(hours=6)
"""Before a renewal: if Teamleader cannot be reached, members synced this recently are good enough;
older ones make the renewal wait (the worker retries) rather than deactivate on stale data."""


@dataclass(frozen=True)
class SyncOutcome:
    """One account's scheduled sync: a report, or the one-line reason it failed."""

    team: str
    report: SyncReport | None = None
    error: str | None = None
    reconnect_needed: bool = False


def sync_due(db: Database, now: datetime) -> list[str]:
    """Teams of connected accounts whose next sync time has come (earliest first)."""
    conn = models.TeamleaderConnection
    connected = conn.status == TeamleaderStatus.CONNECTED.value
    # Every worker pass runs this: the due connections by the index on next_sync_at (NULL, then <= now),
    # then their accounts by primary key. A join let SQLite scan every account.
    with db.transaction(read_only=True) as s:
        unset = s.scalars(select(conn.account_id).where(conn.next_sync_at.is_(None), connected)).all()
        timed = s.scalars(
            select(conn.account_id)
            .where(conn.next_sync_at <= now, connected)
            .order_by(conn.next_sync_at, conn.account_id)
        ).all()
        order = [*sorted(unset), *timed]
        if not order:
            return []
        teams = dict(
            s.execute(select(models.Account.id, models.Account.slack_team_id).where(models.Account.id.in_(order))).all()
        )
    return [teams[account_id] for account_id in order if account_id in teams]


def _outcome(db: Database, team: str, client: TeamleaderClient, now: datetime) -> SyncOutcome:
    outcome = _sync(db, team, client, now)
    result = "ok" if outcome.report is not None else "reconnect_needed" if outcome.reconnect_needed else "failed"
    metrics.TEAMLEADER_SYNCS.labels(outcome=result).inc()
    return outcome


def _sync(db: Database, team: str, client: TeamleaderClient, now: datetime) -> SyncOutcome:
    try:
        return SyncOutcome(team, report=sync_account(db, team=team, client=client, now=now, actor=WORKER))
    except ReconnectNeeded as exc:
        return SyncOutcome(team, error=exc.message, reconnect_needed=True)
    except UserError as exc:
        log.warning("teamleader sync of %s failed: %s", team, exc.message)
        return SyncOutcome(team, error=exc.message)


def _client(client: TeamleaderClient | None) -> TeamleaderClient | None:
    if client is not None:
        return client
    try:
        return client_from_env()
    except NotConfigured as exc:
        log.debug("teamleader: %s", exc.message)
        return None


def run_due_syncs(db: Database, now: datetime, client: TeamleaderClient | None = None) -> list[SyncOutcome]:
    """Sync every account that is due. Without TEAMLEADER_* settings (and no `client`): nothing, []."""
    due = sync_due(db, now)
    if not due:
        return []
    real = _client(client)
    if real is None:
        log.error("teamleader: %d connected account(s) due for a sync, but Teamleader is not configured", len(due))
        return []
    return [_outcome(db, team, real, now) for team in due]


def before_renewal(db: Database, team: str, now: datetime, *, client: TeamleaderClient | None = None) -> None:
    """Sync right before a renewal is processed (the worker's `before_renewal` hook).

    Returns (the renewal goes ahead) when the account is not connected, when an admin must reconnect
    (the admins were told; the members are as last synced), or when the sync worked. Raises a one-line
    TeamleaderError, so that the worker tries again later, when Teamleader failed and the members were
    last synced more than FRESH_FOR ago.
    """
    with db.transaction() as s:
        account = load_account(s, team)
        conn = queries.teamleader_connection(s, account.id)
        if conn is None:
            return
        reconnect = conn.status != TeamleaderStatus.CONNECTED.value
    if reconnect:
        log.warning("teamleader: %s renews on members as last synced: an admin must reconnect Teamleader", team)
        return
    real = _client(client)
    if real is None:
        raise TeamleaderError(f"{team} is connected to Teamleader but TEAMLEADER_CLIENT_ID/SECRET are not set")
    outcome = _outcome(db, team, real, now)
    if outcome.report is not None or outcome.reconnect_needed:
        return
    with db.transaction() as s:
        last = s.scalar(
            select(models.TeamleaderConnection.last_sync_at).where(models.TeamleaderConnection.account_id == account.id)
        )
    if last is not None and now - last <= FRESH_FOR:
        log.warning("teamleader: %s renews on members synced at %s: %s", team, last.isoformat(), outcome.error)
        return
    raise TeamleaderError(f"the renewal of {team} waits for a Teamleader sync: {outcome.error}")
