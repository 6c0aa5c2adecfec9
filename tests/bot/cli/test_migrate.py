"""Migrations at start: one process migrates at a time (the others wait and go on), and `--no-migrate`
refuses an outdated schema with one line (exit 1: the database cannot be used as it is)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli.main import main
from store.db import Database, current_revision, head_revision, make_engine, upgrade
from tests.scratch_db import new_pg_database

PROCESSES = 4


def licensebot(url: str, *argv: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--database", url, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run_together(url: str, *argv: str) -> list[tuple[int, str]]:
    """Start PROCESSES `licensebot` processes at once; their exit codes and stderr."""
    procs = [licensebot(url, *argv) for _ in range(PROCESSES)]
    results = []
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, err.decode()))
    return results


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    """A new, empty PostgreSQL database next to TEST_DATABASE_URL's (dropped afterwards)."""
    with new_pg_database("race") as url:
        yield url


def at_head(url: str) -> bool:
    engine = make_engine(url)
    try:
        return current_revision(engine) == head_revision(engine)
    finally:
        engine.dispose()


@pytest.mark.postgres_only
def test_four_upgrades_at_once_on_a_fresh_postgresql_database_all_succeed(fresh_pg: str) -> None:
    results = run_together(fresh_pg, "db", "upgrade")
    assert [code for code, _ in results] == [0] * PROCESSES, [err for _, err in results]
    assert at_head(fresh_pg)


@pytest.mark.postgres_only
def test_four_commands_that_migrate_at_start_on_a_fresh_postgresql_database_all_succeed(fresh_pg: str) -> None:
    results = run_together(fresh_pg, "tick", "--dry-run")
    assert [code for code, _ in results] == [0] * PROCESSES, [err for _, err in results]
    assert at_head(fresh_pg)


def test_four_upgrades_at_once_on_a_fresh_sqlite_file_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    results = run_together(url, "db", "upgrade")
    assert [code for code, _ in results] == [0] * PROCESSES, [err for _, err in results]
    assert at_head(url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", [["serve", "--no-worker"], ["worker"], ["tick", "--dry-run"]])
def test_no_migrate_refuses_a_database_without_schema_in_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-t")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    url = f"sqlite:///{tmp_path}/empty.db"
    code, err = run(capsys, "--database", url, *command, "--no-migrate")
    assert code == 1
    expected = "licensebot: error: cannot use the database: it has no schema yet: run `licensebot db upgrade` first"
    assert err == expected + "\n"
    assert Database.connect(url, migrate=False).table_names() == []  # nothing was created


def test_no_migrate_names_both_revisions_of_an_old_schema_and_runs_once_upgraded(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    upgrade(engine, "0004")
    head = head_revision(engine)
    engine.dispose()
    code, err = run(capsys, "--database", url, "tick", "--dry-run", "--no-migrate")
    assert (code, err.count("\n")) == (1, 1)
    assert f"its schema is at 0004, this licensebot needs {head}: run `licensebot db upgrade` first" in err
    assert run(capsys, "--database", url, "db", "upgrade")[0] == 0
    assert run(capsys, "--database", url, "tick", "--dry-run", "--no-migrate") == (0, "")


def test_a_schema_newer_than_the_code_is_refused_with_and_without_migrating(
    capsys: pytest.CaptureFixture[str], db: Database, db_url: str
) -> None:
    head = head_revision(db.engine)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    try:
        for extra in ([], ["--no-migrate"]):
            code, err = run(capsys, "--database", db_url, "tick", "--dry-run", *extra)
            assert (code, err.count("\n")) == (1, 1)
            assert "its schema (9999) is newer than this licensebot knows" in err
    finally:  # on PostgreSQL the database is shared by the whole session
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{head}'")
