"""Access tokens of one account, with refresh-token rotation that is safe across processes.

Each Teamleader refresh token works once. So a refresh happens under a row lock on the connection
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction starts with BEGIN IMMEDIATE, which
serializes writers), the row is read again inside the lock, and if another process has rotated the pair
meanwhile its new access token is used instead of refreshing again. The new pair is committed before
the new access token is used.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import UserError
from bot.core.statuses import TeamleaderStatus
from bot.teamleader.client import InvalidGrant, TeamleaderClient, TeamleaderError
from store import models, queries
from store.db import Database
from store.queries import audit

log = logging.getLogger(__name__)

EXPIRY_MARGIN = timedelta(seconds=60)
"""An access token this close to its expiry is refreshed before use."""


class NotConnected(UserError):
    pass


class ReconnectNeeded(TeamleaderError):
    """Teamleader revoked our access: an admin must connect again. Nothing else was changed."""


def reconnect_message(team: str) -> str:
    return (
        f"Teamleader access for {team} was revoked or has expired: nothing was synced. "
        f"An admin must connect again (`licensebot teamleader connect --team {team}`)."
    )


def not_connected_message(team: str) -> str:
    return f"{team} is not connected to Teamleader; connect it with `licensebot teamleader connect --team {team}`"


class AccessTokens:
    """The current access token of one account's connection; `renew` rotates the pair once."""

    def __init__(
        self,
        db: Database,
        *,
        account_id: int,
        team: str,
        client: TeamleaderClient,
        now: datetime,
        actor: Actor = OPERATOR,
    ) -> None:
        self.db = db
        self.account_id = account_id
        self.team = team
        self.client = client
        self.now = now
        self.actor = actor
        self._token: str | None = None

    def current(self) -> str:
        """A usable access token: the stored one, or a fresh one when it is (about to be) expired."""
        if self._token is None:
            with self.db.transaction() as s:
                conn = self._connection(s, lock=False)
                token, expires = conn.access_token, conn.access_expires_at
            self._token = token if expires > self.now + EXPIRY_MARGIN else self._rotate(stale=token)
        return self._token

    def renew(self) -> str:
        """After a 401: a new access token (from another process's rotation, or our own refresh)."""
        self._token = self._rotate(stale=self._token)
        return self._token

    def _connection(self, s: Session, *, lock: bool) -> models.TeamleaderConnection:
        conn = queries.teamleader_connection(s, self.account_id, lock=lock)
        if conn is None:
            raise NotConnected(not_connected_message(self.team))
        if conn.status != TeamleaderStatus.CONNECTED.value:
            raise ReconnectNeeded(reconnect_message(self.team))
        return conn

    def _rotate(self, *, stale: str | None) -> str:
        revoked = False
        with self.db.transaction() as s:
            conn = self._connection(s, lock=True)
            if conn.access_token != stale and conn.access_expires_at > self.now + EXPIRY_MARGIN:
                log.debug("teamleader: account %d: token pair already rotated by another process", self.account_id)
                return conn.access_token
            try:
                pair = self.client.refresh(conn.refresh_token, self.now)
            except InvalidGrant:
                mark_reconnect_needed(s, conn, self.now, self.actor, reason="refresh token refused (invalid_grant)")
                revoked = True
            else:
                conn.access_token = pair.access_token
                conn.refresh_token = pair.refresh_token
                conn.access_expires_at = pair.expires_at
                conn.updated_at = self.now
                log.info("teamleader: account %d: token pair rotated", self.account_id)
                new_token = pair.access_token
        # Committed: the new pair is stored before it is used, and a revocation is recorded.
        if revoked:
            raise ReconnectNeeded(reconnect_message(self.team))
        return new_token


def mark_reconnect_needed(
    s: Session, conn: models.TeamleaderConnection, now: datetime, actor: Actor, *, reason: str
) -> None:
    conn.status = TeamleaderStatus.RECONNECT_NEEDED.value
    conn.status_changed_at = now
    conn.reconnect_notified_at = None
    conn.last_error = reason
    conn.next_sync_at = None
    conn.updated_at = now
    audit(s, conn.account_id, actor, AuditAction.TEAMLEADER_RECONNECT_NEEDED, now, reason=reason)
    log.warning("teamleader: account %d needs to reconnect: %s", conn.account_id, reason)
