"""The importable WSGI app, for gunicorn and other WSGI servers (several processes, docs/operations.md
"Scaling"):

    gunicorn -c python:bot.gunicorn_conf 'bot.wsgi:app'

`app` is built when it is first looked up (`bot.wsgi.app`: in each gunicorn worker after the fork, when
gunicorn loads it), from the same environment as `licensebot serve` (SLACK_*, DATABASE_URL,
DATABASE_POOL_SIZE, ...): the same routes, the same signature check, the same after-ack pool. It runs no
background worker: run `licensebot worker` beside it (one or more). `create_app()` builds a new one.

Stopping: a gunicorn worker told to stop (SIGTERM, or the master's graceful shutdown) lets the answers
after its acks end first, up to 20 s, as `licensebot serve` does: the `worker_exit` hook of
bot/gunicorn_conf.py calls `shutdown`, and without that config an exit handler (atexit) does.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from bot.cli import logs
from bot.cli.serve import Service, build_service, stop_service
from handlers import quick
from handlers.http import WsgiApp
from store.db import Database, database_url

log = logging.getLogger(__name__)
_lock = threading.Lock()
_services: list[Service] = []
_app: WsgiApp | None = None


def create_app(database: str | None = None, *, migrate: bool = True, ready: str = "") -> WsgiApp:
    """A new WSGI app from the environment over `database` (default DATABASE_URL), the schema upgraded first
    (one process at a time) unless not `migrate` (`licensebot serve --workers N` upgrades it once, before
    its workers start); UserError (one line) for a missing or bad setting. Its answers after acks are
    drained by `shutdown`. `ready`: the line logged once it is built."""
    logs.configure()
    quick.after_acks_only()  # gunicorn tells no queue length: statuses after their acks (handlers/quick.py)
    db = Database.connect(database or database_url(), migrate=migrate, check=not migrate)
    service = build_service(db, worker=False)
    with _lock:
        first = not _services
        _services.append(service)
    if first:
        atexit.register(shutdown)
    logs.say(ready or "licensebot: WSGI app ready (no background worker in this process: run `licensebot worker`)")
    return service.wsgi


def shutdown() -> int:
    """Finish the answers after acks of every app of this process (20 s at most); how many were left. Safe
    to call more than once."""
    with _lock:
        services, _services[:] = list(_services), []
    if services:
        logs.say("licensebot: stopping: finishing the answers after acks")
    return sum(stop_service(service) for service in services)


def __getattr__(name: str) -> Any:
    """`bot.wsgi.app`: built once, on first use."""
    global _app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        built = _app
    if built is None:
        built = create_app()
        with _lock:
            _app = _app or built
            built = _app
    return built
