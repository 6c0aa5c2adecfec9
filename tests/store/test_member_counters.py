"""The counters the database keeps (migration 0013): accounts.active_members and license_lines.holders equal
their recount after any write, whoever makes it (raw SQL here; every use case and worker path through the
whole suite: tests/conftest.py checks `counters.drift` after every test), the migration backfills them, and
on PostgreSQL two concurrent transactions cannot make them drift."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from store import counters
from store.db import Database, make_engine, upgrade
from tests.factories import add_account, add_members
from tests.scratch_db import empty_database

T = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _stamp(conn: Connection) -> dict[str, object]:
    return {"t": T.replace(tzinfo=None) if conn.dialect.name == "sqlite" else T}


def _ids(db: Database, team: str = "T0001") -> tuple[int, list[int]]:
    with db.engine.connect() as conn:
        account = conn.execute(text("SELECT id FROM accounts WHERE slack_team_id = :t"), {"t": team}).scalar_one()
        members = list(conn.execute(text("SELECT id FROM members WHERE account_id = :a ORDER BY id"), {"a": account}))
    return account, [m for (m,) in members]


def _line(conn: Connection, account: int, name: str = "Booster") -> int:
    conn.execute(
        text(
            "INSERT INTO license_lines (account_id, name, licensed_seats, created_at, updated_at)"
            " VALUES (:a, :n, 5, :t, :t)"
        ),
        {"a": account, "n": name, **_stamp(conn)},
    )
    return int(conn.execute(text("SELECT id FROM license_lines WHERE name = :n"), {"n": name}).scalar_one())


def _figures(db: Database) -> tuple[list[int], list[int], list[counters.Drift]]:
    with Session(db.engine) as s:
        accounts = list(s.scalars(text("SELECT active_members FROM accounts ORDER BY id")))
        lines = list(s.scalars(text("SELECT holders FROM license_lines ORDER BY id")))
        return accounts, lines, counters.drift(s)


def test_drift_finds_a_wrong_counter(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 3)
    account, _ = _ids(db)
    assert _figures(db) == ([3], [], [])
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET active_members = 7 WHERE id = :a"), {"a": account})
    assert _figures(db)[2] == [counters.Drift("accounts", account, 7, 3)]
    with db.engine.begin() as conn:  # as it was, for the check after the test
        conn.execute(text("UPDATE accounts SET active_members = 3 WHERE id = :a"), {"a": account})


def test_raw_writes_keep_both_counters(db: Database) -> None:
    add_account(db)
    add_account(db, "T0002")
    add_members(db, "T0001", 4)
    account, (m0, m1, m2, m3) = _ids(db)
    with db.engine.begin() as conn:
        line = _line(conn, account)
        for m in (m1, m2, m3):
            conn.execute(
                text("INSERT INTO line_assignments (line_id, member_id, assigned_at) VALUES (:l, :m, :t)"),
                {"l": line, "m": m, **_stamp(conn)},
            )
    assert _figures(db) == ([4, 0], [3], [])
    steps = [
        # a member deactivated: off the account and off the line
        ("UPDATE members SET status = 'deactivated' WHERE id = :m", {"m": m1}, [3, 0], [2]),
        ("UPDATE members SET status = 'deactivated' WHERE id = :m", {"m": m1}, [3, 0], [2]),  # again: no change
        ("UPDATE members SET name = 'Renamed' WHERE id = :m", {"m": m2}, [3, 0], [2]),
        # an assignment of a deactivated member opened and closed: the line does not move
        ("UPDATE line_assignments SET removed_at = :t WHERE member_id = :m", {"m": m1}, [3, 0], [2]),
        ("UPDATE line_assignments SET removed_at = NULL WHERE member_id = :m", {"m": m1}, [3, 0], [2]),
        ("UPDATE members SET status = 'active' WHERE id = :m", {"m": m1}, [4, 0], [3]),  # reactivated: holds it again
        ("UPDATE line_assignments SET removed_at = :t WHERE member_id = :m", {"m": m2}, [4, 0], [2]),
        ("UPDATE members SET status = 'deactivated' WHERE id IN (:m, :n)", {"m": m2, "n": m3}, [2, 0], [1]),
        ("UPDATE members SET status = 'active' WHERE id = :m", {"m": m2}, [3, 0], [1]),  # its assignment is closed
        # a member moved to another account (no path does it; the counters follow all the same)
        ("UPDATE members SET account_id = account_id + 1 WHERE id = :m", {"m": m0}, [2, 1], [1]),
        ("DELETE FROM members WHERE id = :m", {"m": m1}, [1, 1], [0]),  # its assignments go with it
        ("DELETE FROM members WHERE id = :m", {"m": m3}, [1, 1], [0]),  # deactivated: nothing moves
    ]
    for sql, params, accounts, lines in steps:
        with db.engine.begin() as conn:
            conn.execute(text(sql), {**params, **_stamp(conn)})
        assert _figures(db) == (accounts, lines, []), sql


def test_an_assignment_of_a_deactivated_member_is_not_held(db: Database) -> None:
    add_account(db)
    add_members(db, "T0001", 2)
    account, (m0, m1) = _ids(db)
    with db.engine.begin() as conn:
        line = _line(conn, account)
        conn.execute(text("UPDATE members SET status = 'deactivated' WHERE id = :m"), {"m": m1})
        conn.execute(
            text("INSERT INTO line_assignments (line_id, member_id, assigned_at) VALUES (:l, :m, :t), (:l, :n, :t)"),
            {"l": line, "m": m0, "n": m1, **_stamp(conn)},
        )
    assert _figures(db) == ([1], [1], [])
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM license_lines WHERE id = :l"), {"l": line})
    assert _figures(db) == ([1], [], [])


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or (with TEST_DATABASE_URL) a new PostgreSQL database next to it."""
    with empty_database(tmp_path, "m0013") as url:
        yield url


