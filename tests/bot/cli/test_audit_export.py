"""Issue 15: `licensebot audit export --team T… [--format csv|json] [--output FILE]`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from bot import usecases
from bot.core.audit import Actor
from bot.core.members_csv import MemberRow
from store.db import Database
from tests.bot.cli.test_main import run
from tests.conftest import NOW
from tests.factories import add_account, add_members


@pytest.fixture
def logged(db: Database) -> Database:
    add_account(db)
    add_members(db, "T0001", 3)
    usecases.submit_reduction(db, team="T0001", actor=Actor.slack("U0000"), seats=2, now=NOW)
    evil = MemberRow(line=2, email="x@example.com", name="=HYPERLINK(1)", slack_user_id=None, admin=False, added_at=NOW)
    usecases.import_members(db, team="T0001", rows=[evil], now=NOW)
    return db


def test_csv_has_every_entry_oldest_first(capsys: pytest.CaptureFixture[str], db_url: str, logged: Database) -> None:
    code, out, err = run(capsys, db_url, "audit", "export", "--team", "T0001")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["action"] for r in rows] == ["account.added", "members.imported", "request.submitted", "members.imported"]
    assert rows[2]["actor"] == "U0000" and json.loads(rows[2]["details"])["seats_removed"] == 2
    assert rows[0]["at"] == "2026-11-26T08:30:00Z"


def test_json_to_a_file_and_the_export_is_audited(
    capsys: pytest.CaptureFixture[str], db_url: str, logged: Database, tmp_path: Path
) -> None:
    target = tmp_path / "audit.json"
    code, _, err = run(
        capsys, db_url, "audit", "export", "--team", "T0001", "--format", "json", "--output", str(target)
    )
    assert code == 0, err
    assert "4 audit entries of T0001 written to" in err
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["team_id"] == "T0001" and len(doc["entries"]) == 4
    code, out, _ = run(capsys, db_url, "audit", "export", "--team", "T0001", "--format", "json")
    assert json.loads(out)["entries"][-1]["action"] == "audit.exported"


def test_an_unknown_team_is_an_error(capsys: pytest.CaptureFixture[str], db_url: str, logged: Database) -> None:
    code, _, err = run(capsys, db_url, "audit", "export", "--team", "T0NOPE")
    assert code == 2 and "No licensebot account is linked" in err
