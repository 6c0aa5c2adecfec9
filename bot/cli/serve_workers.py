"""`licensebot serve --workers N` (N > 1): N processes serving the same port, under gunicorn's master.

gunicorn (the `licensebot[gunicorn]` extra) runs in this process as the master, with bot/gunicorn_conf.py's
settings (gthread workers of `--threads` threads, graceful_timeout 30, each stopping worker drains the
answers after its acks). Each worker builds its own Slack app after the fork (bot/wsgi.py `create_app`),
over the schema this process upgraded once before they start.

The background worker runs once, not N times: as a child process of the master (`licensebot worker`, so
SQLite never has two of them), started again if it ends on its own, and stopped with the rest (SIGTERM:
it ends after its current pass). `--no-worker` leaves it out.

Stopping: SIGTERM or SIGINT to the master stops the workers gracefully (the requests in progress end, then
the answers after their acks, up to 20 s) and the background worker, then exits 0. Ctrl-C in a terminal
reaches every process of the group: the workers take SIGINT as SIGTERM too. SIGQUIT is gunicorn's quick
stop.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from typing import Any

from bot.cli import logs
from bot.core.errors import UserError

MAX_WORKERS = 32
"""The most HTTP processes `serve --workers` starts (each holds its own database pool: docs/operations.md)."""

RESTART_PAUSE = 5.0
"""Seconds between two starts of the background worker (one that fails at once is not restarted in a loop)."""


def check_workers(count: int) -> None:
    """UserError unless 1 <= count <= MAX_WORKERS."""
    if not 1 <= count <= MAX_WORKERS:
        raise UserError(f"--workers must be between 1 and {MAX_WORKERS} (got {count})")


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class BackgroundProcess:
    """`licensebot worker` as a child process of the gunicorn master."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.stopping = False

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command)
        self.started = time.monotonic()
        logs.say(f"licensebot: background worker started (pid {self.proc.pid})")

    def check(self) -> None:
        """Start it again if it ended on its own (not sooner than RESTART_PAUSE after the last start)."""
        if self.stopping or self.proc is None or self.proc.poll() is None:
            return
        if time.monotonic() - self.started < RESTART_PAUSE:
            return
        logs.say(f"licensebot: the background worker (pid {self.proc.pid}) ended; starting another")
        self.start()

    def signal_stop(self) -> None:
        self.stopping = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logs.say("licensebot: the background worker did not stop in time; killing it")
            self.proc.kill()
            self.proc.wait()


def worker_command(debug: bool) -> list[str]:
    """The `licensebot worker` command line for the child (same interpreter; the database in DATABASE_URL,
    not on a command line anyone can read)."""
    return [
        sys.executable,
        "-m",
        "bot.cli",
        *(["--debug"] if debug else []),
        "worker",
        "--no-migrate",
    ]


def require_gunicorn() -> None:
    """UserError (how to install it) unless gunicorn can be imported."""
    try:
        import gunicorn.app.base
        import gunicorn.arbiter  # noqa: F401
    except ImportError:
        raise UserError(
            "serve --workers N needs gunicorn: pip install 'licensebot[gunicorn]' (or run --workers 1)"
        ) from None


def serve_processes(args: argparse.Namespace, database: str) -> int:
    """Run gunicorn's master here with `args.workers` HTTP workers; the exit status (0 after a stop)."""
    require_gunicorn()
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    from bot import gunicorn_conf, wsgi

    master = os.getpid()  # gunicorn's workers are forks of this process: they leave through the same calls
    background = None if args.no_worker else BackgroundProcess(worker_command(args.debug))

    class Master(Arbiter):  # type: ignore[misc]
        def handle_int(self) -> None:
            raise StopIteration  # as SIGTERM: a graceful stop (gunicorn's SIGINT is a quick one)

        def manage_workers(self) -> None:
            super().manage_workers()
            if background is not None:
                background.check()

        def stop(self, graceful: bool = True) -> None:
            if background is not None:
                background.signal_stop()  # it finishes its pass while the workers drain
            logs.say("licensebot: stopping: the workers finish their requests and the answers after acks")
            super().stop(graceful)
            if background is not None:
                background.wait(timeout=gunicorn_conf.graceful_timeout)

    def post_worker_init(worker: Any) -> None:
        signal.signal(signal.SIGINT, worker.handle_exit)  # Ctrl-C reaches the group: stop gracefully

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": [bind_address(args.host, args.port)],
                "workers": args.workers,
                "threads": args.threads,
                "worker_class": gunicorn_conf.worker_class,
                "graceful_timeout": gunicorn_conf.graceful_timeout,
                "timeout": gunicorn_conf.timeout,
                "limit_request_line": gunicorn_conf.limit_request_line,
                "worker_exit": gunicorn_conf.worker_exit,
                "post_worker_init": post_worker_init,
                "proc_name": "licensebot",
            }
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 25: no socket in $HOME
                settings["control_socket_disable"] = True
            for name, value in settings.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            try:  # in each worker, after the fork
                return wsgi.create_app(database, migrate=False, ready=f"licensebot: HTTP worker {os.getpid()} ready")
            except Exception as exc:  # a refused token, Slack unreachable: one line, as `serve` says it
                if args.debug:
                    raise
                message = exc.message if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
                print(f"licensebot: error: an HTTP worker cannot start: {message}", file=sys.stderr, flush=True)
                sys.exit(Arbiter.APP_LOAD_ERROR)  # the master stops: every worker would fail alike

        def run(self) -> None:
            if background is not None:
                background.start()
            try:
                Master(self).run()
            finally:
                if background is not None and os.getpid() == master:
                    background.signal_stop()
                    background.wait(timeout=gunicorn_conf.graceful_timeout)

    os.environ["DATABASE_URL"] = database  # for the workers and the background worker
    try:
        Application().run()
    except SystemExit as exc:
        if os.getpid() != master:
            raise  # a worker ending (its exit status is its own)
        code = exc.code if isinstance(exc.code, int) else 1
        if code:
            logs.say(f"licensebot: the HTTP workers stopped with status {code} (see above)")
        return code
    return 0
