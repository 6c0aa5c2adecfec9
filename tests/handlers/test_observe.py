"""A Slack request shows up in the JSON logs (with its team, user and request id, on every thread that
handles it) and in /metrics (by kind and outcome, with its ack time); 429s are counted by method."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bot.cli import logs
from bot.cli.wiring import slack_notices
from bot.testing.slack_sim import SlackSim
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import run_once
from bot.worker.pacing import Pacer
from bot.worker.sender import Sender
from handlers import followup
from handlers.app import Settings, build_app
from handlers.blocks.rendered import render_notice
from handlers.deps import Deps
from handlers.http import build_wsgi
from handlers.webapi import SlackPoster, make_client
from store.db import Database
from tests.bot.worker.scenario import D7, standard_team
from tests.handlers.conftest import ADMIN, SECRET, TEAM

KIND_OK = {"kind": "command", "outcome": "ok"}


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record at INFO and above, as licensebot writes them with LOG_FORMAT=json."""
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def scrape(app: Any) -> str:
    got: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"] = status

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics"}, start_response))
    assert got["status"] == "200 OK"
    return body.decode()


def test_a_request_shows_up_in_the_json_logs_and_in_metrics(
    slack: SlackSim, team: str, json_lines: io.StringIO
) -> None:
    before = sample("licensebot_slack_requests_total", KIND_OK)
    acks = sample("licensebot_slack_ack_seconds_count", {"kind": "command"})
    assert slack.command(ADMIN, "help").status == 200
    [line] = [r for r in records(json_lines) if r["logger"] == "handlers.observe"]
    assert line["message"].startswith("slack command /licenses help: ok (HTTP 200) in ")
    assert (line["team"], line["user"], line["level"]) == (TEAM, ADMIN, "INFO")
    assert line["request_id"].endswith(".trigger")  # the command's trigger_id
    assert line["ts"].endswith("Z") and line["ts"][10] == "T"
    exposed = scrape(slack.app)
    assert f'licensebot_slack_requests_total{{kind="command",outcome="ok"}} {before + 1}' in exposed
    assert sample("licensebot_slack_ack_seconds_count", {"kind": "command"}) == acks + 1


def test_the_work_after_the_ack_logs_with_the_requests_context_on_its_own_thread(
    standin: SlackStandIn, deps: Deps, team: str, json_lines: io.StringIO
) -> None:
    """Over HTTP in production the listener and its follow-up run on other threads than the request."""
    settings = Settings(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url)
    app = build_app(settings, deps)  # process_before_response=False: listener and after-ack pools
    slack = SlackSim(build_wsgi(app, deps, signing_secret=SECRET), SECRET, standin, team=TEAM)
    answers = sample("licensebot_slack_answer_seconds_count", {"kind": "command"})
    standin.fail("chat.postMessage", "channel_not_found")
    assert slack.command(ADMIN, "channel", channel="C0NEWCHAN").status == 200
    assert followup.drain(10) == 0
    # The welcome is an announcement: the outbox sender logs its failure, on the after-ack thread.
    failed = [r for r in records(json_lines) if "to C0NEWCHAN" in r["message"] and "failed" in r["message"]]
    [request] = [r for r in records(json_lines) if r["logger"] == "handlers.observe"]
    assert failed and all(
        (r["team"], r["user"], r["request_id"]) == (TEAM, ADMIN, request["request_id"]) for r in failed
    )
    assert sample("licensebot_slack_answer_seconds_count", {"kind": "command"}) == answers + 1


def test_a_forged_request_is_counted_as_a_bad_signature(slack: SlackSim, team: str) -> None:
    before = sample("licensebot_slack_requests_total", {"kind": "other", "outcome": "bad_signature"})
    assert slack.command(ADMIN, "help", sign="v0=forged").status == 401
    assert sample("licensebot_slack_requests_total", {"kind": "other", "outcome": "bad_signature"}) == before + 1


def test_429s_are_counted_by_method(db: Database, standin: SlackStandIn) -> None:
    standard_team(db)
    before = sample("licensebot_slack_rate_limited_total", {"method": "chat.postMessage"})
    standin.fail("chat.postMessage", "ratelimited", status=429, retry_after=0, times=2)
    sender = Sender(
        SlackPoster(lambda: make_client("xoxb-worker", standin.api_url)),
        threads=1,
        pacer=Pacer(0),
        render=render_notice,
    )
    report = run_once(db, sender, D7, notices=slack_notices())
    assert report.delivery is not None and report.delivery.sent  # waited out, then sent
    assert sample("licensebot_slack_rate_limited_total", {"method": "chat.postMessage"}) == before + 2


def test_the_outbox_counts_are_read_at_scrape_time(db: Database) -> None:
    standard_team(db)
    report = run_once(db, None, D7, notices=slack_notices())  # queues the reminders, sends nothing
    [account] = report.tick.accounts
    queued = sum(account.queued.values())
    assert queued > 0
    lines = scrape(build_wsgi(None, Deps(db=db))).splitlines()
    assert f'licensebot_outbox_messages{{kind="reminder",status="pending"}} {float(queued)}' in lines
    assert 'licensebot_outbox_messages{kind="reminder",status="sent"} 0.0' in lines  # every status of a kind
    assert "licensebot_outbox_readable 1.0" in lines


def test_metrics_still_answer_when_the_database_does_not(tmp_path: Any) -> None:
    broken = Database.connect(f"sqlite:///{tmp_path}/no/such/dir/x.db", migrate=False)
    exposed = scrape(build_wsgi(None, Deps(db=broken)))
    assert "licensebot_outbox_readable 0.0" in exposed
    assert "licensebot_slack_requests_total" in exposed or "licensebot_worker_pass_seconds" in exposed


def test_no_warning_at_start_about_the_token(
    standin: SlackStandIn, deps: Deps, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Bolt reads SLACK_BOT_TOKEN itself and warned "As you gave `client` as well, `token` will be unused"."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    caplog.set_level(logging.DEBUG)
    build_app(Settings(bot_token="xoxb-test-token", signing_secret=SECRET, api_url=standin.api_url), deps)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
