"""Issue 15, items 4 and 5: the CSV import never removes admin rights silently, refuses a future
`added_on`, and says what it did with a deactivated member."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot import usecases
from bot.core.audit import Actor
from store import models
from store.db import Database
from tests.bot.cli.test_main import run, write_csv
from tests.conftest import NOW
from tests.consent_factories import granted, member_id
from tests.factories import add_account, add_members

AT = NOW.isoformat()
# Factory members: user{i}@example.com, "User {i}", U{i:04d}, added 2024-01-01 + i days.
ROW = "user{i}@example.com,User {i},U{i:04d},{admin},2024-01-0{day}\n"


def row(i: int, admin: str) -> str:
    return ROW.format(i=i, admin=admin, day=i + 1)


def admins(db: Database) -> list[str]:
    with db.transaction() as s:
        return list(s.scalars(select(models.Member.name).where(models.Member.is_admin.is_(True)).order_by("name")))


@pytest.fixture
def two_admins(db: Database) -> Database:
    add_account(db)
    add_members(db, "T0001", 4, admins=(0, 1))
    return db


def test_removing_the_admin_flag_without_consent_is_refused(
    capsys: pytest.CaptureFixture[str], db_url: str, two_admins: Database, tmp_path: Path
) -> None:
    csv = write_csv(tmp_path, row(0, "yes") + row(1, "no"))
    code, out, err = run(capsys, db_url, "users", "import", "--team", "T0001", "--now", AT, csv)
    assert code == 2, out
    assert "line 3: user1@example.com is an admin and has not given written consent" in err
    assert "/licenses consent" in err
    assert admins(two_admins) == ["User 0", "User 1"]


def test_removing_the_admin_flag_with_consent_is_done_and_said(
    capsys: pytest.CaptureFixture[str], db_url: str, two_admins: Database, tmp_path: Path
) -> None:
    granted(two_admins, 0, 1)
    csv = write_csv(tmp_path, row(0, "yes") + row(1, "no"))
    code, out, err = run(capsys, db_url, "users", "import", "--team", "T0001", "--now", AT, csv)
    assert code == 0, err
    assert "admin rights removed from User 1 (with their written consent)" in out
    assert admins(two_admins) == ["User 0"]


def test_the_last_admin_keeps_the_flag_even_with_consent(
    capsys: pytest.CaptureFixture[str], db_url: str, two_admins: Database, tmp_path: Path
) -> None:
    granted(two_admins, 0, 1)
    with two_admins.transaction() as s:  # User 0 left the company (deactivated in Teamleader, say)
        s.scalars(select(models.Member).where(models.Member.email == "user0@example.com")).one().status = "deactivated"
    csv = write_csv(tmp_path, row(1, "no"))
    code, _, err = run(capsys, db_url, "users", "import", "--team", "T0001", "--now", AT, csv)
    assert code == 2
    assert "at least one admin must remain" in err
    assert admins(two_admins) == ["User 0", "User 1"]


def test_a_future_added_on_is_an_error_with_its_line(
    capsys: pytest.CaptureFixture[str], db_url: str, two_admins: Database, tmp_path: Path
) -> None:
    csv = write_csv(tmp_path, row(0, "yes") + "new@example.com,New,,no,2026-12-24\n")
    code, _, err = run(capsys, db_url, "users", "import", "--team", "T0001", "--now", AT, csv)
    assert code == 2
    assert "line 3: added_on '2026-12-24' is in the future" in err


def test_a_deactivated_member_is_reported_not_silently_skipped(
    capsys: pytest.CaptureFixture[str], db_url: str, two_admins: Database, tmp_path: Path
) -> None:
    usecases.deactivate_members(
        two_admins, team="T0001", actor=Actor.slack("U0000"), member_ids=[member_id(two_admins, 3)], now=NOW
    )
    csv = write_csv(tmp_path, row(3, "no"))
    code, out, err = run(capsys, db_url, "users", "import", "--team", "T0001", "--now", AT, csv)
    assert code == 0, err
    assert "1 row, 0 added, 0 updated, 1 deactivated and left so (User 3)" in out
    assert "licensebot users reactivate" in out
