"""Health of a `licensebot serve` process, for load balancers and orchestrators (docs/operations.md).

- `/health/live`: the process is up and its HTTP side answers (200, nothing else is checked: a restart
  would not help a database that is down).
- `/health/ready`: this process can do its work now: 200 when every check passes, else 503 with the
  reasons. The checks: `database` (a read answers, within DB_TIMEOUT), and what `licensebot serve` adds:
  `slack` (the bot token was valid at start: auth.test; Socket Mode: the socket is connected) and
  `worker` (the embedded worker is alive and its last pass ended recently).
- `/health`: the same as `/health/ready` (it answered 200 even with the database down before).

Every answer comes within about a second even when the database hangs: the read runs on a thread of
its own and is given DB_TIMEOUT; while it is still stuck, later checks answer at once without starting
another (one probe at a time per process).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from bot.usecases.ports import Database

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

Check = Callable[[], str | None]
"""A readiness check: None when fine, else the reason (one short line)."""

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
DB_TIMEOUT = 0.8
"""Seconds the readiness check waits for the database's answer (the whole answer stays under 1 s)."""


class DatabaseCheck:
    """`database`: whether a read answers within `timeout` seconds (Database.reachable on a thread).

    The probe runs on a daemon thread: one stuck on a database that hangs never holds up the exit."""

    def __init__(self, db: Database, timeout: float = DB_TIMEOUT) -> None:
        self._db = db
        self._timeout = timeout
        self._lock = threading.Lock()
        self._probe: Future[bool] | None = None

    def _start(self) -> Future[bool]:
        probe: Future[bool] = Future()

        def run() -> None:
            try:
                probe.set_result(self._db.reachable(self._timeout))
            except BaseException as exc:
                probe.set_exception(exc)

        threading.Thread(target=run, name="health-db", daemon=True).start()
        return probe

    def __call__(self) -> str | None:
        with self._lock:
            if self._probe is None or self._probe.done():
                self._probe = self._start()
            probe = self._probe
        try:
            reachable = probe.result(self._timeout)
        except FutureTimeout:
            return f"unreachable: no answer within {self._timeout:g} s"
        except Exception as exc:  # reachable() reports failures as False; anything else is a reason too
            return f"unreachable: {type(exc).__name__}"
        return None if reachable else "unreachable"


class Readiness:
    """Named checks, run in order on each `/health/ready`."""

    def __init__(self, db: Database | None = None) -> None:
        self.checks: dict[str, Check] = {}
        if db is not None:
            self.checks["database"] = DatabaseCheck(db)

    def add(self, name: str, check: Check) -> None:
        self.checks[name] = check

    def report(self) -> tuple[bool, dict[str, str]]:
        """Whether every check passed, and each check's result ("ok" or its reason)."""
        results: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                reason = check()
            except Exception as exc:
                reason = f"check failed: {type(exc).__name__}"
            results[name] = "ok" if reason is None else reason
        return all(r == "ok" for r in results.values()), results


def _json(start_response: StartResponse, status: str, payload: dict[str, Any]) -> list[bytes]:
    body = json.dumps(payload).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")]
    start_response(status, headers)
    return [body]


def _get_only(environ: dict[str, Any], start_response: StartResponse) -> list[bytes] | None:
    if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
        return None
    body = b"GET only\n"
    start_response("405 Method Not Allowed", [("Content-Type", "text/plain; charset=utf-8"), ("Allow", "GET, HEAD")])
    return [body]


def live_app() -> WsgiApp:
    """GET /health/live: 200 `{"status": "live"}` while the process answers HTTP."""

    def live(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return _get_only(environ, start_response) or _json(start_response, "200 OK", {"status": "live"})

    return live


def ready_app(readiness: Readiness) -> WsgiApp:
    """GET /health/ready: 200 `{"status": "ready", "checks": {...}, "database": "reachable"}`, or 503
    `{"status": "not ready", "reason": "database: unreachable; ...", "checks": {...}, ...}`."""

    def ready(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        refused = _get_only(environ, start_response)
        if refused is not None:
            return refused
        ok, checks = readiness.report()
        payload: dict[str, Any] = {"status": "ready" if ok else "not ready"}
        if not ok:
            payload["reason"] = "; ".join(f"{name}: {r}" for name, r in checks.items() if r != "ok")
        payload["checks"] = checks
        if "database" in checks:  # what /health answered before
            payload["database"] = "reachable" if checks["database"] == "ok" else "unreachable"
        return _json(start_response, "200 OK" if ok else "503 Service Unavailable", payload)

    return ready
