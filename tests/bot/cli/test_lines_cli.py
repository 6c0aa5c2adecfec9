"""`licensebot package add|list`, `lines add|set|list`, `account set --package`, the CSV addons column and
`status` with every line: the operators' contract for license lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.cli.test_main import add, run

ADDON = "Lead capture Booster · Beyond users"


def setup_lines(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    assert add(capsys, db_url)[0] == 0
    for name, rank, price, features in (("Grow", "2", "45", "Lead capture;Projects"), ("Go", "1", "30", "Projects")):
        code, out, err = run(
            capsys, db_url, "package", "add", "--name", name, "--rank", rank, "--price", price, "--feature", features
        )
        assert code == 0, err
    assert run(capsys, db_url, "account", "set", "--team", "T0001", "--package", "Grow")[0] == 0
    code, out, _ = run(
        capsys, db_url, "lines", "add", "--team", "T0001", "--name", ADDON, "--seats", "3", "--price-per-seat", "10"
    )
    assert code == 0 and f"line 1 added: {ADDON}, 3 licenses" in out
    csv = tmp_path / "m.csv"
    csv.write_text(
        "email,name,slack_user_id,admin,added_on,addons\n"
        f"a@x.be,Ann,U0A,yes,2026-01-01,{ADDON}\n"
        f"b@x.be,Bob,,no,2026-02-01,{ADDON}\n"
        "c@x.be,Cas,,no,2026-03-01,\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, db_url, "users", "import", "--team", "T0001", str(csv))
    assert code == 0, err
    assert "add-on licenses: 2 assigned, 0 taken away" in out


def test_lines_list_and_status_show_every_line(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path) -> None:
    setup_lines(capsys, db_url, tmp_path)
    code, out, _ = run(capsys, db_url, "lines", "list", "--team", "T0001")
    assert code == 0
    assert "package  User licenses (Grow package): 5 licensed, 3 assigned, 2 unused, 45.00 EUR/license/month" in out
    assert f"1        {ADDON}: 3 licensed, 2 assigned, 1 unused, 10.00 EUR/license/month" in out
    code, out, _ = run(capsys, db_url, "status", "--team", "T0001")
    assert "package          Grow (rank 2)" in out and f"{ADDON}: 3 licensed, 2 assigned, 1 unused" in out
    code, out, _ = run(capsys, db_url, "package", "list")
    assert "  2  Grow  45.00/license/month  Lead capture; Projects" in out


def test_lines_set_and_the_errors_an_operator_gets(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    setup_lines(capsys, db_url, tmp_path)
    code, out, _ = run(capsys, db_url, "lines", "set", "--team", "T0001", "--line", "1", "--seats", "5")
    assert code == 0 and "5 licenses" in out
    code, _, err = run(capsys, db_url, "lines", "set", "--team", "T0001", "--line", "9", "--seats", "5")
    assert code == 2 and "no add-on line 9" in err
    code, _, err = run(capsys, db_url, "lines", "add", "--team", "T0001", "--name", ADDON.upper(), "--seats", "2")
    assert code == 2 and "has a line named" in err
    code, _, err = run(capsys, db_url, "account", "set", "--team", "T0001", "--package", "Nope")
    assert code == 2 and "no package named 'Nope'" in err and "Grow, Go" in err
    code, _, err = run(capsys, db_url, "package", "add", "--name", "Other", "--rank", "2", "--price", "1")
    assert code == 2 and "has rank 2 already" in err
    code, _, err = run(capsys, db_url, "package", "add", "--name", "Cheap", "--rank", "0", "--price", "1.234")
    assert code == 2 and "at most 2 decimals" in err


def test_an_unknown_addon_in_the_csv_imports_nothing(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    setup_lines(capsys, db_url, tmp_path)
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "email,name,slack_user_id,admin,added_on,addons\nd@x.be,Dirk,,no,2026-04-01,Nope\n", encoding="utf-8"
    )
    code, _, err = run(capsys, db_url, "users", "import", "--team", "T0001", str(csv))
    assert code == 2 and "line 2: no add-on line named 'Nope'" in err and "Nothing was imported" in err
    code, out, _ = run(capsys, db_url, "lines", "list", "--team", "T0001")
    assert "3 assigned" in out  # Dirk was not added


def test_dropping_an_addon_in_the_csv_takes_it_away(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path
) -> None:
    setup_lines(capsys, db_url, tmp_path)
    csv = tmp_path / "drop.csv"
    csv.write_text("email,name,slack_user_id,admin,added_on,addons\nb@x.be,Bob,,no,2026-02-01,\n", encoding="utf-8")
    code, out, _ = run(capsys, db_url, "users", "import", "--team", "T0001", str(csv))
    assert code == 0 and "0 assigned, 1 taken away" in out
    code, out, _ = run(capsys, db_url, "lines", "list", "--team", "T0001")
    assert f"{ADDON}: 3 licensed, 1 assigned, 2 unused" in out
