"""The OAuth redirect as a WSGI route. `licensebot serve` mounts `wsgi_routes` (bot/cli/serve.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from bot.teamleader.oauth import CALLBACK_PATH, handle_callback
from store.db import Database

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def callback_app(db: Database, clock: Callable[[], datetime]) -> WsgiApp:
    """GET /teamleader/callback?code=…&state=… → an HTML page saying whether the account is connected."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            status, page = 405, "GET only"
        else:
            query = dict(parse_qsl(environ.get("QUERY_STRING") or "", keep_blank_values=True))
            status, page = handle_callback(db, query, clock())
        body = page.encode("utf-8")
        start_response(
            f"{status} {HTTPStatus(status).phrase}",
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                # The address carries the authorization code: never hand it on as a referrer.
                ("Referrer-Policy", "no-referrer"),
            ],
        )
        return [body]

    return app


def wsgi_routes(db: Database, clock: Callable[[], datetime]) -> dict[str, WsgiApp]:
    return {CALLBACK_PATH: callback_app(db, clock)}
