"""The sync use case over a real database and the fake Teamleader."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bot import usecases
from bot.cli.text import render_page
from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.policy import UNKNOWN_ADDED
from bot.teamleader import sync
from bot.teamleader.client import ApiError
from bot.teamleader.sync import sync_account
from store import models
from store.db import Database
from tests.bot.teamleader.fake import FakeTeamleader, error, tl_user
from tests.conftest import NOW
from tests.factories import add_account

Row = tuple[str, str, str | None, bool, str, str | None]


def members(db: Database) -> list[Row]:
    """(email, name, teamleader id, admin, status, deactivated_how) by email."""
    with db.transaction() as s:
        return [
            (m.email, m.name, m.teamleader_id, m.is_admin, m.status, m.deactivated_how)
            for m in s.scalars(select(models.Member).order_by(models.Member.email))
        ]


def audit(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.transaction() as s:
        return [(e.action, e.details) for e in s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id))]


def connection(db: Database) -> models.TeamleaderConnection:
    with db.transaction() as s:
        conn: models.TeamleaderConnection | None = s.scalar(select(models.TeamleaderConnection))
        assert conn is not None
        return conn


def run(db: Database, fake: FakeTeamleader, **kw: Any) -> sync.SyncReport:
    return sync_account(db, team="T0001", client=fake.client(), now=NOW, **kw)


def test_first_sync_links_csv_members_and_adds_new_users(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1), tl_user(2), tl_user(3, first="Nora")]
    report = run(db, fake)
    assert (report.added, report.updated, report.deactivated, report.linked, report.users) == (1, 0, 0, 3, 4)
    assert members(db) == [
        ("user0@example.com", "User 0", "tl-0000", True, "active", None),
        ("user1@example.com", "User 1", "tl-0001", False, "active", None),
        ("user2@example.com", "User 2", "tl-0002", False, "active", None),
        ("user3@example.com", "Nora 3", "tl-0003", False, "active", None),
    ]
    with db.transaction() as s:
        nora = s.scalar(select(models.Member).where(models.Member.email == "user3@example.com"))
        # The first sync does not know when Nora was added: not "today" (issue 15), the unknown date.
        assert nora is not None and nora.added_at == UNKNOWN_ADDED and nora.slack_user_id is None
    action, details = audit(db)[-1]
    assert action == "teamleader.synced"
    assert (details["added"], details["updated"], details["deactivated"]) == (1, 0, 0)
    conn = connection(db)
    assert conn.last_sync_at == NOW and conn.next_sync_at == NOW + timedelta(hours=1)


def test_pagination_reads_every_page_then_stops_at_a_short_one(
    db: Database, fake: FakeTeamleader, connected: str
) -> None:
    fake.users = [tl_user(i) for i in range(250)]
    report = run(db, fake)
    assert fake.pages == [1, 2, 3]
    assert report.users == 250 and report.added == 247 and len(members(db)) == 250


def test_a_full_last_page_is_followed_by_an_empty_one(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(i) for i in range(200)]
    run(db, fake)
    assert fake.pages == [1, 2, 3]
    assert len(members(db)) == 200


def test_deactivated_users_are_listed_and_mirrored(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1, status="deactivated"), tl_user(2), tl_user(3, status="deactivated")]
    report = run(db, fake)
    assert (report.added, report.deactivated) == (0, 1)
    assert members(db)[1] == ("user1@example.com", "User 1", "tl-0001", False, "deactivated", "teamleader")
    assert len(members(db)) == 3  # a user deactivated in Teamleader before we knew them is not added
    assert ("member.deactivated", {"member": 2, "name": "User 1", "how": "teamleader"}) in audit(db)


def test_a_user_gone_from_teamleader_is_deactivated(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    run(db, fake)
    fake.users = [tl_user(0), tl_user(2)]
    report = run(db, fake)
    assert report.deactivated == 1
    assert members(db)[1][4:] == ("deactivated", "teamleader")
    with db.transaction() as s:
        gone = s.scalar(select(models.Member).where(models.Member.email == "user1@example.com"))
        assert gone is not None and gone.deactivated_at == NOW


def test_a_renamed_user_and_a_new_email(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    run(db, fake)
    fake.users = [tl_user(0), tl_user(1, first="Renamed"), tl_user(2, email="New.Mail@Example.com")]
    report = run(db, fake)
    assert (report.added, report.updated, report.deactivated) == (0, 2, 0)
    assert [(m[0], m[1]) for m in members(db)] == [
        ("new.mail@example.com", "User 2"),
        ("user0@example.com", "User 0"),
        ("user1@example.com", "Renamed 1"),
    ]


def test_the_admin_flag_is_never_changed(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0, first="Boss"), tl_user(1), tl_user(2), tl_user(3)]
    run(db, fake)
    assert [m[3] for m in members(db)] == [True, False, False, False]
    # An admin deactivated in Teamleader stays an admin (deactivated) while another admin remains.
    with db.transaction() as s:
        m1 = s.scalar(select(models.Member).where(models.Member.email == "user1@example.com"))
        assert m1 is not None
        m1.is_admin = True
    fake.users = [tl_user(0, first="Boss", status="deactivated"), tl_user(1), tl_user(2), tl_user(3)]
    run(db, fake)
    flags = [(m[3], m[4]) for m in members(db)]
    assert flags == [(True, "deactivated"), (True, "active"), (False, "active"), (False, "active")]


def test_the_last_admin_is_kept_active_and_reported(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0, status="deactivated"), tl_user(1), tl_user(2)]
    report = run(db, fake)
    assert report.kept_admins == ("User 0",) and report.deactivated == 0
    assert "kept active so that an admin remains: User 0" in report.summary()
    assert members(db)[0][4] == "active"


def test_a_user_back_in_teamleader_is_reactivated(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1, status="deactivated"), tl_user(2)]
    run(db, fake)
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    report = run(db, fake)
    assert report.reactivated == 1
    assert members(db)[1][4:] == ("active", None)
    assert audit(db)[-2][0] == "member.reactivated"


def test_a_member_deactivated_by_hand_stays_deactivated(db: Database, fake: FakeTeamleader, connected: str) -> None:
    usecases.deactivate_members(db, team="T0001", actor=Actor.slack("U0000"), member_ids=[2], now=NOW)
    fake.users = [tl_user(0), tl_user(1), tl_user(2)]
    report = run(db, fake)
    assert report.reactivated == 0
    assert members(db)[1][4:] == ("deactivated", "manual")


def test_500_mid_pagination_writes_nothing(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(i) for i in range(250)]
    fake.users_override.append(lambda n: error(500, "Internal error") if n == 2 else None)
    before_members, before_audit = members(db), audit(db)
    with pytest.raises(ApiError, match="500"):
        run(db, fake)
    assert fake.pages == [1, 2]
    assert members(db) == before_members and audit(db) == before_audit
    conn = connection(db)
    assert conn.last_sync_at is None
    assert conn.last_error is not None and "500" in conn.last_error
    assert conn.next_sync_at == NOW + sync.RETRY_AFTER


def test_an_empty_answer_changes_nothing(db: Database, fake: FakeTeamleader, connected: str) -> None:
    before = members(db)
    with pytest.raises(UserError, match="no users"):
        run(db, fake)
    assert members(db) == before


def test_dry_run_prints_the_same_counts_and_writes_nothing(db: Database, fake: FakeTeamleader, connected: str) -> None:
    fake.users = [tl_user(0), tl_user(1, first="Renamed"), tl_user(3), tl_user(4)]
    before_members, before_audit, before_conn = members(db), audit(db), connection(db)
    dry = run(db, fake, dry_run=True)
    assert members(db) == before_members and audit(db) == before_audit
    assert connection(db).last_sync_at == before_conn.last_sync_at
    assert "[dry run: nothing written]" in dry.summary()
    real = run(db, fake)
    assert (dry.added, dry.updated, dry.deactivated) == (real.added, real.updated, real.deactivated) == (2, 1, 1)


def test_not_connected_is_one_clear_line(db: Database, fake: FakeTeamleader) -> None:
    add_account(db)
    with pytest.raises(UserError, match=r"T0001 is not connected to Teamleader; connect it with"):
        run(db, fake)
    assert len(fake.rsps.calls) == 0


def test_only_the_first_sync_leaves_the_added_date_unknown_and_the_page_says_so(
    db: Database, fake: FakeTeamleader, connected: str
) -> None:
    fake.users = [tl_user(0), tl_user(1), tl_user(2), tl_user(3, first="Nora")]
    run(db, fake)
    later = NOW + timedelta(days=2)
    fake.users = [*fake.users, tl_user(4, first="Olga")]
    sync_account(db, team="T0001", client=fake.client(), now=later)
    with db.transaction() as s:
        added = {m.name: m.added_at for m in s.scalars(select(models.Member))}
    assert (added["Nora 3"], added["Olga 4"]) == (UNKNOWN_ADDED, later)
    usecases.submit_reduction(db, team="T0001", actor=Actor.slack("U0000"), seats=7, now=later)  # 10 → 3: 2 go
    page = usecases.license_page(db, team="T0001", now=later)
    assert page.deactivation is not None
    # Olga (really new) goes first, then the newest CSV user; Nora (date unknown) is not first in line.
    assert [m.name for m in page.deactivation.chosen] == ["Olga 4", "User 2"]
    assert page.unknown_added == 1
    assert "1 user synced from Teamleader has no known added date" in render_page(page)


def test_many_deactivations_and_reactivations_are_set_based(db: Database, fake: FakeTeamleader, connected: str) -> None:
    """One UPDATE of the members for all the users a sync deactivates, one for those it reactivates (not one
    statement per member: on PostgreSQL each also updates the account's counter row, migration 0013)."""
    fake.users = [tl_user(i) for i in range(40)]
    run(db, fake)
    updates: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if statement.startswith("UPDATE members"):
            updates.append(len(parameters) if many else 1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fake.users = [tl_user(0)]
        assert run(db, fake).deactivated == 39
        assert updates == [1]
        fake.users = [tl_user(i) for i in range(40)]
        assert run(db, fake).reactivated == 39
        assert updates == [1, 1]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    with db.transaction() as s:
        assert s.scalar(select(models.Account.active_members)) == 40
