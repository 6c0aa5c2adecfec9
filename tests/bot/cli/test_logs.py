"""Logging of every command (bot/cli/logs.py): LOG_LEVEL, LOG_FORMAT=json|text, UTC, never a token."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import logs
from bot.cli.main import main
from handlers.observe import CURRENT, RequestInfo
from store.db import head_revision, make_engine

NOON = 1796126400.25  # 2026-12-01T12:00:00.250Z


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    rec = logging.LogRecord("licensebot.test", logging.WARNING, __file__, 1, message, args, None)
    rec.created = NOON
    if exc is not None:
        rec.exc_info = (type(exc), exc, exc.__traceback__)
    return rec


def formatted(fmt: str, rec: logging.LogRecord) -> str:
    stream = io.StringIO()
    logs.handler(fmt, stream).handle(rec)
    return stream.getvalue()


def test_text_lines_have_a_utc_timestamp_and_the_request_context() -> None:
    assert (
        formatted("text", record("hello %s", "there"))
        == "2026-12-01T12:00:00.250Z WARNING licensebot.test: hello there\n"
    )
    token = CURRENT.set(RequestInfo(team="T1", user="U1", request_id="1.t", kind="command", started=0.0))
    try:
        line = formatted("text", record("inside"))
    finally:
        CURRENT.reset(token)
    assert line.endswith("licensebot.test: inside [team=T1 user=U1 request_id=1.t]\n")


def test_json_lines_are_one_object_each_with_the_context_and_the_traceback() -> None:
    try:
        raise ValueError("bad value")
    except ValueError as exc:
        caught = exc
    token = CURRENT.set(RequestInfo(team="T1", user="U1", request_id="Ev1", kind="event", started=0.0))
    try:
        text = formatted("json", record("a failure: %d", 3, exc=caught))
    finally:
        CURRENT.reset(token)
    assert text.count("\n") == 1
    entry = json.loads(text)
    assert {k: entry[k] for k in ("ts", "level", "logger", "message", "team", "user", "request_id")} == {
        "ts": "2026-12-01T12:00:00.250Z",
        "level": "WARNING",
        "logger": "licensebot.test",
        "message": "a failure: 3",
        "team": "T1",
        "user": "U1",
        "request_id": "Ev1",
    }
    assert entry["exc"].startswith("Traceback") and "ValueError: bad value" in entry["exc"]
    assert "team" not in json.loads(formatted("json", record("outside a request")))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_token_never_reaches_a_line_whoever_logs_it(fmt: str) -> None:
    try:
        raise RuntimeError("refused xoxb-1234-5678-abcdef")
    except RuntimeError as exc:
        caught = exc
    line = formatted(fmt, record("token=%s app=%s", "xoxb-1234-5678-abcdef", "xapp-1-A1-2-ff", exc=caught))
    assert "xoxb-1234" not in line and "xapp-1-A1" not in line
    assert "xoxb-[redacted]" in line and "xapp-[redacted]" in line


def test_bad_log_settings_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "db", "upgrade"]) == 2
    assert capsys.readouterr().err == (
        "licensebot: error: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not 'loud'\n"
    )
    monkeypatch.setenv("LOG_LEVEL", "info")
    monkeypatch.setenv("LOG_FORMAT", "xml")
    assert main(["--database", f"sqlite:///{tmp_path}/x.db", "db", "upgrade"]) == 2
    assert capsys.readouterr().err == "licensebot: error: LOG_FORMAT must be text or json, not 'xml'\n"


@pytest.fixture
def root_restored() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    alembic = logging.getLogger("alembic").level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("alembic").setLevel(alembic)
        logs.configure({"LOG_FORMAT": "text"}, stream=io.StringIO())  # back to text (no handler added: pytest's)


def test_configure_shows_info_by_default_and_alembic_only_at_debug(root_restored: None) -> None:
    stream = io.StringIO()
    logs.configure({}, stream=stream, force=True)
    logging.getLogger("licensebot.test").info("shown")
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("licensebot.test").debug("hidden")
    assert [line.split(" ", 1)[1] for line in stream.getvalue().splitlines()] == ["INFO licensebot.test: shown"]
    logs.configure({"LOG_LEVEL": "debug", "LOG_FORMAT": "json"}, stream=stream, force=True)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    assert json.loads(stream.getvalue().splitlines()[-1])["logger"] == "alembic.runtime.migration"
    assert len([h for h in logging.getLogger().handlers if isinstance(h, logs._Ours)]) == 1  # replaced, not added


def test_a_command_logs_json_to_stderr_and_its_report_stays_on_stdout(tmp_path: Path) -> None:
    env = {**os.environ, "LOG_FORMAT": "json"}
    env.pop("LOG_LEVEL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--database", f"sqlite:///{tmp_path}/fresh.db", "tick", "--dry-run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("tick at ")
    entries = [json.loads(line) for line in done.stderr.splitlines()]
    head = head_revision(make_engine(f"sqlite:///{tmp_path}/fresh.db"))
    assert [e["message"] for e in entries] == [f"database schema upgraded from nothing to {head}"]
    assert entries[0]["level"] == "INFO" and entries[0]["ts"].endswith("Z")
