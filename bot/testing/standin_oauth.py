"""The OAuth side of the Slack stand-in (bot/testing/slack_standin.py): the workspaces that can install the
app, the codes it grants, the tokens it issues, refreshes and revokes (oauth.v2.access)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class Workspace:
    """A workspace of the stand-in's OAuth side: codes it grants, the tokens it issued."""

    team_id: str
    name: str
    bot_user_id: str = "UBOT"
    enterprise_id: str | None = None
    installer: str = "U0000"
    rotating: bool = False
    """Token rotation on: bot tokens expire (`expires_in`) and come with a refresh token."""
    expires_in: int = 43_200
    org_install: bool = False
    """An Enterprise Grid org-wide install (no team in the oauth.v2.access answer)."""


class OAuthSide:
    """Mixed into SlackStandIn: its state lives there (workspaces, codes, tokens), guarded by its lock."""

    team_id: str
    client_id: str
    client_secret: str
    workspaces: dict[str, Workspace]
    tokens: dict[str, str]
    refresh_tokens: dict[str, str]
    refreshes: int
    issued: list[str]
    _codes: dict[str, str]
    _lock: threading.Lock
    _ids: itertools.count[int]

    def add_workspace(self, team_id: str, name: str, **how: Any) -> Workspace:
        """A workspace that can install the app (OAuth); returns it (see `grant` for a code)."""
        ws = Workspace(team_id=team_id, name=name, **how)
        with self._lock:
            self.workspaces[team_id] = ws
        return ws

    def grant(self, team_id: str) -> str:
        """An authorization code, as Slack gives the browser on the redirect after "Allow"."""
        code = f"code-{team_id}-{next(self._ids)}"
        with self._lock:
            self._codes[code] = team_id
        return code

    def issue(self, team_id: str) -> dict[str, Any]:
        """Tokens for a workspace without the browser round trip (what oauth.v2.access would answer)."""
        with self._lock:
            return self._issue(self.workspaces[team_id])

    def team_of(self, token: str | None) -> str | None:
        """The workspace a call's token belongs to (None: not a token the stand-in issued)."""
        with self._lock:
            return self.tokens.get(token or "")

    def tokens_of(self, team_id: str) -> list[str]:
        with self._lock:
            return [t for t, team in self.tokens.items() if team == team_id]

    def revoke(self, team_id: str) -> None:
        """The workspace uninstalled the app: its tokens stop working."""
        with self._lock:
            for store in (self.tokens, self.refresh_tokens):
                for t in [t for t, team in store.items() if team == team_id]:
                    del store[t]

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code for the tokens of an install, or (grant_type=refresh_token) a refresh."""
        if params.get("client_id") != self.client_id or params.get("client_secret") != self.client_secret:
            return {"ok": False, "error": "invalid_client_id"}
        if params.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.pop(str(params.get("refresh_token")), None)
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            self.refreshes += 1
            ws = self.workspaces[team]
            return {"ok": True, **self._issue(ws), "team": {"id": ws.team_id, "name": ws.name}}
        team = self._codes.pop(str(params.get("code")), None)
        if team is None:
            return {"ok": False, "error": "invalid_code"}
        ws = self.workspaces[team]
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0LICENSES",
            "authed_user": {"id": ws.installer},
            "scope": "commands,chat:write,im:write,users:read,users:read.email",
            "bot_user_id": ws.bot_user_id,
            "team": None if ws.org_install else {"id": ws.team_id, "name": ws.name},
            "enterprise": {"id": ws.enterprise_id, "name": f"{ws.name} org"} if ws.enterprise_id else None,
            "is_enterprise_install": ws.org_install,
            **self._issue(ws),
        }
        return answer

    def _issue(self, ws: Workspace) -> dict[str, Any]:
        n = next(self._ids)
        prefix = "xoxe.xoxb-" if ws.rotating else "xoxb-"
        token = f"{prefix}{ws.team_id}-{n}"
        self.tokens[token] = ws.team_id
        self.issued.append(token)
        issued: dict[str, Any] = {"access_token": token, "token_type": "bot"}
        if ws.rotating:
            refresh = f"xoxe-1-{ws.team_id}-{n}"
            self.refresh_tokens[refresh] = ws.team_id
            self.issued.append(refresh)
            issued |= {"refresh_token": refresh, "expires_in": ws.expires_in}
        return issued

    def _team_of(self, token: str | None) -> str | None:
        """The team a token was issued for; None when it is not valid. Without workspaces: the stand-in's."""
        if not self.workspaces:
            return self.team_id
        return self.tokens.get(token or "")
