"""gunicorn settings for licensebot: `gunicorn -c python:bot.gunicorn_conf 'bot.wsgi:app'`.

Threads, not processes, inside a worker (gthread): most of a request waits on Slack or the database. The
number of worker processes is gunicorn's --workers (or WEB_CONCURRENCY); docs/operations.md "Scaling"
has the arithmetic with DATABASE_POOL_SIZE against PostgreSQL's max_connections. Command-line options
override these. Do not use --preload: each worker must open its own database connections after the fork.
"""

from __future__ import annotations

import os
from typing import Any

bind = os.environ.get("LICENSEBOT_BIND", "0.0.0.0:3000")
worker_class = "gthread"
threads = int(os.environ.get("LICENSEBOT_THREADS", "8"))
"""HTTP threads per worker, as `licensebot serve --threads` (default 8)."""
graceful_timeout = 30
"""Seconds a stopping worker has (its answers after acks get up to 20 of them)."""
timeout = 60
limit_request_line = 8190


def worker_exit(server: Any, worker: Any) -> None:
    """A worker stops: its answers after acks end first (bot/wsgi.py `shutdown`)."""
    from bot import wsgi

    wsgi.shutdown()
