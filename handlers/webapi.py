"""The worker's Slack client (the `Poster` port of bot/worker/ports.py): one message (a DM opens the
conversation first).

429 is retried inside the call after `Retry-After` (slack_sdk's RateLimitErrorRetryHandler on the
WebClient); every other failure becomes a DeliveryError with a one-line message, retried by the
sender on a later tick.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.core.ids import USER_ID
from bot.usecases.ports import Database
from bot.worker.pacing import Pacer
from bot.worker.ports import DeliveryError, Posted
from bot.worker.sender import DeliveryReport, Sender
from handlers.observe import CountRateLimits

log = logging.getLogger(__name__)
RATE_LIMIT_RETRIES = 3


def make_client(token: str, base_url: str | None = None, *, timeout: int = 15) -> WebClient:
    """A WebClient that waits out 429s (Retry-After) and leaves other retries to later ticks."""
    url = base_url or "https://slack.com/api/"
    return WebClient(
        token=token,
        base_url=url if url.endswith("/") else url + "/",
        timeout=timeout,
        retry_handlers=[CountRateLimits(), RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


class SlackPoster:
    """Posts a message to a channel id, or to a user id as a DM (conversations.open, then chat.postMessage)."""

    def __init__(self, client_factory: Callable[[], WebClient]) -> None:
        self._factory = client_factory
        self._local = threading.local()
        self._dms: dict[str, str] = {}
        self._lock = threading.Lock()

    def _client(self) -> WebClient:
        client: WebClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._factory()
        return client

    def _dm_channel(self, user: str) -> str:
        with self._lock:
            known = self._dms.get(user)
        if known:
            return known
        response = _call("conversations.open", lambda: self._client().conversations_open(users=user))
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
            )
        except DeliveryError:
            if user:
                with self._lock:
                    self._dms.pop(user, None)  # the next attempt opens the conversation again
            raise
        return Posted(channel=str(response.get("channel") or channel), ts=response.get("ts"))


def _call(method: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except SlackApiError as exc:
        status = exc.response.status_code
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
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


def deliver_now(client: WebClient, db: Database, key: str, now: datetime) -> DeliveryReport:
    """Send the messages queued under `key` at once with `client` (what fails, the worker retries)."""
    return Sender(ClientPoster(client), threads=1, pacer=Pacer(0)).deliver_now(db, key, now)


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
