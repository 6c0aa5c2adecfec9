"""The worker's Slack client (the `Poster` port of bot/worker/ports.py): one message (a DM opens the
conversation first).

One workspace (SLACK_BOT_TOKEN): 429 is retried inside the call after `Retry-After` (slack_sdk's
RateLimitErrorRetryHandler on the WebClient). Many workspaces (`TeamPosters`): each workspace's
messages are posted with its own bot token, looked up for every post (the lookup caches it briefly and
refreshes a rotating token); a 429 is not waited out in the call but raised as `Postponed` with its
Retry-After, so that the sender holds back that workspace only. A refused token (invalid_auth,
token_revoked, account_inactive) or a workspace without installation postpones its messages too: they
wait, they do not fail. Every other failure becomes a DeliveryError with a one-line message, retried
by the sender on a later tick.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.core.ids import USER_ID
from bot.usecases.ports import Database
from bot.worker.fresh import Queued
from bot.worker.pacing import Pacer
from bot.worker.ports import DeliveryError, Posted, Poster, Postponed
from bot.worker.sender import DeliveryReport, Sender
from handlers import redact
from handlers.blocks.rendered import render_notice
from handlers.keepalive import KeepAliveWebClient
from handlers.observe import CountRateLimits

log = logging.getLogger(__name__)
RATE_LIMIT_RETRIES = 3


NOT_INSTALLED_WAIT = 60.0
"""Seconds a workspace's messages wait when it has no installation or its token was refused."""
REFUSED_TOKEN = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"})


def make_client(
    token: str, base_url: str | None = None, *, timeout: int = 15, rate_limit_retries: int = RATE_LIMIT_RETRIES
) -> WebClient:
    """A WebClient that waits out 429s (Retry-After; `rate_limit_retries` 0: not) and leaves other retries
    to later ticks."""
    redact.install()
    url = base_url or "https://slack.com/api/"
    return KeepAliveWebClient(
        token=token,
        base_url=url if url.endswith("/") else url + "/",
        timeout=timeout,
        retry_handlers=[CountRateLimits()]
        + ([RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)] if rate_limit_retries else []),
    )


class SlackPoster:
    """Posts a message to a channel id, or to a user id as a DM (conversations.open, then chat.postMessage)."""

    def __init__(self, client_factory: Callable[[], WebClient], *, reuse_client: bool = True) -> None:
        """`reuse_client`: one client per thread; False: a new one (the current token) for every post."""
        self._factory = client_factory
        self._reuse = reuse_client
        self.postpone = False
        """Raise Postponed for a 429 and a refused token (many workspaces) rather than DeliveryError."""
        self._local = threading.local()
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    def _client(self) -> WebClient:
        if not self._reuse:
            return self._factory()
        client: WebClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
        return client

    def _dm_channel(self, user: str) -> str:
        with self._lock:
            known = self._dms.get(user)
        if known:
            return known
        response = _call("conversations.open", lambda: self._client().conversations_open(users=user), self.postpone)
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dms[user] = channel
        return channel

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        """`target`: a channel id (a DM's D… id included), or a user id (its DM is opened first)."""
        user = target if USER_ID.match(target) else None
        channel = self._dm_channel(user) if user else target
        try:
            response = _call(
                "chat.postMessage",
                lambda: self._client().chat_postMessage(
                    channel=channel,
                    text=message.get("text", ""),
                    blocks=message.get("blocks"),
                    unfurl_links=False,
                    unfurl_media=False,
                ),
                self.postpone,
            )
        except DeliveryError:
            if user:
                with self._lock:
                    self._dms.pop(user, None)  # the next attempt opens the conversation again
            raise
        return Posted(channel=str(response.get("channel") or channel), ts=response.get("ts"))


