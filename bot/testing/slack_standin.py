"""A local stand-in for the Slack Web API: a threaded HTTP server on 127.0.0.1 (port chosen by the OS).

It answers the way Slack does (HTTP 200, `{"ok": true, ...}` with the fields callers read), records
every call with its JSON or form body, keeps the views it opened and the App Home it was given, and
can be told to fail a method. It also takes `response_url` posts at `/response/<key>`.

Used by `licensebot demo` and by the tests (no token, no network): point a WebClient at `api_url`.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.testing.ratelimits import RateLimits
from bot.testing.standin_calls import ACK_MESSAGE, Call, Failure
from bot.testing.standin_oauth import OAuthSide, Workspace

JSON_FIELDS = ("blocks", "view", "attachments", "metadata")


IDLE_TIMEOUT = 10.0
"""Seconds the stand-in keeps an idle connection open."""


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    """Many concurrent clients (the worker's sender threads) must not see connection resets."""


@dataclass
class SlackStandIn(OAuthSide):
    team_id: str = "T0001"
    bot_user_id: str = "UBOT"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Open modals by view id (as last opened or updated)."""
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The App Home view last published for each user id."""
    delay: float = 0.0
    """Seconds every Web API call waits before it is answered (latency, for throughput checks)."""
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    """OAuth: the workspaces that can install the app, by team id (`add_workspace`). When any exist, only
    their issued tokens are valid (`not_authed` / `invalid_auth` otherwise); with none, any token is."""
    client_id: str = "1111.2222"
    client_secret: str = "standin-client-secret"
    rate_limits: RateLimits | None = None
    """Slack's documented rate limits (bot/testing/ratelimits.py), per workspace (the token's, or the token
    itself when no workspace issued it): past them a call is answered 429 with Retry-After."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, list[Failure]] = {}
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self.connections = 0
        """Connections accepted so far: HTTP/1.1 keep-alive lets a client send many calls over one."""
        self._codes: dict[str, str] = {}
        """code -> team id (single use)."""
        self.tokens: dict[str, str] = {}
        """Valid bot tokens -> team id."""
        self.refresh_tokens: dict[str, str] = {}
        """Valid refresh tokens -> team id (a refresh token works once: it is replaced)."""
        self.refreshes = 0
        self.issued: list[str] = []
        """Every access and refresh token ever issued (log checks)."""

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's API: a client may reuse its connection
            timeout = IDLE_TIMEOUT  # an idle kept-alive connection is closed after this long
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def setup(self) -> None:
                super().setup()
                with standin._lock:
                    standin.connections += 1
                    standin._open.add(self.connection)

            def finish(self) -> None:
                with standin._lock:
                    standin._open.discard(self.connection)
                super().finish()

            def log_message(self, format: str, *args: Any) -> None:  # keep the output clean
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, body, extra = standin.respond(self.path, dict(self.headers.items()), raw)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.close_connections()  # kept-alive connections end with the stand-in

    def close_connections(self) -> None:
        """Close every connection clients hold open (as a server ending idle keep-alive connections)."""
        with self._lock:
            still_open, self._open = list(self._open), set()
        for conn in still_open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL (WebClient(base_url=...), SLACK_API_URL)."""
        return f"{self.base_url}/api/"

    def response_url(self, key: str | None = None) -> str:
        return f"{self.base_url}/response/{key or next(self._ids)}"

    # --- configuration --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        email: str | None = None,
        team_id: str | None = None,
        workspace_admin: bool = False,
        locale: str = "en-US",
    ) -> None:
        """A Slack user (`workspace_admin`: an admin of the workspace, users.info `is_admin`; `locale`: their
        Slack client's language, answered only with include_locale=true as Slack does)."""
        profile: dict[str, Any] = {"real_name": name, "display_name": name}
        if email:
            profile["email"] = email
        self.users[user_id] = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name.lower().replace(" ", "."),
            "real_name": name,
            "profile": profile,
            "is_admin": workspace_admin,
            "is_owner": False,
        }
        if locale:  # Slack answers a locale (with include_locale); "" stands for one it does not say
            self.users[user_id]["locale"] = locale

    def fail(
        self,
        method: str,
        error: str,
        *,
        times: int | None = None,
        status: int = 200,
        retry_after: int | None = None,
        **match: Any,
    ) -> None:
        """Answer `method` with `{"ok": false, "error": error}` (`times` times, or always) when its
        params contain `match` (`_team="T…"`: calls made with a token of that workspace).
        E.g. `fail("chat.postMessage", "ratelimited", status=429, retry_after=1,
        times=2)` or `fail("chat.postMessage", "internal_error", status=500, times=1)`."""
        with self._lock:
            self._failures.setdefault(method, []).append(Failure(error, match, times, status, retry_after))

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- reading what happened ------------------------------------------------------------------

    def ack_message(self, params: dict[str, Any], key: str) -> None:
        """A message Slack shows from the body of a slash command's ack (SlackSim reports it): recorded as a
        `command_ack` call, in order with the others (Slack shows it as it shows a response_url post)."""
        with self._lock:
            self.calls.append(Call(ACK_MESSAGE, params, f"/ack/{key}", None))

    def answers(self) -> list[Call]:
        """What a person was answered in the conversation: response_url posts and messages in acks, in order."""
        with self._lock:
            return [c for c in self.calls if c.method in ("response_url", ACK_MESSAGE)]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [c.method for c in self.calls]

    def mark(self) -> int:
        """A position in the call log (see `since`)."""
        with self._lock:
            return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        with self._lock:
            return list(self.calls[mark:])

    # --- answering ------------------------------------------------------------------------------

    def posts(self) -> list[Call]:
        """The chat.postMessage calls that succeeded (what Slack would show)."""
        with self._lock:
            return [c for c in self.calls if c.method == "chat.postMessage" and c.ok]

    def respond(
        self, path: str, headers: Mapping[str, str], raw: bytes
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        """(status, body, extra response headers) for one request."""
        url = urlsplit(path)
        headers = {k.lower(): v for k, v in headers.items()}
        params: dict[str, Any] = dict(parse_qsl(url.query))
        ctype = (headers.get("content-type") or "").split(";")[0].strip()
        if raw and ctype == "application/json":
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode()))
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        auth = headers.get("authorization") or ""
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else params.get("token")
        if auth.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
            with contextlib.suppress(ValueError):
                client_id, _, client_secret = base64.b64decode(auth[len("Basic ") :]).decode().partition(":")
                params.setdefault("client_id", client_id)
                params.setdefault("client_secret", client_secret)
        if url.path.startswith("/response/"):
            with self._lock:
                self.calls.append(Call("response_url", params, url.path, None))
            return 200, "ok", {}
        method = url.path.removeprefix("/api/")
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            failure = self._failure_for(method, {**params, "_team": self.tokens.get(token or "")})
            if failure is None and self.rate_limits is not None:
                workspace = self.tokens.get(token or "") or str(token)
                wait = self.rate_limits.retry_after(method, workspace, params.get("channel"))
                failure = Failure("ratelimited", {}, None, 429, wait) if wait is not None else None
            self.calls.append(Call(method, params, url.path, token, ok=failure is None))
            if failure is not None:
                extra = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
                return failure.status, {"ok": False, "error": failure.error}, extra
            return 200, self._answer(method, params, token), {}

    def _failure_for(self, method: str, params: dict[str, Any]) -> Failure | None:
        for f in self._failures.get(method, []):
            if all(params.get(k) == v for k, v in f.match.items()) and f.times != 0:
                if f.times is not None:
                    f.times -= 1
                return f
        return None

    def _answer(self, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        n = next(self._ids)
        if method == "oauth.v2.access":
            return self._oauth(params)
        team = self._team_of(token)
        if team is None:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        if method == "auth.revoke":
            self.revoke(team) if not self.workspaces else self.tokens.pop(token or "", None)
            return {"ok": True, "revoked": True}
        ws = self.workspaces.get(team)
        match method:
            case "auth.test":
                if ws is not None:
                    return {
                        "ok": True,
                        "url": f"https://{ws.team_id.lower()}.slack.example/",
                        "team": ws.name,
                        "user": "licensebot",
                        "team_id": ws.team_id,
                        "user_id": ws.bot_user_id,
                        "bot_id": f"B{ws.team_id}",
                        "enterprise_id": ws.enterprise_id,
                        "is_enterprise_install": ws.org_install,
                    }
                return {
                    "ok": True,
                    "url": "https://standin.slack.example/",
                    "team": "Stand-in",
                    "user": "licensebot",
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "bot_id": "B0BOT",
                }
            case "users.info":
                user = self.users.get(str(params.get("user")))
                if user and str(params.get("include_locale", "")).lower() not in ("1", "true"):
                    user = {k: v for k, v in user.items() if k != "locale"}
                return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
            case "users.lookupByEmail":
                email = str(params.get("email", "")).lower()
                match = [u for u in self.users.values() if str(u["profile"].get("email", "")).lower() == email]
                found = {k: v for k, v in match[0].items() if k != "locale"} if match else None
                return {"ok": True, "user": found} if found else {"ok": False, "error": "users_not_found"}
            case "chat.postMessage" | "chat.postEphemeral" | "chat.update":
                ts = f"1700000000.{n:06d}"
                channel = str(params.get("channel", ""))
                return {
                    "ok": True,
                    "channel": channel,
                    "ts": ts,
                    "message_ts": ts,
                    "message": {"text": params.get("text"), "blocks": params.get("blocks"), "ts": ts},
                }
            case "conversations.open":
                return {"ok": True, "channel": {"id": f"D{str(params.get('users', 'X'))[:10]}"}}
            case "views.open" | "views.push":
                view = {**params.get("view", {}), "id": f"V{n:08d}", "hash": f"{n}.h", "team_id": self.team_id}
                view.setdefault("state", {"values": {}})
                self.views[view["id"]] = view
                return {"ok": True, "view": view}
            case "views.update":
                view_id = str(params.get("view_id", ""))
                old = self.views.get(view_id)
                if old is None:
                    return {"ok": False, "error": "not_found"}
                if params.get("hash") and params["hash"] != old.get("hash"):
                    return {"ok": False, "error": "hash_conflict"}
                view = {**params.get("view", {}), "id": view_id, "hash": f"{n}.h", "team_id": self.team_id}
                view.setdefault("state", {"values": {}})
                self.views[view_id] = view
                return {"ok": True, "view": view}
            case "views.publish":
                view = {**params.get("view", {}), "id": f"V{n:08d}", "hash": f"{n}.h"}
                self.homes[str(params.get("user_id"))] = view
                return {"ok": True, "view": view}
            case _:
                return {"ok": True}
