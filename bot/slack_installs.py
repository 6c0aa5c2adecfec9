"""The Slack installations of a multi-workspace deployment (OAuth mode), kept in our database.

slack_sdk's SQLAlchemy `InstallationStore` and `OAuthStateStore` on our engine and on our tables
(store/models.py: same columns, token columns encrypted). One addition: `find_bot` refreshes an
expiring bot token (token rotation) before it returns it, under a lock held across processes, so a
token is refreshed once however many listeners and workers ask for it at the same time; Bolt's own
rotation then finds the token fresh and does nothing. The worker looks tokens up through
`BotTokens` (cached briefly), the listeners through Bolt's authorize: both go through `find_bot`.

Imported by bot/cli/wiring.py only (it is Slack code: the worker gets a token lookup, not this module).
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import MetaData, Table, text
from sqlalchemy.engine import Engine

from store import models_connect

log = logging.getLogger(__name__)

ROTATE_MINUTES_BEFORE = 120
"""Refresh a rotating bot token this long before it expires (Bolt's default)."""
STATE_SECONDS = 600
"""How long the `state` of an "Add to Slack" link stays valid."""


class Installations(SQLAlchemyInstallationStore):
    """slack_sdk's SQLAlchemy installation store on our tables; `find_bot` rotates an expiring token first."""

    @classmethod
    def build_installations_table(cls, metadata: MetaData, table_name: str) -> Table:
        return models_connect.SlackInstallation.__table__  # type: ignore[return-value]

    @classmethod
    def build_bots_table(cls, metadata: MetaData, table_name: str) -> Table:
        return models_connect.SlackBot.__table__  # type: ignore[return-value]

    def __init__(
        self,
        client_id: str,
        engine: Engine,
        *,
        client_secret: str | None = None,
        client: WebClient | None = None,
        rotate_minutes_before: int = ROTATE_MINUTES_BEFORE,
    ) -> None:
        super().__init__(client_id=client_id, engine=engine, logger=logging.getLogger("licensebot.slack.installs"))
        self.rotator = (
            TokenRotator(client_id=client_id, client_secret=client_secret, client=client) if client_secret else None
        )
        self.rotate_minutes_before = rotate_minutes_before
        self.rotations = 0
        """How many refreshes this process made (tests, logs)."""

    def _stored_bot(self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Any:
        return super().find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )

    def _expiring(self, bot: Bot) -> bool:
        expires = bot.bot_token_expires_at
        return (
            bot.bot_refresh_token is not None
            and expires is not None
            and expires <= time.time() + self.rotate_minutes_before * 60
        )

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        def stored() -> Bot | None:
            found: Bot | None = self._stored_bot(
                enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
            )
            return found

        bot = stored()
        if bot is None or self.rotator is None or not self._expiring(bot):
            return bot
        with self._rotation_lock(f"{enterprise_id}:{None if is_enterprise_install else team_id}"):
            bot = stored()  # another process may have refreshed it while we waited
            if bot is None or not self._expiring(bot):
                return bot
            try:
                fresh = self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self.rotate_minutes_before
                )
            except SlackTokenRotationError as exc:
                log.error("refreshing the bot token of %s failed: %s", team_id or enterprise_id, exc.api_error)
                raise
            if fresh is None:
                return bot
            self.save_bot(fresh)
            self.rotations += 1
            log.info("refreshed the rotating bot token of %s", team_id or enterprise_id)
            return fresh

    @contextmanager
    def _rotation_lock(self, key: str) -> Iterator[None]:
        """PostgreSQL: a transaction-level advisory lock (every process); SQLite (one process): a lock."""
        if self.engine.dialect.name != "postgresql":
            with _ROTATING:
                yield
            return
        with self.engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_id(key)})
            yield

    def find_bot_of_team(self, team_id: str) -> Bot | None:
        """The bot of a workspace by its team id alone (the worker knows accounts by team id; a workspace of
        an Enterprise Grid org was installed with its enterprise id too). One query; a token that must be
        refreshed goes through `find_bot` (the lock)."""
        c = self.bots.c
        query = (
            self.bots.select()
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(c.installed_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            return None
        bot: Bot = self.build_bot_entity(row)
        if self.rotator is not None and self._expiring(bot):
            return self.find_bot(enterprise_id=bot.enterprise_id, team_id=team_id)
        return bot

    def delete_all_of(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace's (or an org's) tokens: the app was uninstalled."""
        self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id)


_ROTATING = threading.Lock()
"""SQLite (one worker process): the rotations of this process, one at a time."""


def _lock_id(key: str) -> int:
    return 0x5AC0_0000 + zlib.crc32(key.encode())


class OAuthStates(SQLAlchemyOAuthStateStore):
    """slack_sdk's SQLAlchemy OAuth state store on our table (single use, expires after STATE_SECONDS)."""

    @classmethod
    def build_oauth_states_table(cls, metadata: MetaData, table_name: str) -> Table:
        return models_connect.SlackOAuthState.__table__  # type: ignore[return-value]

    def __init__(self, engine: Engine, expiration_seconds: int = STATE_SECONDS) -> None:
        super().__init__(expiration_seconds=expiration_seconds, engine=engine)


class BotTokens:
    """team id -> its bot token (None when the app is not installed there), cached for `ttl` seconds and
    never past a rotating token's refresh time. What the worker's sender asks."""

    def __init__(self, installations: Installations, *, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.installations = installations
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def __call__(self, team: str) -> str | None:
        now = self._clock()
        with self._lock:
            hit = self._cache.get(team)
        if hit is not None and hit[0] > now:
            return hit[1]
        bot = self.installations.find_bot_of_team(team)
        token = bot.bot_token if bot is not None else None
        until = now + self.ttl
        if bot is not None and bot.bot_token_expires_at is not None:
            refresh_at = bot.bot_token_expires_at - self.installations.rotate_minutes_before * 60 - time.time()
            until = min(until, now + max(0.0, refresh_at))
        if token is not None:  # a workspace without installation is looked up again next time
            with self._lock:
                self._cache[team] = (until, token)
        return token

    def forget(self, team: str) -> None:
        """Drop the cached token (a call with it was refused: look it up again)."""
        with self._lock:
            self._cache.pop(team, None)