class TeamPosters:
    """Many workspaces: the Poster of each workspace (`PosterFor` of bot/worker/ports.py), posting with the
    bot token `tokens(team)` gives (None: not installed there). `forget(team)` drops a cached token that
    Slack refused."""

    def __init__(
        self,
        tokens: Callable[[str], str | None],
        base_url: str | None = None,
        *,
        forget: Callable[[str], None] | None = None,
    ) -> None:
        self._tokens = tokens
        self._base_url = base_url
        self._forget = forget
        self._posters: dict[str, Poster] = {}
        self._lock = threading.Lock()

    def __call__(self, team: str) -> Poster:
        with self._lock:
            poster = self._posters.get(team)
            if poster is None:
                poster = self._posters[team] = _WorkspacePoster(self, team)
            return poster

    def client(self, team: str) -> WebClient:
        token = self._tokens(team)
        if not token:
            raise Postponed(f"licensebot is not installed in the Slack workspace {team}", wait=NOT_INSTALLED_WAIT)
        return make_client(token, self._base_url, rate_limit_retries=0)

    def refused(self, team: str) -> None:
        if self._forget is not None:
            self._forget(team)


class _WorkspacePoster(SlackPoster):
    def __init__(self, posters: TeamPosters, team: str) -> None:
        super().__init__(lambda: posters.client(team), reuse_client=False)
        self._posters, self._team = posters, team
        self.postpone = True

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        try:
            return super().post(target, message)
        except Postponed as exc:
            if "refused" in str(exc):
                self._posters.refused(self._team)
            raise


def _call(method: str, call: Callable[[], Any], postpone: bool = False) -> Any:
    """The call's answer; DeliveryError when it failed: Postponed (not an attempt: the message waits Retry-After)
    for a 429, and with `postpone` for a refused token."""
    try:
        return call()
    except SlackApiError as exc:
        status = exc.response.status_code
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        if status == 429:  # many workspaces: at once; one: after the client's own retries waited Retry-After
            raise Postponed(f"{method}: HTTP 429 rate limited", wait=_retry_after(exc.response.headers)) from exc
        if postpone and error in REFUSED_TOKEN:
            raise Postponed(f"{method}: the workspace's token was refused ({error})", wait=NOT_INSTALLED_WAIT) from exc
        raise DeliveryError(f"{method}: HTTP {status} {error or 'error'}") from exc
    except (OSError, SlackClientError, http.client.HTTPException) as exc:
        raise DeliveryError(f"{method}: {type(exc).__name__}: {exc}") from exc


class ClientPoster:
    """Posts with a request's own client: the announcements of a change, sent right after its commit. A user
    id is posted to directly (the app's Messages tab with them)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        response = _call(
            "chat.postMessage",
            lambda: self._client.chat_postMessage(
                channel=target,
                text=message.get("text", ""),
                blocks=message.get("blocks"),
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return Posted(channel=str(response.get("channel") or target), ts=response.get("ts"))


def deliver_now(
    client: WebClient, db: Database, key: str, now: datetime, queued: Sequence[Queued] | None = None
) -> DeliveryReport:
    """Send the messages queued under `key` at once with `client` (what fails, the worker retries); `queued`:
    those rows as read already (bot.worker.fresh.queued_in)."""
    return Sender(ClientPoster(client), threads=1, pacer=Pacer(0), render=render_notice).deliver_now(
        db, key, now, queued
    )


def _retry_after(headers: Any) -> float:
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            text = str(value[0] if isinstance(value, list) and value else value).strip()
            return float(text) if text.replace(".", "", 1).isdigit() else 1.0
    return 1.0


class SlackDirectory:
    """The worker's `Directory` port: users.lookupByEmail (users:read.email). Not found, or any failure
    (logged): None, and the admin is named as unreachable."""

    def __init__(self, client_factory: Callable[[], WebClient]) -> None:
        self._factory = client_factory

    def user_id_for_email(self, email: str) -> str | None:
        return user_id_for_email(self._factory(), email)


def user_id_for_email(client: WebClient, email: str) -> str | None:
    try:
        user = client.users_lookupByEmail(email=email).get("user") or {}
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error != "users_not_found":
            log.warning("users.lookupByEmail failed: %s", error)
        return None
    except (OSError, SlackClientError, http.client.HTTPException) as exc:
        log.warning("users.lookupByEmail failed: %s: %s", type(exc).__name__, exc)
        return None
    user_id = user.get("id")
    return user_id if isinstance(user_id, str) and USER_ID.match(user_id) and not user.get("deleted") else None
