"""Connecting an account: the authorize URL with a single-use `state`, the code exchange, the callback.

The HTTP server mounts `handle_callback` at /teamleader/callback (TEAMLEADER_REDIRECT_URI points there).
"""

from __future__ import annotations

import html
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import NotFound, UserError
from bot.core.statuses import TeamleaderStatus
from bot.teamleader.client import InvalidGrant, TeamleaderClient, TeamleaderError
from bot.teamleader.settings import NotConfigured, load_settings
from bot.usecases.common import require_admin
from store import models, models_connect, queries
from store.db import Database
from store.queries import audit, load_account

log = logging.getLogger(__name__)

STATE_TTL = timedelta(minutes=15)
CALLBACK_PATH = "/teamleader/callback"
CALLBACK_ACTOR = Actor(label="teamleader-callback", operator=True)
"""The callback has no Slack identity: the single-use state proves an operator or admin started it."""


class StateRefused(UserError):
    pass


def start_connect(db: Database, *, team: str, client: TeamleaderClient, now: datetime, actor: Actor = OPERATOR) -> str:
    """Store a new state for the account and return the authorize URL to open in a browser."""
    state = secrets.token_urlsafe(32)
    with db.transaction() as s:
        account = load_account(s, team)
        require_admin(s, account, actor)
        states = models_connect.TeamleaderOAuthState
        s.execute(delete(states).where(or_(states.used_at.is_not(None), states.created_at < now - STATE_TTL)))
        s.add(models_connect.TeamleaderOAuthState(state=state, account_id=account.id, created_at=now))
        audit(s, account.id, actor, AuditAction.TEAMLEADER_CONNECT_STARTED, now)
    return client.authorize_url(state)


def consume_state(db: Database, state: str, now: datetime) -> str:
    """The team whose connect produced `state`; the state is used up. Unknown, expired, used: refused."""
    with db.transaction() as s:
        row = s.scalar(
            select(models_connect.TeamleaderOAuthState)
            .where(models_connect.TeamleaderOAuthState.state == state)
            .with_for_update()
        )
        if row is None:
            raise StateRefused("This Teamleader link is unknown. Start again with `licensebot teamleader connect`.")
        if row.used_at is not None:
            raise StateRefused(
                "This Teamleader link was used already. Start again with `licensebot teamleader connect`."
            )
        if row.created_at + STATE_TTL < now:
            raise StateRefused(
                f"This Teamleader link has expired (it is valid for {int(STATE_TTL.total_seconds() // 60)} minutes). "
                "Start again with `licensebot teamleader connect`."
            )
        row.used_at = now
        team = s.scalar(select(models.Account.slack_team_id).where(models.Account.id == row.account_id))
    if team is None:
        raise NotFound("The account of this Teamleader link no longer exists.")
    return team


def connect_with_code(
    db: Database,
    *,
    team: str,
    code: str,
    client: TeamleaderClient,
    now: datetime,
    actor: Actor = OPERATOR,
) -> None:
    """Exchange an authorization code and store the token pair: the account is connected (again)."""
    with db.transaction() as s:
        load_account(s, team)
    code = code.strip()
    if not code:
        raise UserError("the authorization code is empty")
    try:
        pair = client.exchange_code(code, now)
    except InvalidGrant:
        raise TeamleaderError(
            f"Teamleader refused the authorization code (used or expired): "
            f"start again with `licensebot teamleader connect --team {team}`"
        ) from None
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        conn = queries.teamleader_connection(s, account.id)
        again = conn is not None
        if conn is None:
            conn = models.TeamleaderConnection(account_id=account.id, sync_interval_minutes=60, connected_at=now)
            s.add(conn)
        conn.access_token = pair.access_token
        conn.refresh_token = pair.refresh_token
        conn.access_expires_at = pair.expires_at
        if conn.status != TeamleaderStatus.CONNECTED.value or not again:
            conn.status_changed_at = now
        conn.status = TeamleaderStatus.CONNECTED.value
        conn.reconnect_notified_at = None
        conn.last_error = None
        conn.connected_at = now
        conn.next_sync_at = now
        conn.updated_at = now
        audit(s, account.id, actor, AuditAction.TEAMLEADER_CONNECTED, now, again=again)
    log.info("teamleader: %s connected", team)


# --- the OAuth redirect -------------------------------------------------------------------------


def _page(title: str, text: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>licensebot · {html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )


def handle_callback(
    db: Database, query: Mapping[str, str], now: datetime, *, client: TeamleaderClient | None = None
) -> tuple[int, str]:
    """The redirect from Teamleader (`?code=…&state=…` or `?error=…&state=…`): (HTTP status, HTML page)."""
    state = (query.get("state") or "").strip()
    if not state:
        return 400, _page("Teamleader not connected", "The link lacks its state. Start again from licensebot.")
    try:
        client = client or TeamleaderClient(load_settings())
    except NotConfigured as exc:
        log.error("teamleader callback: %s", exc.message)
        return 500, _page("Teamleader not connected", "licensebot is not configured for Teamleader yet.")
    try:
        team = consume_state(db, state, now)
    except UserError as exc:
        return 400, _page("Teamleader not connected", exc.message)
    if query.get("error"):
        with db.transaction() as s:
            account = load_account(s, team)
            audit(
                s, account.id, CALLBACK_ACTOR, AuditAction.TEAMLEADER_CONNECT_REFUSED, now, error=query["error"][:100]
            )
        return 400, _page("Teamleader not connected", "Access was not granted in Teamleader. Nothing was changed.")
    code = (query.get("code") or "").strip()
    if not code:
        return 400, _page("Teamleader not connected", "The link lacks the authorization code. Start again.")
    try:
        connect_with_code(db, team=team, code=code, client=client, now=now, actor=CALLBACK_ACTOR)
    except TeamleaderError as exc:
        return 502, _page("Teamleader not connected", exc.message)
    except UserError as exc:
        return 400, _page("Teamleader not connected", exc.message)
    return 200, _page(
        "Teamleader connected",
        f"licensebot now keeps the users of {team} in step with Teamleader Focus. You can close this window.",
    )
