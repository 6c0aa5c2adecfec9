"""Web API calls and response-URL posts over kept-alive connections (HTTP/1.1).

slack_sdk's sync WebClient and WebhookClient open a new connection (TCP and TLS) for every call through
urllib, and have no session of their own: bench/README.md measured it as a fifth to a quarter of the
server's CPU per request. Here the same clients send through `Connections`, a process-wide pool of idle
http.client connections per (scheme, host, port): a call takes an idle one (or opens one) and gives it
back after reading the whole answer, unless the server said it closes.

Only slack_sdk's transport step is replaced (`_perform_urllib_http_request_internal` of the WebClient,
`_perform_http_request_internal` of the WebhookClient): retries, rate-limit handlers, parsing and errors
stay slack_sdk's, which sees the same answer and the same urllib HTTPError for a status >= 300 as with
urllib. A proxy setting falls back to urllib.

A connection the server closed while idle is found before it is used (readable while idle: urllib3's
check) and replaced; a reused one that fails while the request is being sent is retried once on a new
connection (the server cannot have acted on a request it did not receive). A failure after that is
raised as urllib's would be: a POST is never sent twice.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_bolt import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient, WebhookResponse

IDLE_SECONDS = 30.0
"""An idle connection older than this is closed rather than reused (servers close idle ones after a while)."""
MAX_IDLE_PER_HOST = 32
"""Idle connections kept per host; more at the same moment are closed when given back."""

Key = tuple[str, str, int]


@dataclass
class _Idle:
    conn: http.client.HTTPConnection
    since: float


class Connections:
    """Idle HTTP/1.1 connections per (scheme, host, port), shared by every thread of the process."""

    def __init__(self) -> None:
        self._idle: dict[Key, list[_Idle]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._pruned = time.monotonic()
        self.opened = 0
        """Connections opened so far (tests, bench)."""

    def _take(self, key: Key) -> http.client.HTTPConnection | None:
        now = time.monotonic()
        with self._lock:
            if self._pid != os.getpid():  # a forked child never shares its parent's sockets
                self._idle, self._pid = {}, os.getpid()
            idle = self._idle.get(key) or []
            while idle:
                entry = idle.pop()
                if now - entry.since <= IDLE_SECONDS and not _dropped(entry.conn):
                    return entry.conn
                entry.conn.close()
        return None

    def _give_back(self, key: Key, conn: http.client.HTTPConnection) -> None:
        now = time.monotonic()
        stale: list[_Idle] = []
        with self._lock:
            if now - self._pruned > IDLE_SECONDS:  # hosts no longer called keep no idle connections
                self._pruned = now
                for entries in self._idle.values():
                    stale += [e for e in entries if now - e.since > IDLE_SECONDS]
                    entries[:] = [e for e in entries if now - e.since <= IDLE_SECONDS]
            idle = self._idle.setdefault(key, [])
            kept = len(idle) < MAX_IDLE_PER_HOST and self._pid == os.getpid()
            if kept:
                idle.append(_Idle(conn, now))
        for entry in stale:
            entry.conn.close()
        if not kept:
            conn.close()

    def _open(self, key: Key, timeout: float | None, context: ssl.SSLContext | None) -> http.client.HTTPConnection:
        scheme, host, port = key
        with self._lock:
            self.opened += 1
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def post(
        self,
        url: str,
        body: bytes | None,
        headers: Sequence[tuple[str, str]],
        *,
        timeout: float | None,
        context: ssl.SSLContext | None = None,
    ) -> tuple[int, str, Message, bytes]:
        """POST `body` to `url`: the status, reason, headers and the whole body of the answer."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        key = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            conn = self._take(key)
            reused = conn is not None
            conn = conn or self._open(key, timeout, context)
            conn.timeout = timeout
            try:
                conn.request("POST", path, body=body, headers=dict(headers))
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if reused and attempt == 1:
                    continue  # the server closed it under us before taking the request: once more, anew
                raise URLError(exc) from exc  # as urllib: connecting or sending failed
            try:
                resp = conn.getresponse()
                data = resp.read()
            except BaseException:
                conn.close()
                raise
            if resp.will_close:
                conn.close()
            else:
                self._give_back(key, conn)
            return resp.status, resp.reason, resp.headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for entries in idle.values():
            for entry in entries:
                entry.conn.close()


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """An idle connection the peer closed (or that has unexpected bytes waiting): not to be reused."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


CONNECTIONS = Connections()
"""The process's pool: every KeepAliveWebClient and response-URL post uses it."""


class _Answer:
    """What slack_sdk reads of urllib's response (`.headers`, `.code`, `.status`, `.read()`)."""

    def __init__(self, status: int, headers: Message, data: bytes) -> None:
        self.status = self.code = status
        self.headers = headers
        self._data = data

    def read(self) -> bytes:
        return self._data


def _send(req: Request, timeout: float | None, context: ssl.SSLContext | None) -> _Answer:
    url = req.full_url
    data = req.data if isinstance(req.data, bytes | None) else bytes(req.data)  # type: ignore[arg-type]
    headers = [(k, str(v)) for k, v in req.header_items()]
    if data is not None and not any(k.lower() == "content-length" for k, _ in headers):
        headers.append(("Content-Length", str(len(data))))
    status, reason, answer_headers, body = CONNECTIONS.post(url, data, headers, timeout=timeout, context=context)
    if not 200 <= status < 300:  # as urllib: slack_sdk reads the code, headers and body of the HTTPError
        raise HTTPError(url, status, reason, answer_headers, io.BytesIO(body))
    return _Answer(status, answer_headers, body)


class KeepAliveWebClient(WebClient):
    """slack_sdk's WebClient over the process's kept-alive connections (see the module docstring)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_urllib_http_request_internal(url, req)
        resp = _send(req, self.timeout, self.ssl)
        if resp.headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": resp.headers, "body": resp.read()}
        charset = resp.headers.get_content_charset() or "utf-8"
        return {"status": resp.status, "headers": resp.headers, "body": resp.read().decode(charset)}


class KeepAliveWebhookClient(WebhookClient):
    """slack_sdk's WebhookClient (response URLs) over the process's kept-alive connections."""

    def _perform_http_request_internal(self, url: str, req: Request) -> WebhookResponse:
        if self.proxy is not None or not url.lower().startswith("http"):
            return super()._perform_http_request_internal(url, req)  # type: ignore[no-any-return]
        resp = _send(req, self.timeout, self.ssl)
        charset = resp.headers.get_content_charset() or "utf-8"
        body = resp.read().decode(charset)
        return WebhookResponse(url=url, status_code=resp.status, body=body, headers=resp.headers)  # type: ignore[arg-type]


class KeepAliveRespond(Respond):
    """Bolt's `respond` (the request's response_url) posting through KeepAliveWebhookClient."""

    @classmethod
    def of(cls, respond: Respond) -> KeepAliveRespond:
        return (
            respond
            if isinstance(respond, cls)
            else cls(response_url=respond.response_url, proxy=respond.proxy, ssl=respond.ssl)
        )

    def __call__(self, text: str | dict[str, Any] = "", **fields: Any) -> WebhookResponse:  # type: ignore[override]
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        client = KeepAliveWebhookClient(url=self.response_url, proxy=self.proxy, ssl=self.ssl)
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **fields)
        return client.send_dict(message)
