"""`licensebot consents export|list` end to end (SQLite, and PostgreSQL with TEST_DATABASE_URL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.cli.main import main
from bot.usecases import consent_answers
from bot.usecases.consent_export import FIELDS, to_csv
from store import models
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import TEAM, ask, audit_actions, consent_rows, granted, who
from tests.factories import add_account, add_members


def run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--database", db_url, *argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def history(db: Database) -> Database:
    """One consent in each state: User 1 revoked, User 2 granted, User 3 declined, User 4 asked."""
    add_account(db)
    add_members(db, TEAM, 7, admins=(0, 1, 2, 3, 4))
    revoked = granted(db, 0, 1)
    consent_answers.revoke(db, consent_id=revoked.id, who=who(1), now=NOW + timedelta(days=1))
    granted(db, 0, 2)
    declined = ask(db, 0, 3)
    consent_answers.decline(db, consent_id=declined.id, who=who(3), now=NOW + timedelta(hours=1))
    ask(db, 0, 4)
    return db


def test_export_csv_holds_every_consent_exactly(
    history: Database, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, db_url, "consents", "export", "--team", TEAM)
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    stored = consent_rows(history)
    assert tuple(rows[0]) == FIELDS
    assert [(r["consent_id"], r["member_name"], r["status"]) for r in rows] == [
        (str(stored[0]["id"]), "User 1", "revoked"),
        (str(stored[1]["id"]), "User 2", "granted"),
        (str(stored[2]["id"]), "User 3", "declined"),
        (str(stored[3]["id"]), "User 4", "requested"),
    ]
    revoked, signed, declined, asked = rows
    assert signed["statement"] == stored[1]["statement"]  # multi-line text survives CSV quoting
    assert "\n\n" in signed["statement"]
    assert (signed["signature"], signed["signed_by_user_id"], signed["signed_by_team_id"]) == ("User 2", "U0002", TEAM)
    assert signed["granted_at"] == "2026-11-26T08:30:00Z" and signed["revoked_at"] == ""
    assert revoked["revoked_at"] == "2026-11-27T08:30:00Z" and revoked["statement"] == stored[0]["statement"]
    assert declined["declined_at"] == "2026-11-26T09:30:00Z" and declined["statement"] == ""
    assert (asked["requested_by"], asked["requested_by_name"], asked["effective_on"]) == (
        "U0000",
        "User 0",
        "2027-01-01",
    )
    assert asked["member_email"] == "user4@example.com" and asked["signature"] == ""
    assert audit_actions(history)[-1] == ("cli", "consents.exported", {"format": "csv", "count": 4})


def test_export_json_to_a_file(
    history: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "consents.json"
    code, out, err = run(
        capsys, db_url, "consents", "export", "--team", TEAM, "--format", "json", "--output", str(target)
    )
    assert (code, out) == (0, "")
    assert err == f"4 consents of {TEAM} written to {target} (json)\n"
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["team_id"] == TEAM
    stored = consent_rows(history)
    assert [c["consent_id"] for c in doc["consents"]] == [r["id"] for r in stored]
    signed = doc["consents"][1]
    assert signed["statement"] == stored[1]["statement"]
    assert (signed["status"], signed["signature"], signed["granted_at"]) == (
        "granted",
        "User 2",
        "2026-11-26T08:30:00Z",
    )
    assert doc["consents"][3]["statement"] is None and doc["consents"][3]["granted_at"] is None
    assert list(out_dir.iterdir()) == [target]  # no temporary file left behind


def test_export_of_an_account_without_consents(db: Database, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_account(db)
    code, out, _ = run(capsys, db_url, "consents", "export", "--team", TEAM, "--format", "json")
    assert code == 0 and json.loads(out)["consents"] == []
    code, out, _ = run(capsys, db_url, "consents", "export", "--team", TEAM)
    assert code == 0 and out == ",".join(FIELDS) + "\r\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--team", "T0NOPE"], "No licensebot account is linked to the Slack workspace T0NOPE"),
        (["--team", TEAM, "--format", "xml"], "invalid choice: 'xml'"),
        (["--team", TEAM, "--output", "/nonexistent/dir/x.csv"], "the folder /nonexistent/dir does not exist"),
        ([], "the following arguments are required: --team"),
    ],
)
def test_export_errors_are_one_line(
    db: Database, db_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    add_account(db)
    code, out, err = run(capsys, db_url, "consents", "export", *argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(db: Database) -> None:
    add_account(db)
    add_members(db, TEAM, 3, admins=(0, 1))
    with db.transaction() as s:
        s.execute(update(models.Member).where(models.Member.email == "user1@example.com").values(name="=HYPERLINK(1)"))
    done = ask(db, 0, 1)
    rows = list(csv.DictReader(io.StringIO(to_csv([done]), newline="")))
    assert rows[0]["member_name"] == "'=HYPERLINK(1)"
    assert rows[0]["member_id"] == str(done.member_id)  # numbers are left alone


def test_list(history: Database, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, db_url, "consents", "list", "--team", TEAM)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 4
    assert (
        "revoked" in lines[0] and "User 1 <user1@example.com>" in lines[0] and "2026-11-27T08:30:00+00:00" in lines[0]
    )
    assert "requested" in lines[3] and "asked by User 0, from 2027-01-01" in lines[3]
