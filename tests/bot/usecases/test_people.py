"""People use cases: recognising Slack users, resolving mentions, the users overview."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import NotFound
from bot.usecases import people
from store import models
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, member_rows


@pytest.fixture
def team(db: Database) -> str:
    add_account(db, "T0001", seats=5)
    rows = member_rows(5, admins=(0, 1))
    rows[1] = replace(rows[1], slack_user_id=None)  # an admin not linked yet
    usecases.import_members(db, team="T0001", rows=rows, now=NOW)
    return "T0001"


def test_identify_by_id_by_email_or_not_at_all(team: str, db: Database) -> None:
    asked: list[str] = []

    def email_of(user: str) -> str | None:
        asked.append(user)
        return {"U0NEW1": "USER1@example.com"}.get(user)

    known = people.identify(db, team=team, user_id="U0000", now=NOW, email_of=email_of)
    assert known.is_admin and asked == []
    linked = people.identify(db, team=team, user_id="U0NEW1", now=NOW, email_of=email_of)
    assert linked.is_admin and linked.member is not None and linked.member.slack_user_id == "U0NEW1"
    stranger = people.identify(db, team=team, user_id="U0NOBODY", now=NOW, email_of=email_of)
    assert not stranger.is_admin and stranger.member is None
    assert [a.name for a in stranger.admins] == ["User 0", "User 1"]
    assert asked == ["U0NEW1", "U0NOBODY"]
    assert people.admin_user_ids(db, team=team) == ["U0000", "U0NEW1"]


def test_a_deactivated_admin_is_no_admin(team: str, db: Database) -> None:
    with db.transaction() as s:
        admin = s.scalar(select(models.Member).where(models.Member.slack_user_id == "U0000"))
        assert admin is not None
        admin.status = "deactivated"
    viewer = people.identify(db, team=team, user_id="U0000", now=NOW, email_of=lambda _u: None)
    assert viewer.member is not None and viewer.member.is_admin and not viewer.is_admin
    assert [a.name for a in viewer.admins] == ["User 1"]


def test_resolve_many_keeps_the_order_and_names_the_unknown(team: str, db: Database) -> None:
    found = people.resolve_many(
        db, team=team, user_ids=["U0003", "U0X", "U0002", "U0003"], now=NOW, email_of=lambda _u: None
    )
    assert list(found.members) == ["U0003", "U0002"]
    assert found.unknown == ("U0X",)


def test_users_overview_without_and_with_a_request(team: str, db: Database) -> None:
    ov = people.users_overview(db, team=team, now=NOW)
    assert (ov.seat_count, ov.automatic.shortfall) == (5, 0)
    assert [p.name for p in ov.people] == [f"User {i}" for i in range(5)]
    usecases.submit_reduction(db, team=team, actor=Actor.slack("U0000"), seats=2, now=NOW)
    ov = people.users_overview(db, team=team, now=NOW)
    assert ov.seat_count == 3
    assert [m.name for m in ov.automatic.chosen] == ["User 4", "User 3"]


def test_an_unlinked_workspace_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="An operator links it"):
        people.identify(db, team="T0NONE", user_id="U1", now=NOW, email_of=lambda _u: None)
