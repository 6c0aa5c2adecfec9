"""The one place that wires the worker to its Slack client and to the features' hooks.

- `slack_sender()`: the outbox sender posting with SLACK_BOT_TOKEN to SLACK_API_URL (default Slack);
- `slack_notices()`: the wording of the worker's messages, handlers/blocks/notices.py's builders;
- `installed_hooks()`: the Teamleader sync before each renewal and at every pass (bot/teamleader/jobs.py),
  and the refresh of admins' Slack timezones (bot/worker/timezones.py) when a bot token is set;
- `start_background(db, clock)`: the worker loop in a thread of `licensebot serve` (unless `--no-worker`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import partial

from bot.core.errors import UserError
from bot.teamleader import jobs
from bot.worker.admins import link_due_admins
from bot.worker.loop import DEFAULT_INTERVAL, Background, Hooks, Step, start, worker_database
from bot.worker.pacing import Pacer
from bot.worker.ports import Notices
from bot.worker.sender import DEFAULT_THREADS, Sender
from bot.worker.timezones import refresh_timezones
from handlers.blocks import notices
from handlers.directory import SlackTimezones
from handlers.webapi import SlackDirectory, SlackPoster, make_client
from store.db import Database


def installed_hooks(env: dict[str, str] | None = None) -> Hooks:
    """The Teamleader sync; with SLACK_BOT_TOKEN set, also admins without a Slack id looked up by email and
    the refresh of admins' Slack timezones."""
    directory = slack_directory(env)
    linking = (link_due_admins(directory),) if directory else ()
    return Hooks(before_renewal=jobs.before_renewal, each_pass=(*linking, jobs.run_due_syncs, *timezone_steps(env)))


def slack_directory(env: dict[str, str] | None = None) -> SlackDirectory | None:
    """Slack's users.lookupByEmail with SLACK_BOT_TOKEN at SLACK_API_URL; None without a token."""
    environ = dict(os.environ) if env is None else env
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return None
    base_url = environ.get("SLACK_API_URL") or None
    return SlackDirectory(lambda: make_client(token, base_url))


def timezone_steps(env: dict[str, str] | None = None) -> tuple[Step, ...]:
    """The step that keeps admins' timezones fresh (bot/worker/timezones.py); none without a bot token."""
    environ = dict(os.environ) if env is None else env
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return ()
    base_url = environ.get("SLACK_API_URL") or None
    timezones = SlackTimezones(lambda _team: make_client(token, base_url))
    return (partial(refresh_timezones, directory=timezones),)


def slack_notices() -> Notices:
    return Notices(
        reminder=notices.reminder_message,
        all_set=notices.all_set_message,
        unused_seats=notices.unused_seats_message,
        renewal_summary=notices.renewal_summary_message,
        teamleader_reconnect=notices.teamleader_reconnect_message,
        request_changed=notices.request_changed_message,
    )


def slack_sender(
    *, threads: int = DEFAULT_THREADS, env: dict[str, str] | None = None, min_interval: float = 1.0
) -> Sender:
    """A Sender posting with SLACK_BOT_TOKEN to SLACK_API_URL (default Slack); UserError without a token."""
    environ = dict(os.environ) if env is None else env
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        raise UserError("SLACK_BOT_TOKEN is not set: the worker needs the bot token (xoxb-...) to post to Slack.")
    base_url = environ.get("SLACK_API_URL") or None
    return Sender(
        SlackPoster(lambda: make_client(token, base_url)), threads=threads, pacer=Pacer(interval=min_interval)
    )


def start_background(
    db: Database,
    clock: Callable[[], datetime],
    *,
    interval: float = DEFAULT_INTERVAL,
    threads: int = DEFAULT_THREADS,
    sender: Sender | None = None,
    hooks: Hooks | None = None,
) -> Background:
    """Run the worker loop in a daemon thread; `.stop()` ends it after the current pass.

    Posts with SLACK_BOT_TOKEN to SLACK_API_URL unless a `sender` is given; uses `clock`; runs
    the installed features' hooks (the Teamleader sync) unless `hooks` are given.
    """
    sender = sender or slack_sender(threads=threads)
    hooks = hooks if hooks is not None else installed_hooks()
    return start(
        worker_database(db, threads),
        clock,
        sender=sender,
        notices=slack_notices(),
        hooks=hooks,
        interval=interval,
    )
