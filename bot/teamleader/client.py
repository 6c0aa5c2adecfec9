"""A small typed client for the Teamleader Focus API over `requests`. It never logs a token.

Errors are one-line TeamleaderError (a UserError) messages without tokens: the CLI prints them as they are.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from bot.core.errors import UserError
from bot.teamleader.plan import User
from bot.teamleader.settings import Settings, load_settings

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MAX_WAIT_SECONDS = 60.0
"""The longest we wait for a rate limit to reset; a later reset fails the call instead."""
MAX_ATTEMPTS = 4
"""Tries of one call when Teamleader answers 429 (too many requests)."""
DEFAULT_RATE_WAIT_SECONDS = 5.0
"""Wait when a 429 comes without a readable X-RateLimit-Reset."""
TIMEOUT = (5.0, 30.0)
"""(connect, read) seconds."""


class TeamleaderError(UserError):
    """Talking to Teamleader failed. The message is one line and never holds a token."""


class ApiError(TeamleaderError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class Unauthorized(ApiError):
    """401: the access token was refused (expired or revoked)."""


class RateLimited(ApiError):
    """429 for longer than we are willing to wait."""


class InvalidGrant(TeamleaderError):
    """The token endpoint refused a code or a refresh token (`invalid_grant`): it is used, expired or revoked."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class TeamleaderClient:
    """Token endpoint and users.list. `sleep` and `clock` are injected so that tests never wait."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utcnow,
        max_wait: float = MAX_WAIT_SECONDS,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "licensebot")
        self.sleep = sleep
        self.clock = clock
        self.max_wait = max_wait
        self.max_attempts = max_attempts

    # --- OAuth2 ---------------------------------------------------------------------------------

    def authorize_url(self, state: str) -> str:
        query = urlencode(
            {
                "client_id": self.settings.client_id,
                "response_type": "code",
                "state": state,
                "redirect_uri": self.settings.redirect_uri,
            }
        )
        return f"{self.settings.auth_url}/oauth2/authorize?{query}"

    def exchange_code(self, code: str, now: datetime) -> TokenSet:
        return self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.settings.redirect_uri},
            "the authorization code",
            now,
        )

    def refresh(self, refresh_token: str, now: datetime) -> TokenSet:
        return self._token({"grant_type": "refresh_token", "refresh_token": refresh_token}, "the refresh token", now)

    def _token(self, form: dict[str, str], what: str, now: datetime) -> TokenSet:
        body = {"client_id": self.settings.client_id, "client_secret": self.settings.client_secret, **form}
        resp = self._send("POST", f"{self.settings.auth_url}/oauth2/access_token", "the token request", data=body)
        payload = _json(resp)
        if resp.status_code in (400, 401) and payload.get("error") == "invalid_grant":
            raise InvalidGrant(f"Teamleader refused {what} (invalid_grant: used, expired or revoked)")
        if resp.status_code == 401 or payload.get("error") == "invalid_client":
            raise ApiError(
                "Teamleader refused the client credentials: check TEAMLEADER_CLIENT_ID and TEAMLEADER_CLIENT_SECRET",
                resp.status_code,
            )
        if not resp.ok:
            raise ApiError(_failure("the token request", resp, payload), resp.status_code)
        access, refresh, expires_in = (
            payload.get("access_token"),
            payload.get("refresh_token"),
            payload.get("expires_in"),
        )
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            raise ApiError("Teamleader answered the token request without an access and a refresh token", 200)
        seconds = expires_in if isinstance(expires_in, int) and expires_in > 0 else 3600
        log.debug("teamleader: got a token pair valid for %d s", seconds)
        return TokenSet(access, refresh, now + timedelta(seconds=seconds))

    # --- API ------------------------------------------------------------------------------------

    def users_page(self, access_token: str, number: int, size: int = PAGE_SIZE) -> list[User]:
        """One page of users.list, active and deactivated users alike."""
        body = {"filter": {"status": ["active", "deactivated"]}, "page": {"size": size, "number": number}}
        resp = self._send(
            "POST",
            f"{self.settings.api_url}/users.list",
            f"users.list page {number}",
            json=body,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        )
        payload = _json(resp)
        if resp.status_code == 401:
            raise Unauthorized(_failure("users.list", resp, payload), 401)
        if not resp.ok:
            raise ApiError(_failure("users.list", resp, payload), resp.status_code)
        data = payload.get("data")
        if not isinstance(data, list):
            raise ApiError("Teamleader answered users.list without a list of users", resp.status_code)
        return [_user(item) for item in data]

    # --- transport ------------------------------------------------------------------------------

    def _send(self, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
        """One call; on 429 wait until X-RateLimit-Reset (at most `max_wait`) and try again, boundedly."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                resp = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
            except requests.RequestException as exc:
                raise TeamleaderError(f"cannot reach Teamleader for {what}: {type(exc).__name__}") from None
            log.debug(
                "teamleader: %s -> %s (rate limit remaining: %s)",
                what,
                resp.status_code,
                resp.headers.get("X-RateLimit-Remaining", "?"),
            )
            if resp.status_code != 429:
                return resp
            wait = self._rate_wait(resp.headers)
            if wait is None:
                raise RateLimited(
                    f"Teamleader's rate limit is reached until {resp.headers.get('X-RateLimit-Reset')}; "
                    "try again later",
                    429,
                )
            if attempt == self.max_attempts:
                break
            log.info("teamleader: rate limited on %s, waiting %.1f s (try %d)", what, wait, attempt)
            self.sleep(wait)
        raise RateLimited(f"Teamleader kept answering 429 (too many requests) to {what}; try again later", 429)

    def _rate_wait(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until X-RateLimit-Reset (ISO-8601), or None when that is beyond `max_wait`."""
        raw = headers.get("X-RateLimit-Reset")
        if not raw:
            return min(DEFAULT_RATE_WAIT_SECONDS, self.max_wait)
        try:
            reset = datetime.fromisoformat(raw.strip())
        except ValueError:
            return min(DEFAULT_RATE_WAIT_SECONDS, self.max_wait)
        if reset.tzinfo is None:
            reset = reset.replace(tzinfo=UTC)
        seconds = max(0.0, (reset - self.clock()).total_seconds())
        return seconds if seconds <= self.max_wait else None


def client_from_env(env: Mapping[str, str] | None = None, *, need_redirect: bool = False) -> TeamleaderClient:
    """A client from the TEAMLEADER_* settings; NotConfigured (one line) names what is missing."""
    return TeamleaderClient(load_settings(env, need_redirect=need_redirect))


def _json(resp: requests.Response) -> dict[str, Any]:
    try:
        payload = resp.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _failure(what: str, resp: requests.Response, payload: Mapping[str, Any]) -> str:
    detail = ""
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        detail = str(errors[0].get("title") or errors[0].get("detail") or "")
    elif isinstance(payload.get("error_description") or payload.get("error"), str):
        detail = str(payload.get("error_description") or payload.get("error"))
    reason = resp.reason or "error"
    return _one_line(f"Teamleader answered {resp.status_code} ({reason}) to {what}" + (f": {detail}" if detail else ""))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _user(item: object) -> User:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
        raise ApiError("Teamleader answered users.list with a user without an id", 200)
    email = _text(item.get("email")).lower() or None
    status = _text(item.get("status")) or "active"
    return User(
        id=item["id"],
        first_name=_text(item.get("first_name")),
        last_name=_text(item.get("last_name")),
        email=email,
        status=status,
    )
