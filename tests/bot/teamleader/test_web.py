"""The OAuth callback as mounted by `licensebot serve` (through its route extensions)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest

from bot.cli.serve import extension_routes
from bot.teamleader import oauth
from bot.teamleader.status import connection_status
from handlers.deps import Deps
from handlers.http import build_wsgi
from store.db import Database
from tests.bot.teamleader.fake import ENV, FakeTeamleader
from tests.conftest import NOW
from tests.factories import add_account


def call(app: Any, path: str, query: dict[str, str], method: str = "GET") -> tuple[str, dict[str, str], str]:
    environ: dict[str, Any] = {"PATH_INFO": path, "QUERY_STRING": urlencode(query), "REQUEST_METHOD": method}
    setup_testing_defaults(environ)
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app(environ, start_response)).decode()
    return seen["status"], seen["headers"], body


@pytest.fixture
def wsgi(db: Database, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    deps = Deps(db=db, clock=lambda: NOW)
    return build_wsgi(None, deps, extension_routes(db, deps.clock))


def test_serve_mounts_the_callback_and_it_connects(db: Database, fake: FakeTeamleader, wsgi: Any) -> None:
    add_account(db)
    url = oauth.start_connect(db, team="T0001", client=fake.client(), now=NOW)
    state = parse_qs(urlsplit(url).query)["state"][0]
    status, headers, body = call(wsgi, oauth.CALLBACK_PATH, {"code": "good-code-1", "state": state})
    assert status == "200 OK" and "Teamleader connected" in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Referrer-Policy"] == "no-referrer" and headers["Cache-Control"] == "no-store"
    info = connection_status(db, "T0001")
    assert info is not None and not info.reconnect_needed
    status, _, body = call(wsgi, oauth.CALLBACK_PATH, {"code": "good-code-1", "state": state})
    assert status == "400 Bad Request" and "used already" in body


def test_the_callback_takes_get_only(db: Database, wsgi: Any) -> None:
    status, _, _ = call(wsgi, oauth.CALLBACK_PATH, {}, method="POST")
    assert status == "405 Method Not Allowed"
