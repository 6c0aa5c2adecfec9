"""`licensebot tick`, `licensebot worker`, the failures in `licensebot status`, and start_background."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.cli.wiring import installed_hooks, start_background
from bot.cli.worker import render_pass
from bot.core.statuses import RequestStatus
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import run_once
from store import models
from store.db import Database
from tests.bot.worker.conftest import stand_in_sender
from tests.bot.worker.scenario import D7, NOTICES, RENEWAL_OVER, deliveries, standard_team
from tests.handlers.servers import free_port

ROOT = Path(__file__).resolve().parents[3]


def run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--database", db_url, *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def slack_env(standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch) -> SlackStandIn:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_API_URL", standin.api_url)
    return standin


def _request_status(db: Database) -> str:
    with db.transaction() as s:
        return s.scalars(select(models.ReductionRequest.status)).one()


def test_tick_sends_the_due_reminder_and_says_what_it_did(
    capsys: pytest.CaptureFixture[str], db: Database, db_url: str, slack_env: SlackStandIn
) -> None:
    standard_team(db)
    code, out, err = run(capsys, db_url, "tick", "--now", D7.isoformat())
    assert code == 0, err
    assert "T0001 (Account T0001): queued reminder:2027-01-01:d7 for 3 recipients" in out
    assert "messages: 3 sent, 0 to retry later, 0 failed" in out
    assert len(slack_env.posts()) == 3
    code, out, _ = run(capsys, db_url, "tick", "--now", D7.isoformat())
    assert code == 0 and "no account was due" in out and "messages: 0 sent" in out
    assert len(slack_env.posts()) == 3


def test_tick_reports_a_processed_renewal(
    capsys: pytest.CaptureFixture[str], db: Database, db_url: str, slack_env: SlackStandIn
) -> None:
    standard_team(db)
    code, out, _ = run(capsys, db_url, "tick", "--now", "2027-01-03T10:00:00+01:00")
    assert code == 0
    assert "renewal of Fri 01 Jan 2027 processed LATE: request #1 applied, 10 -> 7 licenses" in out
    assert "deactivated automatically: User 8, User 7" in out
    assert "queued renewal:2027-01-01 for 3 recipients" in out


def test_dry_run_prints_what_it_would_do_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)  # a dry run needs no token
    standard_team(db)
    code, out, err = run(capsys, db_url, "tick", "--dry-run", "--now", RENEWAL_OVER.isoformat())
    assert code == 0, err
    assert "dry run: nothing was changed or sent" in out
    assert "request #1 applied, 10 -> 7 licenses" in out
    assert "would queue renewal:2027-01-01 for 3 recipients" in out
    assert _request_status(db) == RequestStatus.PENDING.value
    assert deliveries(db) == []
    # Running it again gives the same answer: nothing was recorded.
    code, again, _ = run(capsys, db_url, "tick", "--dry-run", "--now", RENEWAL_OVER.isoformat())
    assert again == out


def test_missing_token_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    standard_team(db)
    for command in (["tick"], ["worker"]):
        code, _out, err = run(capsys, db_url, *command)
        assert code == 2
        assert err.strip().splitlines() == [
            "licensebot: error: SLACK_BOT_TOKEN is not set: the worker needs the bot token (xoxb-...) to post to Slack."
        ]
    assert _request_status(db) == RequestStatus.PENDING.value


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tick", "--now", "soon"], "'soon' is not an ISO-8601 instant"),
        (["worker", "--interval", "0"], "must be more than 0 seconds"),
        (["worker", "--interval", "often"], "'often' is not a number of seconds"),
        (["tick", "--threads", "0"], "use 1 to 256 threads"),
    ],
)
def test_bad_arguments(capsys: pytest.CaptureFixture[str], db_url: str, argv: list[str], message: str) -> None:
    code, _, err = run(capsys, db_url, *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_status_shows_messages_that_failed_for_good(
    capsys: pytest.CaptureFixture[str], db: Database, db_url: str, slack_env: SlackStandIn
) -> None:
    standard_team(db)
    slack_env.fail("chat.postMessage", "channel_not_found", channel="C0ADMINS")
    codes = []
    for minutes in (0, 1, 3, 7, 15):  # the first attempt, then the retries after 1, 2, 4 and 8 minutes
        code, out, _ = run(capsys, db_url, "tick", "--now", (D7 + timedelta(minutes=minutes)).isoformat())
        codes.append(code)
    assert codes == [0, 0, 0, 0, 1]
    assert "reminder:2027-01-01:d7 to C0ADMINS: FAILED for good" in out
    code, out, _ = run(capsys, db_url, "status", "--team", "T0001", "--now", D7.isoformat())
    assert code == 0
    assert "! failed         1 message could not be delivered" in out
    assert "reminder:2027-01-01:d7 to C0ADMINS, 5 attempts: chat.postMessage: HTTP 200 channel_not_found" in out


def test_worker_runs_passes_and_stops_on_sigterm(db: Database, db_url: str, standin: SlackStandIn) -> None:
    standard_team(db)
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "--database", db_url, "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("tick at ")
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM, stopping after the current pass" in err
    assert err.strip().endswith("licensebot worker: stopped")


def test_start_background_runs_the_loop_until_stopped(db: Database, standin: SlackStandIn) -> None:
    standard_team(db)
    worker = start_background(db, lambda: D7, interval=0.05, sender=stand_in_sender(standin))
    try:
        for _ in range(400):  # wait for the reminder (up to 20 s)
            if len(standin.posts()) == 3:
                break
            time.sleep(0.05)
        assert len(standin.posts()) == 3
        assert worker.running
    finally:
        worker.stop()
    assert not worker.running
    assert {status for _, _, status, _ in deliveries(db)} == {"sent"}


def test_the_worker_runs_the_teamleader_sync_when_it_is_installed() -> None:
    from bot.teamleader import jobs

    hooks = installed_hooks()
    assert hooks.before_renewal == jobs.before_renewal
    assert hooks.each_pass == (jobs.run_due_syncs,)  # the pass tells revocations after it: test_reconnect.py


def test_a_failing_step_is_reported_and_reminders_still_go_out(
    db: Database, standin: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standard_team(db)

    def broken_sync(database: Database, now: datetime) -> None:
        raise ConnectionError("Teamleader unreachable")

    report = run_once(db, stand_in_sender(standin), D7, notices=NOTICES, each_pass=(broken_sync,))
    assert len(report.step_errors) == 1 and "Teamleader unreachable" in report.step_errors[0]
    assert report.delivery is not None and len(report.delivery.sent) == 3
    assert "FAILED before the tick" in render_pass(report)


def test_a_worker_with_a_metrics_port_serves_its_metrics_and_health(
    db: Database, db_url: str, standin: SlackStandIn
) -> None:
    standard_team(db)
    port = free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": standin.api_url}
    flags = ["--interval", "0.2", "--metrics-host", "127.0.0.1", "--metrics-port", str(port), "--no-migrate"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--database", db_url, "worker", *flags],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("tick at ")  # a pass ended
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            exposed = r.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=10) as r:
            assert json.loads(r.read())["status"] == "ready"
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    passes = re.search(r'^licensebot_worker_pass_seconds_count\{outcome="ok"\} (\d+)\.0$', exposed, re.M)
    assert passes is not None and int(passes.group(1)) >= 1, exposed
    assert "licensebot_outbox_readable 1.0" in exposed