def test_the_migration_backfills_the_counters(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine, "0012")
    with engine.begin() as conn:
        stamp = _stamp(conn)
        for account in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO accounts (id, slack_team_id, name, plan, licensed_seats, renewal_anchor, timezone,"
                    " reminder_days, escalate, created_at, updated_at)"
                    " VALUES (:a, :team, 'Old', 'annual', 12, '2027-03-01', 'UTC', '14,7,3,1,0', true, :t, :t)"
                ),
                {"a": account, "team": f"T0OLD{account}", **stamp},
            )
        for i in range(5):
            conn.execute(
                text(
                    "INSERT INTO members (id, account_id, name, email, is_admin, added_at, status, created_at,"
                    " updated_at) VALUES (:i, 1, :n, :e, false, :t, :s, :t, :t)"
                ),
                {"i": i + 1, "n": f"U{i}", "e": f"u{i}@x.be", "s": "deactivated" if i == 4 else "active", **stamp},
            )
        conn.execute(
            text(
                "INSERT INTO license_lines (id, account_id, name, licensed_seats, created_at, updated_at)"
                " VALUES (1, 1, 'Booster', 5, :t, :t)"
            ),
            stamp,
        )
        for member, removed in ((1, None), (2, T), (5, None), (3, None)):
            conn.execute(
                text(
                    "INSERT INTO line_assignments (line_id, member_id, assigned_at, removed_at) VALUES (1, :m, :t, :r)"
                ),
                {"m": member, "r": removed, **stamp},
            )
    upgrade(engine)
    with engine.begin() as conn:
        assert list(conn.execute(text("SELECT active_members FROM accounts ORDER BY id")).scalars()) == [4, 0]
        assert conn.execute(text("SELECT holders FROM license_lines")).scalar_one() == 2  # 1 and 3
        conn.execute(text("UPDATE members SET status = 'deactivated' WHERE id = 1"))  # the triggers are there
        assert conn.execute(text("SELECT active_members FROM accounts WHERE id = 1")).scalar_one() == 3
        assert conn.execute(text("SELECT holders FROM license_lines")).scalar_one() == 1
    engine.dispose()


@pytest.mark.postgres_only
def test_concurrent_assignment_and_deactivation_are_counted_once(db: Database) -> None:
    """An add-on assigned to a member in one transaction while another deactivates them: whichever commits
    first, the line's holders match the recount (the assignment's trigger locks the member first)."""
    add_account(db)
    add_members(db, "T0001", 2)
    account, (_, member) = _ids(db)
    with db.engine.begin() as conn:
        line = _line(conn, account)
    for first in ("assign", "deactivate"):
        assign, deactivate = db.engine.connect(), db.engine.connect()
        try:
            assign.begin()
            deactivate.begin()
            sql = {
                "assign": (
                    assign,
                    "INSERT INTO line_assignments (line_id, member_id, assigned_at) VALUES (:l, :m, :t)",
                ),
                "deactivate": (deactivate, "UPDATE members SET status = 'deactivated' WHERE id = :m"),
            }
            one, two = sql[first], sql["deactivate" if first == "assign" else "assign"]
            one[0].execute(text(one[1]), {"l": line, "m": member, "t": T})
            blocked = threading.Thread(target=two[0].execute, args=(text(two[1]), {"l": line, "m": member, "t": T}))
            blocked.start()
            blocked.join(0.5)  # it waits for the first one's lock on the member
            one[0].commit()
            blocked.join(10)
            assert not blocked.is_alive()
            two[0].commit()
        finally:
            assign.close()
            deactivate.close()
        assert _figures(db)[2] == [], first
        with db.engine.begin() as conn:  # back to an active member without the add-on
            conn.execute(text("DELETE FROM line_assignments"))
            conn.execute(text("UPDATE members SET status = 'active' WHERE id = :m"), {"m": member})
