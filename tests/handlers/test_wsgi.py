"""bot/wsgi.py under gunicorn (issue 17): an importable WSGI app for several processes, that lets the
answers after its acks end when a worker is told to stop, as `licensebot serve` does."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.factories import add_account, add_members
from tests.handlers.servers import free_port, running, signed_command, slack_env

GUNICORN = Path(sys.executable).with_name("gunicorn")


@contextmanager
def gunicorn(
    db_url: str, standin: SlackStandIn, tmp_path: Path, *options: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = slack_env(standin, DATABASE_URL=db_url)
    command = [str(GUNICORN), *options, "--bind", f"127.0.0.1:{port}", "--workers", "2", "bot.wsgi:app"]
    with running(command, env, port, tmp_path / "gunicorn.log", stop="kill") as served:
        yield served


@pytest.mark.parametrize(
    "options",
    [("-c", "python:bot.gunicorn_conf"), ("--worker-class", "gthread", "--threads", "4")],
    ids=["with-licensebot-config", "plain-gunicorn"],
)
def test_gunicorn_serves_the_app_and_a_stopped_worker_finishes_its_answers(
    db: Database, db_url: str, tmp_path: Path, options: tuple[str, ...]
) -> None:
    add_account(db, "T0001")
    add_members(db, "T0001", 3)  # U0000 is an admin
    with SlackStandIn(delay=1.0) as standin, gunicorn(db_url, standin, tmp_path, *options) as (base, proc):
        assert signed_command(base, "channel", standin.response_url("c1"), channel_id="C0NEWCHAN") == 200
        assert signed_command(base, "status", standin.response_url("s1"), secret="wrong") == 401  # signed only
        time.sleep(0.3)  # the follow-up now waits ~1 s in chat.postMessage; its answer comes after that
        assert not standin.calls_to("response_url")
        proc.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
        assert proc.wait(timeout=40) == 0
    [welcome] = standin.calls_to("chat.postMessage")
    assert welcome.params["channel"] == "C0NEWCHAN"
    [answer] = standin.calls_to("response_url")
    assert "C0NEWCHAN" in json.dumps(answer.params)
    log = (tmp_path / "gunicorn.log").read_text()
    assert "stopping: finishing the answers after acks" in log
    assert "answers after acks still unsent" not in log


def test_the_wsgi_module_builds_one_app_on_first_use(
    db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`bot.wsgi.app` is built on first use from the environment, once; `shutdown` drains and forgets it."""
    import bot.wsgi as wsgi

    with SlackStandIn() as standin:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-t")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
        monkeypatch.setenv("SLACK_API_URL", standin.api_url)
        monkeypatch.setenv("DATABASE_URL", db_url)
        monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
        monkeypatch.setattr(wsgi, "_app", None)
        first = wsgi.app
        assert wsgi.app is first
        assert "/slack/events" in first.routes
        assert standin.methods() == ["auth.test"]
        assert wsgi.shutdown() == 0
        assert wsgi.shutdown() == 0  # twice is harmless
    monkeypatch.setattr(wsgi, "_app", None)
    with pytest.raises(AttributeError):
        _ = wsgi.nothing
