"""Plays Slack's side of the conversation: signed requests, as Slack sends them, to a WSGI app.

Slash commands, button clicks, modal submissions and App Home openings are built the way Slack
builds them (form-encoded command, `payload=` JSON for interactivity, JSON events), signed with the
signing secret (v0, HMAC SHA256 over `v0:{timestamp}:{body}`) and passed to the WSGI callable.
`response_url`s point at the Web API stand-in, which records what the app answers there.
Used by `licensebot demo` and the tests.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import io
import itertools
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

from bot.testing.slack_standin import SlackStandIn

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
APP_ID = "A0LICENSES"


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class SlackSim:
    app: WsgiApp
    signing_secret: str
    standin: SlackStandIn
    team: str = "T0001"
    clock: Callable[[], float] = time.time
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    last: tuple[bytes, str] | None = None
    """(body, content type) of the last request sent: `send(*sim.last, ...)` delivers it again (a retry)."""

    def _next(self) -> int:
        return next(self._ids)

    # --- the raw request ------------------------------------------------------------------------

    def send(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        sign: str | None = None,
        path: str = "/slack/events",
        method: str = "POST",
        headers: Mapping[str, str | None] | None = None,
    ) -> Response:
        """One HTTP request through the WSGI app; signed with the secret unless `sign` is given.

        `headers` adds or replaces HTTP headers (e.g. X-Slack-Retry-Num); a None value leaves one out.
        """
        self.last = (body, content_type)
        ts = int(self.clock()) if timestamp is None else timestamp
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(body),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(ts),
            "HTTP_X_SLACK_SIGNATURE": sign if sign is not None else signature(self.signing_secret, ts, body),
        }
        for name, value in (headers or {}).items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        setup_testing_defaults(environ)
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = {k.lower(): v for k, v in headers}

        # Each request in its own context, as a server runs it: a request's language stays in it.
        data = contextvars.copy_context().run(lambda: _read(self.app(environ, start_response)))
        return Response(captured["status"], captured["headers"], data)

    def _payload(self, payload: dict[str, Any], **how: Any) -> Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.send(body, "application/x-www-form-urlencoded", **how)

    def _user(self, user: str, team: str) -> dict[str, Any]:
        name = (self.standin.users.get(user) or {}).get("name", user.lower())
        return {"id": user, "username": name, "name": name, "team_id": team}

    # --- what people do -------------------------------------------------------------------------

    def command(
        self,
        user: str,
        text: str = "",
        *,
        channel: str = "C0GENERAL",
        team: str | None = None,
        name: str = "/licenses",
        **how: Any,
    ) -> Response:
        team = team or self.team
        form = {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "standin",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "user_name": self._user(user, team)["name"],
            "command": name,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.standin.response_url(f"cmd{self._next()}"),
            "trigger_id": f"{self._next()}.trigger",
        }
        response = self.send(urlencode(form).encode(), "application/x-www-form-urlencoded", **how)
        shown = response.json() if response.status == 200 and response.body.strip().startswith(b"{") else None
        if isinstance(shown, dict) and ("text" in shown or "blocks" in shown):
            self.standin.ack_message(shown, form["trigger_id"])  # Slack shows an ack's message as the answer
        return response

    def click(
        self,
        user: str,
        action_id: str,
        value: str | None = None,
        *,
        where: str = "message",
        team: str | None = None,
        channel: str = "C0GENERAL",
        user_team: str | None = None,
        view_id: str | None = None,
        state: dict[str, Any] | None = None,
        selected: str | None = None,
        **how: Any,
    ) -> Response:
        """A button click: in an (ephemeral) message (with a response_url), the App Home, a DM, or a modal
        (`where="modal"`: the modal `view_id`, by default the last one opened). `user_team`: the clicking
        user's own workspace when it is not `team` (Slack Connect, Grid). `state`: the values typed into the
        App Home's inputs (view.state.values)."""
        team = team or self.team
        action: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": "b",
            "action_ts": f"{self.clock():.6f}",
        }
        if value is not None:
            action["value"] = value
        if selected is not None:  # a static_select (the App Home's language selector): the option chosen
            action |= {"type": "static_select", "selected_option": {"value": selected}}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": self._user(user, user_team or team),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": f"{self._next()}.trigger",
            "team": {"id": team, "domain": "standin"},
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if where == "modal":
            modal = self.standin.views[view_id or self.last_modal_id()]
            payload["container"] = {"type": "view", "view_id": modal["id"]}
            payload["view"] = {**modal, "team_id": team}
        elif where == "home":
            home = self.standin.homes.get(user, {})
            payload["container"] = {"type": "view", "view_id": home.get("id", "V0HOME")}
            payload["view"] = {**home, "type": "home", "team_id": team, "state": {"values": state or {}}}
        else:
            payload["container"] = {"type": "message", "message_ts": "1700000000.000001", "channel_id": channel}
            payload["channel"] = {"id": channel, "name": "general"}
            payload["response_url"] = self.standin.response_url(f"act{self._next()}")
        return self._payload(payload, **how)

    def submit(
        self,
        user: str,
        view_id: str,
        values: dict[str, Any],
        *,
        team: str | None = None,
        user_team: str | None = None,
        **how: Any,
    ) -> Response:
        """Submit the modal `view_id` as the stand-in last saw it, with `values` as its view.state.values."""
        team = team or self.team
        view = {**self.standin.views[view_id], "state": {"values": values}, "team_id": team}
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "standin"},
            "user": self._user(user, user_team or team),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": f"{self._next()}.trigger",
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._payload(payload, **how)

    def suggest(
        self, user: str, action_id: str, block_id: str, typed: str, *, team: str | None = None, **how: Any
    ) -> Response:
        """Typing into an external select of the last modal: Slack's `block_suggestion` request."""
        team = team or self.team
        payload = {
            "type": "block_suggestion",
            "user": self._user(user, team),
            "team": {"id": team, "domain": "standin"},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": self.last_modal_id()},
            "view": {**self.modal(), "team_id": team},
            "action_id": action_id,
            "block_id": block_id,
            "value": typed,
            "action_ts": f"{self.clock():.6f}",
        }
        return self._payload(payload, **how)

    def event(self, event: dict[str, Any], *, team: str | None = None, **how: Any) -> Response:
        """Any Events API event (e.g. `user_change`, app_uninstalled, tokens_revoked) for `team`."""
        team = team or self.team
        envelope = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": APP_ID,
            "event": {"event_ts": f"{self.clock():.6f}", **event},
            "type": "event_callback",
            "event_id": f"Ev{self._next():08d}",
            "event_time": int(self.clock()),
            "authorizations": [{"team_id": team, "user_id": self.standin.bot_user_id, "is_bot": True}],
        }
        return self.send(json.dumps(envelope).encode(), "application/json", **how)

    def browse(self, path: str, query: str = "", *, cookie: str | None = None, method: str = "GET") -> Response:
        """A browser's request (no Slack signature): the install page, the OAuth redirect."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": "0",
            "wsgi.input": io.BytesIO(b""),
        }
        if cookie:
            environ["HTTP_COOKIE"] = cookie
        setup_testing_defaults(environ)
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = {k.lower(): v for k, v in headers}

        data = contextvars.copy_context().run(lambda: _read(self.app(environ, start_response)))
        return Response(captured["status"], captured["headers"], data)

    def open_home(self, user: str, *, team: str | None = None, **how: Any) -> Response:
        team = team or self.team
        event_id = self._next()
        envelope = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": APP_ID,
            "event": {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user}",
                "tab": "home",
                "event_ts": f"{self.clock():.6f}",
            },
            "type": "event_callback",
            "event_id": f"Ev{event_id:08d}",
            "event_time": int(self.clock()),
            "authorizations": [{"team_id": team, "user_id": self.standin.bot_user_id, "is_bot": True}],
        }
        return self.send(json.dumps(envelope).encode(), "application/json", **how)

    # --- reading the modal the app has open -----------------------------------------------------

    def last_modal_id(self) -> str:
        """The id of the modal most recently opened (views.update keeps the id)."""
        if not self.standin.views:
            raise LookupError("no modal was opened")
        return list(self.standin.views)[-1]

    def modal(self, view_id: str | None = None) -> dict[str, Any]:
        """The modal as Slack shows it now (after views.update)."""
        return self.standin.views[view_id or self.last_modal_id()]


def _read(chunks: Iterable[bytes]) -> bytes:
    """A WSGI body, closed after."""
    try:
        return b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close:
            close()
