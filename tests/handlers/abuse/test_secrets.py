"""A full flow with every logger at DEBUG: no Slack token, signing secret or Teamleader secret in any line.

Slack side (commands, a modal, a forged request, the App Home), the worker delivering reminders, and
a Teamleader connect + sync, in the log records and in the JSON lines of LOG_FORMAT=json,
with the root logger and slack_bolt, slack_sdk, urllib3 and SQLAlchemy at
DEBUG (SQLAlchemy logs statements with their parameters at INFO, which is where stored tokens go).
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
import responses

from bot.cli import logs
from bot.cli.wiring import slack_notices
from bot.teamleader import oauth
from bot.teamleader.sync import sync_account
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import run_once
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from handlers.app import Settings, build_app
from handlers.blocks.rendered import render_notice
from handlers.deps import Deps
from handlers.http import build_wsgi
from handlers.webapi import SlackPoster, make_client
from store.db import Database
from tests.bot.teamleader.fake import CLIENT_SECRET, FakeTeamleader, tl_user
from tests.bot.worker.scenario import D7
from tests.conftest import NOW
from tests.handlers.conftest import ADMIN, TEAM
from tests.handlers.helpers import seats

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
WORKER_TOKEN = "xoxb-2222222222-3333333333-ZyXwVuTsRqPoNmLkJiHgFeDc"
SIGNING_SECRET = "c0ffee5ecret0123456789abcdef0123"
TOKEN_PATTERN = re.compile(r"xox[abposr]-[0-9A-Za-z-]+|xapp-[0-9A-Za-z-]+")
LOGGERS = ["", "slack_bolt", "slack_sdk", "urllib3", "sqlalchemy", "sqlalchemy.engine", "licensebot.slack"]


@pytest.fixture
def fake() -> Iterator[FakeTeamleader]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeTeamleader(rsps)


def test_a_full_flow_logs_no_token_and_no_secret(
    caplog: pytest.LogCaptureFixture, standin: SlackStandIn, db: Database, team: str, fake: FakeTeamleader
) -> None:
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    json_lines = io.StringIO()  # what LOG_FORMAT=json writes, too
    json_handler = logs.handler("json", json_lines)
    logging.getLogger().addHandler(json_handler)
    try:
        _full_flow(standin, db, fake)
    finally:
        logging.getLogger().removeHandler(json_handler)
    entries = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    assert len(entries) == len(caplog.records) and {e["logger"] for e in entries} == {r.name for r in caplog.records}
    assert any(e.get("team") == TEAM and e.get("request_id") for e in entries)  # the Slack side's lines

    assert {c.token for c in standin.calls if c.method != "response_url"} == {BOT_TOKEN, WORKER_TOKEN}
    secrets = [BOT_TOKEN, WORKER_TOKEN, SIGNING_SECRET, CLIENT_SECRET, "good-code-1"]
    secrets += [token for pair in fake.issued for token in pair]
    names = {r.name.split(".")[0] for r in caplog.records}
    assert {"licensebot", "slack_sdk", "sqlalchemy", "bot"} <= names  # Bolt logs as licensebot.slack
    lines = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for secret in secrets:
        leaks = [line for line in caplog.text.splitlines() if secret in line]
        assert not leaks, f"{secret[:8]}… in {leaks[:2]}"
        assert secret not in json_lines.getvalue(), f"{secret[:8]}… in the JSON log"
    assert not any(TOKEN_PATTERN.search(line) for line in lines), TOKEN_PATTERN.findall(caplog.text)[:3]
    assert not TOKEN_PATTERN.search(json_lines.getvalue())


def _full_flow(standin: SlackStandIn, db: Database, fake: FakeTeamleader) -> None:
    deps = Deps(db=db, clock=lambda: NOW)
    app = build_app(Settings(BOT_TOKEN, SIGNING_SECRET, api_url=standin.api_url), deps, process_before_response=True)
    slack = SlackSim(build_wsgi(app, deps, signing_secret=SIGNING_SECRET), SIGNING_SECRET, standin, team=TEAM)

    slack.command(ADMIN, "")
    slack.command(ADMIN, "reduce 4")
    assert slack.submit(ADMIN, slack.last_modal_id(), seats("4")).body == b""
    slack.command(ADMIN, "deactivate <@U0007>")
    slack.command(ADMIN, "consent <@U0001>")
    slack.open_home(ADMIN)
    assert slack.command(ADMIN, "channel", sign="v0=forged").status == 401
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=1)
    sender = Sender(
        SlackPoster(lambda: make_client(WORKER_TOKEN, standin.api_url)), threads=2, pacer=Pacer(0), render=render_notice
    )
    report = run_once(db, sender, D7, notices=slack_notices())
    assert report.delivery is not None and len(report.delivery.sent) == 3

    client = fake.client(sleep=lambda _s: None, clock=lambda: NOW)
    oauth.connect_with_code(db, team=TEAM, code="good-code-1", client=client, now=NOW)
    fake.users = [tl_user(i) for i in range(8)]
    sync_account(db, team=TEAM, client=client, now=NOW)


def test_oauth_install_rotation_and_uninstall_log_no_token(
    caplog: pytest.LogCaptureFixture, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.cli.wiring import slack_installations, team_sender
    from store import secrets as at_rest
    from tests.bot.worker.scenario import standard_team
    from tests.handlers.oauth.conftest import Deployment, oauth_settings

    key = at_rest.new_key()
    monkeypatch.setenv(at_rest.ENV, key)
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    json_lines = io.StringIO()  # what LOG_FORMAT=json writes, too
    json_handler = logs.handler("json", json_lines)
    logging.getLogger().addHandler(json_handler)
    try:
        with SlackStandIn(team_id="T0000NONE") as standin:
            ws = standin.add_workspace("TAAAA", "Acme", rotating=True, expires_in=60)
            settings = oauth_settings(standin)
            deps = Deps(db=db, clock=lambda: NOW)
            installations, states = slack_installations(settings, db)
            app = build_app(
                settings, deps, process_before_response=True, installation_store=installations, state_store=states
            )
            deployment = Deployment(
                standin, installations, states, build_wsgi(app, deps, signing_secret=settings.signing_secret), settings
            )
            assert deployment.install("TAAAA").status == 200
            ws.expires_in = 12 * 3600
            standard_team(db, "TAAAA")
            slack = SlackSim(deployment.wsgi, settings.signing_secret, standin, team="TAAAA")  # type: ignore[arg-type]
            slack.command(ADMIN, "")
            slack.open_home(ADMIN)
            assert standin.homes[ADMIN]  # the listeners answered (signed, authorized)
            sender = team_sender(installations, standin.api_url, threads=2, min_interval=0)
            report = run_once(db, sender, D7, notices=slack_notices())
            assert report.delivery is not None and len(report.delivery.sent) == 3
            assert standin.refreshes == 1
            slack.event({"type": "app_uninstalled"})
            issued = [*standin.issued, standin.client_secret, key]
    finally:
        logging.getLogger().removeHandler(json_handler)
    assert installations.find_bot_of_team("TAAAA") is None
    assert len(issued) == 6  # the installed token and refresh token, and the rotated pair; secret and key
    for secret in issued:
        leaks = [line for line in caplog.text.splitlines() if secret in line]
        assert not leaks, f"{secret[:8]}… in {leaks[:2]}"
        assert secret not in json_lines.getvalue(), f"{secret[:8]}… in the JSON log"
    assert not TOKEN_PATTERN.search(caplog.text), TOKEN_PATTERN.findall(caplog.text)[:3]
    assert not TOKEN_PATTERN.search(json_lines.getvalue())
