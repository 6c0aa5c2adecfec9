"""/health/live, /health/ready and /health: what a load balancer or an orchestrator can act on."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.worker.loop import STALE_MIN, Background
from handlers.deps import Deps
from handlers.health import DatabaseCheck, Readiness
from handlers.http import build_wsgi
from store.db import Database, normalize_url
from tests.conftest import PG_URL


def call(app: Any, path: str, method: str = "GET") -> tuple[str, dict[str, Any]]:
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"] = status

    body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path}, start_response))
    return got["status"], json.loads(body) if body.startswith(b"{") else {"text": body.decode()}


def test_live_answers_while_the_process_is_up_whatever_the_database(tmp_path: Path) -> None:
    broken = Database.connect(f"sqlite:///{tmp_path}/no/such/dir/x.db", migrate=False)
    app = build_wsgi(None, Deps(db=broken))
    assert call(app, "/health/live") == ("200 OK", {"status": "live"})
    assert call(app, "/health/live", "POST")[0] == "405 Method Not Allowed"


def test_ready_is_503_with_the_database_down_and_200_when_it_is_back(tmp_path: Path) -> None:
    url_file = tmp_path / "later" / "x.db"
    later = Database.connect(f"sqlite:///{url_file}", migrate=False)
    app = build_wsgi(None, Deps(db=later))
    for path in ("/health/ready", "/health"):
        status, body = call(app, path)
        assert status == "503 Service Unavailable"
        assert body["status"] == "not ready" and body["reason"] == "database: unreachable"
        assert body["database"] == "unreachable"
    url_file.parent.mkdir()  # the database comes back
    for path in ("/health/ready", "/health"):
        status, body = call(app, path)
        assert status == "200 OK"
        assert body == {"status": "ready", "checks": {"database": "ok"}, "database": "reachable"}


class HangingDatabase:
    """A database whose reads wait until `release` is set (a server that stopped answering)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.probes = 0

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[Session]:
        raise AssertionError("the health check only calls reachable()")

    def reading(self) -> AbstractContextManager[Connection]:
        raise AssertionError("the health check only calls reachable()")

    def reachable(self, timeout: float | None = None) -> bool:
        self.probes += 1
        self.release.wait(30)
        return True


def test_ready_answers_even_when_the_database_hangs_and_probes_it_once_at_a_time() -> None:
    hanging = HangingDatabase()
    readiness = Readiness(hanging)
    readiness.checks["database"] = DatabaseCheck(hanging, timeout=0.05)
    app = build_wsgi(None, Deps(db=hanging), readiness=readiness)
    try:
        for _ in range(3):
            status, body = call(app, "/health/ready")
            assert status == "503 Service Unavailable"
            assert body["reason"] == "database: unreachable: no answer within 0.05 s"
        assert hanging.probes == 1  # the stuck probe is waited on again, not joined by new threads
    finally:
        hanging.release.set()
    readiness.checks["database"] = DatabaseCheck(hanging, timeout=5)
    assert call(app, "/health/ready")[0] == "200 OK"


def test_every_failing_check_is_named_in_the_reason(db: Database) -> None:
    readiness = Readiness(db)
    readiness.add("slack", lambda: "the Socket Mode connection to Slack is down (reconnecting)")
    readiness.add("worker", lambda: "stopped")

    def broken() -> str | None:
        raise ZeroDivisionError

    readiness.add("broken", broken)
    status, body = call(build_wsgi(None, Deps(db=db), readiness=readiness), "/health/ready")
    assert status == "503 Service Unavailable"
    assert body["reason"] == (
        "slack: the Socket Mode connection to Slack is down (reconnecting); worker: stopped; "
        "broken: check failed: ZeroDivisionError"
    )
    assert body["checks"]["database"] == "ok"


def test_the_embedded_worker_is_ready_while_its_passes_end() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    worker = Background(thread=thread, stop_event=stop, interval=60, started=1000.0)
    assert worker.problem(now=1000.0 + STALE_MIN) is None  # the first pass may take a while
    assert worker.problem(now=1001.0 + STALE_MIN) == "the first pass has not ended in 301 s (more than 300 s)"
    worker.last_pass = 2000.0
    assert worker.problem(now=2100.0) is None
    assert worker.problem(now=2000.0 + 400) == "no pass ended in 400 s (more than 300 s)"
    worker.stop()
    assert worker.problem() == "stopped"


class Proxy:
    """A TCP proxy in front of PostgreSQL that can stop forwarding (a database that hangs) and go on."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.flowing.set()
        for sock in self.sockets:
            sock.close()


@pytest.mark.postgres_only
def test_ready_on_postgresql_that_hangs_then_answers_again() -> None:
    assert PG_URL
    url = make_url(normalize_url(PG_URL))
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    db = Database.connect(
        url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), migrate=False
    )
    app = build_wsgi(None, Deps(db=db))
    try:
        assert call(app, "/health/ready")[0] == "200 OK"
        proxy.flowing.clear()  # the server stops answering
        status, body = call(app, "/health/ready")
        assert status == "503 Service Unavailable"
        assert body["reason"] == "database: unreachable: no answer within 0.8 s"
        proxy.flowing.set()  # and answers again
        assert call(app, "/health/ready")[0] == "200 OK"
    finally:
        proxy.close()
        db.dispose()
