"""The background handler's entry points (the code is in bot/background/; see docs/worker.md).

- `add_commands(sub)`: `licensebot tick` and `licensebot worker` (wired in bot/cli.py).
- `start_background(deps)`: what `licensebot serve` starts unless `--no-worker`.
- `run_once(db, sender, now)`: one pass (tick every due account, then send what is due).
"""

from __future__ import annotations

from bot.background.cli import add_commands
from bot.background.hooks import Hooks, installed_hooks
from bot.background.loop import (
    DEFAULT_INTERVAL,
    Background,
    PassReport,
    run_once,
    slack_sender,
    start,
    worker_database,
)
from bot.background.sender import DEFAULT_THREADS, Sender
from handlers.deps import Deps

__all__ = [
    "Background",
    "Hooks",
    "PassReport",
    "Sender",
    "add_commands",
    "run_once",
    "slack_sender",
    "start_background",
]


def start_background(
    deps: Deps,
    *,
    interval: float = DEFAULT_INTERVAL,
    threads: int = DEFAULT_THREADS,
    sender: Sender | None = None,
    hooks: Hooks | None = None,
) -> Background:
    """Run the worker loop in a daemon thread; `.stop()` ends it after the current pass.

    Posts with SLACK_BOT_TOKEN to SLACK_API_URL unless a `sender` is given; uses `deps.clock`; runs
    the installed features' hooks (the Teamleader sync) unless `hooks` are given.
    """
    sender = sender or slack_sender(threads=threads)
    hooks = hooks if hooks is not None else installed_hooks()
    return start(worker_database(deps.db, threads), sender, interval=interval, clock=deps.clock, hooks=hooks)
