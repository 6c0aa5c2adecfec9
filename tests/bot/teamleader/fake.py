"""A stand-in of Teamleader Focus (token endpoint and users.list) on `responses`: no network.

It behaves like the real API where it matters here: each refresh token works once (a second use is
answered 400 invalid_grant), users.list needs a valid Bearer token, pages by `page.number`/`page.size`,
and lists deactivated users only with the status filter.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import responses
from requests import PreparedRequest

from bot.teamleader.client import TeamleaderClient
from bot.teamleader.settings import Settings

API = "https://api.tl.test"
AUTH = "https://auth.tl.test"
TOKEN_URL = f"{AUTH}/oauth2/access_token"
USERS_URL = f"{API}/users.list"
CLIENT_SECRET = "client-secret-Zq81"
SETTINGS = Settings(
    client_id="client-id-4711",
    client_secret=CLIENT_SECRET,
    redirect_uri="https://licensebot.test/teamleader/callback",
    api_url=API,
    auth_url=AUTH,
)
ENV = {
    "TEAMLEADER_CLIENT_ID": SETTINGS.client_id,
    "TEAMLEADER_CLIENT_SECRET": CLIENT_SECRET,
    "TEAMLEADER_REDIRECT_URI": SETTINGS.redirect_uri,
    "TEAMLEADER_API_URL": API,
    "TEAMLEADER_AUTH_URL": AUTH,
}

Reply = tuple[int, dict[str, str], str]


def tl_user(n: int, *, status: str = "active", email: str | None = None, first: str | None = None) -> dict[str, Any]:
    return {
        "id": f"tl-{n:04d}",
        "first_name": first if first is not None else "User",
        "last_name": str(n),
        "email": email if email is not None else f"user{n}@example.com",
        "status": status,
        "language": "en",
        "function": None,
        "teams": [],
    }


def error(status: int, title: str, headers: dict[str, str] | None = None) -> Reply:
    return status, headers or {}, json.dumps({"errors": [{"title": title, "status": status}]})


@dataclass
class FakeTeamleader:
    rsps: responses.RequestsMock
    users: list[dict[str, Any]] = field(default_factory=list)
    codes: set[str] = field(default_factory=lambda: {"good-code-1"})
    expires_in: int = 3600
    valid_access: set[str] = field(default_factory=set)
    valid_refresh: set[str] = field(default_factory=set)
    refresh_sent: list[str] = field(default_factory=list)
    """Every refresh token presented to the token endpoint, in order (rotation must never repeat one)."""
    issued: list[tuple[str, str]] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    bearer: list[str] = field(default_factory=list)
    users_override: list[Callable[[int], Reply | None]] = field(default_factory=list)
    """Hooks asked first for each users.list call (page number) — a reply forces the answer."""
    token_override: list[Callable[[dict[str, str]], Reply | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.rsps.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        self.rsps.add_callback(responses.POST, USERS_URL, callback=self._users)

    def issue(self) -> tuple[str, str]:
        with self.lock:
            n = len(self.issued) + 1
            pair = (f"access-tok-{n:03d}-Xv9", f"refresh-tok-{n:03d}-Kp2")
            self.issued.append(pair)
            self.valid_access.add(pair[0])
            self.valid_refresh.add(pair[1])
        return pair

    def client(self, **kwargs: Any) -> TeamleaderClient:
        return TeamleaderClient(SETTINGS, **kwargs)

    def _token(self, request: PreparedRequest) -> Reply:
        body = request.body if isinstance(request.body, str) else (request.body or b"").decode()
        form = {k: v[0] for k, v in parse_qs(body).items()}
        for hook in self.token_override:
            forced = hook(form)
            if forced is not None:
                return forced
        if form.get("client_id") != SETTINGS.client_id or form.get("client_secret") != CLIENT_SECRET:
            return 401, {}, json.dumps({"error": "invalid_client"})
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("redirect_uri") != SETTINGS.redirect_uri or form.get("code") not in self.codes:
                return 400, {}, json.dumps({"error": "invalid_grant"})
            self.codes.discard(form["code"])
        elif grant == "refresh_token":
            token = form.get("refresh_token", "")
            with self.lock:
                self.refresh_sent.append(token)
                if token not in self.valid_refresh:
                    return 400, {}, json.dumps({"error": "invalid_grant", "error_description": "revoked"})
                self.valid_refresh.discard(token)
        else:
            return 400, {}, json.dumps({"error": "unsupported_grant_type"})
        access, refresh = self.issue()
        reply = {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": access}
        return 200, {}, json.dumps({**reply, "refresh_token": refresh})

    def _users(self, request: PreparedRequest) -> Reply:
        body = json.loads(request.body or b"{}")
        number = int(body["page"]["number"])
        size = int(body["page"]["size"])
        self.pages.append(number)
        for hook in self.users_override:
            forced = hook(number)
            if forced is not None:
                return forced
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        self.bearer.append(token)
        if token not in self.valid_access:
            return error(401, "Unauthorized")
        statuses = body.get("filter", {}).get("status", ["active"])
        listed = [u for u in self.users if u["status"] in statuses]
        page = listed[(number - 1) * size : number * size]
        headers = {"X-RateLimit-Remaining": "99", "X-RateLimit-Reset": "2026-11-26T08:31:00+00:00"}
        return 200, headers, json.dumps({"data": page})
