"""The CLI end to end on a temporary database: the operators' contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from store import models
from store.db import Database

CSV_HEADER = "email,name,slack_user_id,admin,added_on\n"


def run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(["--database", db_url, *argv])
    except SystemExit as exc:  # argparse rejects the arguments
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], db_url: str, *extra: str) -> tuple[int, str, str]:
    return run(
        capsys,
        db_url,
        "account",
        "add",
        "--team",
        "T0001",
        "--name",
        "Acme",
        "--plan",
        "quarterly",
        "--seats",
        "5",
        "--renews",
        "2027-01-31",
        "--timezone",
        "Europe/Brussels",
        *extra,
    )


def write_csv(tmp_path: Path, body: str) -> str:
    path = tmp_path / "users.csv"
    path.write_text(CSV_HEADER + body, encoding="utf-8")
    return str(path)


def members(db_url: str) -> list[tuple[str, str, bool]]:
    database = Database.connect(db_url, migrate=False)
    with database.transaction() as s:
        rows = [(m.email, m.name, m.is_admin) for m in s.scalars(select(models.Member).order_by(models.Member.email))]
    database.dispose()
    return rows


def test_add_import_and_status(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    assert add(capsys, db_url, "--price-per-seat", "12.5")[0] == 0
    csv = write_csv(
        tmp_path,
        "ann@example.com,Ann,U01,yes,2024-01-01\n"
        "bob@example.com,Bob,,no,2024-02-01T10:00:00+01:00\n"
        "cy@example.com,Cy,,no,2025-03-01\n",
    )
    code, out, _ = run(capsys, db_url, "users", "import", "--team", "T0001", csv)
    assert (code, out.strip()) == (0, "users.csv: 3 rows, 3 added, 0 updated")
    code, out, err = run(capsys, db_url, "status", "--team", "T0001", "--now", "2027-01-16T22:59:00Z")
    assert code == 0, err
    assert "5 licensed, 3 active users, 2 unused" in out
    assert "next renewal     Sun 31 Jan 2027 (Europe/Brussels)" in out
    assert "deadline         Sat 16 Jan 2027 (today is the last day)" in out
    assert "12.50 EUR per license per month" in out
    code, out, _ = run(capsys, db_url, "status", "--team", "T0001", "--now", "2027-01-16T23:00:00Z")
    assert "deadline         Sat 16 Jan 2027 (passed)" in out
    assert "a request made now applies to the renewal of Fri 30 Apr 2027" in out


def test_reimport_updates_and_never_duplicates(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    add(capsys, db_url)
    run(
        capsys,
        db_url,
        "users",
        "import",
        "--team",
        "T0001",
        write_csv(tmp_path, "ann@example.com,Ann,,no,2024-01-01\n"),
    )
    code, out, _ = run(
        capsys,
        db_url,
        "users",
        "import",
        "--team",
        "T0001",
        write_csv(tmp_path, "ANN@example.com,Ann Smith,,yes,2024-01-01\nbo@example.com,Bo,,0,2024-01-02\n"),
    )
    assert (code, out.strip()) == (0, "users.csv: 2 rows, 1 added, 1 updated")
    assert members(db_url) == [("ann@example.com", "Ann Smith", True), ("bo@example.com", "Bo", False)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "ann@example.com,Ann,,yes,2024-01-01\nnot-an-email,Bob,,no,2024-01-01\n",
            "line 3: 'not-an-email' is not an email",
        ),
        ("ann@example.com,Ann,,maybe,2024-01-01\n", "line 2: admin must be yes/no/true/false/1/0"),
        ("ann@example.com,Ann,,yes,2024-02-30\n", "line 2: added_on '2024-02-30' is not a date"),
        ("ann@example.com,Ann,,yes,yesterday\n", "line 2: added_on 'yesterday' is not a date"),
        ("ann@example.com,,,yes,2024-01-01\n", "line 2: the name is empty"),
        (
            "ann@example.com,Ann,,yes,2024-01-01\nann@example.com,Ann,,yes,2024-01-01\n",
            "line 3: ann@example.com already appears on line 2",
        ),
        ("ann@example.com,Ann,#general,yes,2024-01-01\n", "line 2: '#general' is not a Slack user id"),
        ("ann@example.com,Ann,,yes,2024-01-01,extra\n", "line 2: more fields than the header has"),
        (
            "a@example.com,A,U01,yes,2024-01-01\nb@example.com,B,U01,no,2024-01-01\n",
            "line 3: Slack user id U01 already",
        ),
    ],
)
def test_a_bad_row_names_its_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path, body: str, message: str
) -> None:
    add(capsys, db_url)
    code, _, err = run(capsys, db_url, "users", "import", "--team", "T0001", write_csv(tmp_path, body))
    assert code == 2
    assert err.startswith(f"licensebot: error: {message}")
    assert err.count("\n") == 1
    assert members(db_url) == []


def test_missing_header_column(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    add(capsys, db_url)
    path = tmp_path / "u.csv"
    path.write_text("email,name\nann@example.com,Ann\n", encoding="utf-8")
    code, _, err = run(capsys, db_url, "users", "import", "--team", "T0001", str(path))
    assert code == 2 and "line 1: the header lacks column(s) admin, added_on" in err


ADD = "account add --team T0002 --name X --plan annual --seats 5"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (f"{ADD} --renews 2027-02-30", "argument --renews: '2027-02-30' is not a date (YYYY-MM-DD)"),
        (f"{ADD} --renews 2027-01-01 --plan monthly", "argument --plan: invalid choice"),
        (f"{ADD} --renews 2027-01-01 --seats five", "argument --seats: 'five' is not a whole number"),
        (f"{ADD} --renews 2027-01-01 --seats 0", "--seats must be a whole number >= 1"),
        (f"{ADD} --renews 2027-01-01 --timezone Europe/Brusels", "unknown timezone 'Europe/Brusels'"),
        (f"{ADD} --renews 2027-01-01 --price-per-seat -3", "--price-per-seat must be a number from 0"),
        ("account add --team general --name X --plan annual --seats 5 --renews 2027-01-01", "is not a Slack team id"),
        ("account add --team T0002 --name X", "the following arguments are required: --plan, --seats, --renews"),
        ("account set --team T0009 --seats 3", "No licensebot account is linked to the Slack workspace T0009"),
        ("status --team T0001 --now soon", "argument --now: 'soon' is not an ISO-8601 instant"),
        ("users import --team T0001 /nonexistent/users.csv", "cannot read /nonexistent/users.csv"),
        ("frobnicate", "argument COMMAND: invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], db_url: str, command: str, message: str
) -> None:
    add(capsys, db_url)
    code, _, err = run(capsys, db_url, *command.split())
    assert code == 2
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_account_set_prints_what_changed(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    add(capsys, db_url)
    code, out, _ = run(
        capsys, db_url, "account", "set", "--team", "T0001", "--seats", "7", "--admin-channel", "C0ADMIN"
    )
    assert (code, out.strip()) == (0, "account T0001: licensed_seats=7, admin_channel=C0ADMIN")
    code, out, _ = run(capsys, db_url, "account", "set", "--team", "T0001", "--seats", "7")
    assert out.strip() == "account T0001: nothing changed"


def test_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "postgresql://nobody@127.0.0.1:1/none", "status", "--team", "T0001")
    assert code == 1
    assert err.startswith("licensebot: error: cannot use the database:")
    assert err.count("\n") == 1


def test_console_script_upgrades_and_lists_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    up = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "--database", url, "db", "upgrade"], capture_output=True, text=True
    )
    assert up.returncode == 0 and "latest schema" in up.stdout
    helptext = subprocess.run([sys.executable, "-m", "bot.cli.main", "--help"], capture_output=True, text=True).stdout
    for command in ("db", "account", "users", "status", "demo"):
        assert f"    {command} " in helptext


def test_account_set_escalate_off_and_on(capsys: pytest.CaptureFixture[str], db_url: str) -> None:
    add(capsys, db_url)
    code, out, _ = run(capsys, db_url, "account", "set", "--team", "T0001", "--escalate", "off")
    assert (code, out.strip()) == (0, "account T0001: escalate=False")
    code, out, _ = run(capsys, db_url, "account", "set", "--team", "T0001", "--escalate", "on")
    assert (code, out.strip()) == (0, "account T0001: escalate=True")
    code, _, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--escalate", "maybe")
    assert code == 2 and "invalid choice: 'maybe'" in err
