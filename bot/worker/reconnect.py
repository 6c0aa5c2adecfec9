"""Telling the admins that Teamleader access was revoked (a step of every worker pass, after the features'
hooks: a revocation the sync found is told in the same pass).

Exactly once per revocation: the notice is queued in the outbox (admin channel + a DM to every admin)
in the same transaction that sets the connection's `reconnect_notified_at`, under the connection's row
lock, and its outbox key carries the instant of the revocation. A re-run, a second worker or a crash
between the two never queues it twice; a later revocation (after a reconnect) is told again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bot.core.audit import WORKER, AuditAction, MessageKind
from bot.core.statuses import TeamleaderStatus
from bot.teamleader.status import reconnect_notices_due
from bot.worker.outbox import queue, recipients
from bot.worker.ports import Notices, log_failure
from store.db import Database
from store.queries import audit, load_account, teamleader_connection, teamleader_link, terms_of

log = logging.getLogger(__name__)


def reconnect_key(revoked_at: datetime) -> str:
    """The outbox key of the notice for the revocation found at `revoked_at` (one per revocation)."""
    return f"teamleader-reconnect:{revoked_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def notify_reconnects(db: Database, now: datetime, notices: Notices) -> int:
    """Queue the reconnect notice for every account whose admins were not told yet; returns messages queued.

    One account's failure does not stop the others; the failures are raised together at the end (the
    pass reports them and the next pass tries again).
    """
    queued = 0
    failed: list[str] = []
    for team in reconnect_notices_due(db):
        try:
            queued += _notify(db, team, now, notices)
        except Exception as exc:
            log_failure(log, exc, "teamleader reconnect notice for %s failed", team)
            failed.append(f"{team}: {type(exc).__name__}: {exc}")
    if failed:
        raise RuntimeError("could not queue the Teamleader reconnect notice for " + "; ".join(failed))
    return queued


def _notify(db: Database, team: str, now: datetime, notices: Notices) -> int:
    with db.transaction() as s:
        account = load_account(s, team)
        conn = teamleader_connection(s, account.id, lock=True)
        if (
            conn is None
            or conn.status != TeamleaderStatus.RECONNECT_NEEDED.value
            or conn.reconnect_notified_at is not None
        ):
            return 0  # reconnected meanwhile, or another worker told them
        targets = recipients(s, account)
        if not targets:
            # Nobody to tell yet (no admin channel, no admin with a Slack id): the license page shows the
            # banner, and the notice goes out once an admin channel or an admin's Slack id is known.
            return 0
        link = teamleader_link(s, account.id)
        assert link is not None
        key = reconnect_key(conn.status_changed_at)
        added = queue(
            s,
            account_id=account.id,
            key=key,
            kind=MessageKind.TEAMLEADER,
            targets=targets,
            message=notices.teamleader_reconnect(terms_of(account), link),
            now=now,
        )
        conn.reconnect_notified_at = now
        conn.updated_at = now
        if added:
            audit(s, account.id, WORKER, AuditAction.MESSAGE_QUEUED, now, key=key, recipients=added)
        return added
