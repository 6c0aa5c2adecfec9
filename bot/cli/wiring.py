"""The one place that wires the worker to its Slack client and to the features' hooks.

- `slack_sender()`: the outbox sender posting with SLACK_BOT_TOKEN to SLACK_API_URL (default Slack), or in
  OAuth mode with each workspace's token (`team_sender`; `slack_installations()`: the stores);
- `slack_notices()`: the wording of the worker's messages, handlers/blocks/notices.py's builders;
- `installed_hooks()`: the Teamleader sync before each renewal and at every pass (bot/teamleader/jobs.py),
  and the refresh of admins' Slack timezones (bot/worker/timezones.py) when a bot token is set (OAuth
  mode: with each workspace's token);
- `start_background(db, clock)`: the worker loop in a thread of `licensebot serve` (unless `--no-worker`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk import WebClient

from bot import i18n
from bot.core.errors import UserError
from bot.slack_installs import BotTokens, Installations, OAuthStates
from bot.teamleader import jobs
from bot.worker.admins import link_due_admins
from bot.worker.loop import DEFAULT_INTERVAL, Background, Hooks, Step, start, worker_database
from bot.worker.pacing import BURST, Pacer
from bot.worker.ports import Message, Notices
from bot.worker.sender import DEFAULT_THREADS, Sender
from bot.worker.timezones import refresh_timezones
from handlers.app import Settings
from handlers.blocks import happened
from handlers.blocks import lines as line_blocks
from handlers.blocks.rendered import render_notice
from handlers.directory import SlackTimezones
from handlers.webapi import SlackDirectory, SlackPoster, TeamPosters, make_client
from store import secrets
from store.db import Database

TOKEN_TTL = 60.0
"""How long the worker keeps a workspace's bot token before it looks it up again."""


def slack_directory(env: dict[str, str] | None = None) -> SlackDirectory | None:
    """Slack's users.lookupByEmail with SLACK_BOT_TOKEN at SLACK_API_URL; None without a token, and in OAuth
    mode (one token cannot look people up in every workspace; the listeners look them up with their own
    workspace's token: handlers/admins.py)."""
    environ = dict(os.environ) if env is None else env
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token or oauth_settings(environ) is not None:
        return None
    base_url = environ.get("SLACK_API_URL") or None
    return SlackDirectory(lambda: make_client(token, base_url))


