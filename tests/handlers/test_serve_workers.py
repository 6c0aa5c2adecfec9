"""`licensebot serve --workers N` (issue 17): N processes on one port under gunicorn's master, the
background worker once, and the same drain on SIGTERM/SIGINT as `licensebot serve`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.cli.serve_workers import MAX_WORKERS
from bot.testing.slack_standin import SlackStandIn
from store.db import Database
from tests.factories import add_account, add_members
from tests.handlers.servers import free_port, running, signed_command, slack_env


def children(pid: int) -> list[str]:
    """The command lines of the live child processes of `pid` (from /proc)."""
    return list(child_processes(pid).values())


def background_pids(master: int) -> list[int]:
    return [pid for pid, cmdline in child_processes(master).items() if " worker --no-migrate" in cmdline]


def child_processes(pid: int) -> dict[int, str]:
    """pid -> command line of the live child processes of `pid` (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            state = stat.rsplit(")", 1)[1].split()[0]
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if parent == pid and state != "Z":
            found[int(entry.name)] = cmdline
    return found


@contextmanager
def serving(
    db_url: str, standin: SlackStandIn, tmp_path: Path, *options: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    env = slack_env(standin, drop=("LOG_FORMAT", "LOG_LEVEL", "DATABASE_URL"))
    command = [sys.executable, "-m", "bot.cli", "--database", db_url, "serve", *options]
    options_ = ["--host", "127.0.0.1", "--port", str(port), "--threads", "2"]
    with running([*command, *options_], env, port, tmp_path / "serve.log", group=True) as served:
        yield served


def wait_for(predicate: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_with_two_workers_answers_and_drains_on_stop(
    db: Database, db_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    add_account(db, "T0001")
    add_members(db, "T0001", 3)  # U0000 is an admin
    with SlackStandIn(delay=1.0) as standin, serving(db_url, standin, tmp_path, "--workers", "2") as (base, proc):
        # two HTTP workers and one background worker (`licensebot worker`), all children of the master
        wait_for(lambda: len(children(proc.pid)) == 3)
        kids = children(proc.pid)
        assert sum(" worker --no-migrate" in kid for kid in kids) == 1, kids
        wait_for(lambda: "licensebot worker: a pass every" in (tmp_path / "serve.log").read_text())
        assert signed_command(base, "status", standin.response_url("s1")) == 200
        assert signed_command(base, "status", standin.response_url("s2"), secret="wrong") == 401  # signed only
        wait_for(lambda: len(standin.calls_to("response_url")) == 1)
        assert signed_command(base, "channel", standin.response_url("c1"), channel_id="C0NEWCHAN") == 200
        time.sleep(0.3)  # the follow-up now waits ~1 s in chat.postMessage; its answer comes after that
        assert len(standin.calls_to("response_url")) == 1
        proc.send_signal(stop)
        assert proc.wait(timeout=60) == 0
        assert children(proc.pid) == []
    welcomes = [c for c in standin.calls_to("chat.postMessage") if c.params.get("channel") == "C0NEWCHAN"]
    assert len(welcomes) == 1
    answers = standin.calls_to("response_url")
    assert len(answers) == 2
    assert "C0NEWCHAN" in json.dumps(answers[1].params)
    log = (tmp_path / "serve.log").read_text()
    assert "stopping: finishing the answers after acks" in log
    assert "answers after acks still unsent" not in log
    assert "licensebot worker: stopped" in log


def test_the_background_worker_is_started_again_if_it_ends(db_url: str, tmp_path: Path) -> None:
    with SlackStandIn() as standin, serving(db_url, standin, tmp_path, "--workers", "2") as (_, proc):
        wait_for(lambda: len(children(proc.pid)) == 3)
        [first] = background_pids(proc.pid)
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: (pids := background_pids(proc.pid)) != [] and first not in pids)  # one new, once
        assert len(background_pids(proc.pid)) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    assert "ended; starting another" in (tmp_path / "serve.log").read_text()


def test_no_worker_serves_without_a_background_worker(db_url: str, tmp_path: Path) -> None:
    with SlackStandIn() as standin, serving(db_url, standin, tmp_path, "--workers", "2", "--no-worker") as (_, proc):
        wait_for(lambda: len(children(proc.pid)) == 2)
        assert not any(" worker --no-migrate" in kid for kid in children(proc.pid))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0


@pytest.mark.parametrize("count", ["0", "-1", str(MAX_WORKERS + 1)])
def test_a_worker_count_out_of_bounds_is_one_line_and_exit_2(
    count: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "serve", "--workers", count]) == 2
    err = capsys.readouterr().err
    assert err == f"licensebot: error: --workers must be between 1 and {MAX_WORKERS} (got {count})\n"
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened


def test_socket_mode_with_several_workers_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-t")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-t")
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "serve", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--workers N > 1 serves HTTP only: Socket Mode (SLACK_APP_TOKEN)" in err


def test_without_gunicorn_several_workers_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-t")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.setitem(sys.modules, "gunicorn.app.base", None)  # as if it were not installed
    assert main(["--database", db_url, "serve", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "serve --workers N needs gunicorn: pip install 'licensebot[gunicorn]'" in err