def slack_installations(settings: Settings, db: Database) -> tuple[Installations, OAuthStates]:
    """OAuth mode: the installation store (bot tokens per workspace, refreshed when they rotate) and the
    OAuth state store, in the app's database. UserError without LICENSEBOT_SECRET_KEY: tokens are never
    stored in plain text in this mode."""
    if not settings.client_id or not settings.client_secret:
        raise UserError("OAuth mode needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
    if not secrets.has_key():
        raise UserError(
            f"{secrets.ENV} is not set: OAuth mode stores every workspace's tokens encrypted "
            "(`licensebot secrets new-key` makes a key; see docs/slack.md)"
        )
    client = WebClient(base_url=settings.api_url)
    store = Installations(settings.client_id, db.engine, client_secret=settings.client_secret, client=client)
    return store, OAuthStates(db.engine)


def oauth_settings(environ: dict[str, str]) -> Settings | None:
    """The worker's view of OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set), None otherwise."""
    client_id = environ.get("SLACK_CLIENT_ID", "").strip()
    client_secret = environ.get("SLACK_CLIENT_SECRET", "").strip()
    if not (client_id and client_secret):
        return None
    return Settings(
        bot_token="",
        signing_secret="",
        api_url=environ.get("SLACK_API_URL") or "https://slack.com/api/",
        client_id=client_id,
        client_secret=client_secret,
    )


def installed_hooks(env: dict[str, str] | None = None, *, db: Database | None = None) -> Hooks:
    """The Teamleader sync; with SLACK_BOT_TOKEN set, also admins without a Slack id looked up by email; and
    the refresh of admins' Slack timezones: with SLACK_BOT_TOKEN, or in OAuth mode with each workspace's
    token (then `db` holds the installations; without it, no refresh)."""
    directory = slack_directory(env)
    linking = (link_due_admins(directory),) if directory else ()
    steps = (*linking, jobs.run_due_syncs, *timezone_steps(env, db=db))
    return Hooks(before_renewal=jobs.before_renewal, each_pass=steps)


def timezone_steps(env: dict[str, str] | None = None, *, db: Database | None = None) -> tuple[Step, ...]:
    """The step that keeps admins' timezones fresh (bot/worker/timezones.py); none without a bot token
    (nor, in OAuth mode, without the database of the installations)."""
    environ = dict(os.environ) if env is None else env
    base_url = environ.get("SLACK_API_URL") or None
    settings = oauth_settings(environ)
    if settings is not None:
        if db is None:
            return ()
        installations, _ = slack_installations(settings, db)
        tokens = BotTokens(installations, ttl=TOKEN_TTL)

        def client_of(team: str) -> WebClient | None:
            token = tokens(team)
            return make_client(token, base_url, rate_limit_retries=0) if token else None

        timezones = SlackTimezones(client_of, refused=tokens.forget)
        return (partial(refresh_timezones, directory=timezones),)
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        return ()
    timezones = SlackTimezones(lambda _team: make_client(token, base_url))
    return (partial(refresh_timezones, directory=timezones),)


def _in_every_language(build: Callable[..., Message]) -> Callable[..., Message]:
    """A builder whose message is queued in every language we speak: the sender sends each recipient the
    variant in their language as it is when the message is sent (bot/i18n `variants`, `pick`)."""

    def build_all(*args: Any) -> Message:
        return i18n.variants(lambda: build(*args))

    return build_all


def slack_notices() -> Notices:
    return Notices(
        renewal_summary=_in_every_language(happened.renewal_summary_message),
        teamleader_reconnect=_in_every_language(happened.teamleader_reconnect_message),
        request_changed=_in_every_language(happened.request_changed_message),
        line_reminder=_in_every_language(line_blocks.line_reminder_message),
    )


def team_sender(
    installations: Installations,
    base_url: str | None,
    *,
    threads: int = DEFAULT_THREADS,
    min_interval: float = 1.0,
    ttl: float = TOKEN_TTL,
) -> Sender:
    """Many workspaces: a Sender posting each account's messages with its workspace's bot token (looked up
    in the installation store, cached `ttl` seconds, refreshed when it rotates)."""
    tokens = BotTokens(installations, ttl=ttl)
    posters = TeamPosters(tokens, base_url, forget=tokens.forget)
    return Sender(
        posters=posters, threads=threads, pacer=Pacer(interval=min_interval, burst=BURST), render=render_notice
    )


def slack_sender(
    *,
    threads: int = DEFAULT_THREADS,
    env: dict[str, str] | None = None,
    min_interval: float = 1.0,
    db: Database | None = None,
) -> Sender:
    """A Sender posting with SLACK_BOT_TOKEN to SLACK_API_URL (default Slack); UserError without a token.

    With SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth mode, many workspaces) it posts with each
    workspace's token from the installation store in `db` (`team_sender`)."""
    environ = dict(os.environ) if env is None else env
    settings = oauth_settings(environ)
    if settings is not None:
        if db is None:
            raise UserError("the worker needs the database to find each workspace's token (OAuth mode)")
        installations, _ = slack_installations(settings, db)
        return team_sender(
            installations, environ.get("SLACK_API_URL") or None, threads=threads, min_interval=min_interval
        )
    token = environ.get("SLACK_BOT_TOKEN", "").strip()
    if not token:
        raise UserError("SLACK_BOT_TOKEN is not set: the worker needs the bot token (xoxb-...) to post to Slack.")
    base_url = environ.get("SLACK_API_URL") or None
    return Sender(
        SlackPoster(lambda: make_client(token, base_url)),
        threads=threads,
        pacer=Pacer(interval=min_interval, burst=BURST),
        render=render_notice,
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
    sender = sender or slack_sender(threads=threads, db=db)
    hooks = hooks if hooks is not None else installed_hooks(db=db)
    return start(
        worker_database(db, threads),
        clock,
        sender=sender,
        notices=slack_notices(),
        hooks=hooks,
        interval=interval,
    )
