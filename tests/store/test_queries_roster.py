"""queries.roster_of reads a few rows (the count, the admins, the newest `roster_depth`) and the seat rules
decide on them exactly as on the whole member list; on SQLite and PostgreSQL (ties on the added instant
broken by id in SQL as in the policy)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import usecases
from bot.core import policy
from bot.core.audit import OPERATOR
from store import queries
from store.db import Database
from tests.conftest import NOW
from tests.consent_factories import granted, member_id
from tests.factories import add_account, member_rows

TEAM = "T0001"
MEMBERS = 60
ADMINS = (0, 13, 57, 58)
"""Two of the newest members are admins; 57 consents, 58 does not."""
DEACTIVATED = (59, 40, 41)


@pytest.fixture
def acme(db: Database) -> Database:
    add_account(db, TEAM, seats=MEMBERS)
    rows = member_rows(MEMBERS, admins=ADMINS, apart=lambda i: timedelta(hours=i // 4))  # 4 share an instant
    usecases.import_members(db, team=TEAM, rows=rows, now=NOW)
    granted(db, 0, 57)
    ids = [member_id(db, i) for i in DEACTIVATED]
    usecases.deactivate_members(db, team=TEAM, actor=OPERATOR, member_ids=ids, now=NOW)
    return db


@pytest.mark.parametrize("new_seats", [None, 60, 57, 56, 50, 30, 5, 1, 0])
def test_roster_decides_as_the_whole_list(acme: Database, new_seats: int | None) -> None:
    with acme.transaction(read_only=True) as s:
        account_id = queries.load_account(s, TEAM).id
        roster = queries.roster_of(s, account_id, new_seats)
        whole = policy.Roster.of(queries.policy_members(s, account_id))
    active = MEMBERS - len(DEACTIVATED)
    assert roster.active == whole.active == active
    assert sorted(m.id for m in roster.admins) == sorted(m.id for m in whole.admins)
    assert [m.consented for m in roster.admins] == [False, False, True, False]
    depth = policy.roster_depth(active, len(ADMINS), new_seats)
    assert len(roster.members) <= len(ADMINS) + depth  # a few rows, not the account
    if new_seats is not None:
        assert policy.automatic_deactivations(roster, new_seats) == policy.automatic_deactivations(whole, new_seats)


def test_the_newest_are_read_in_tie_order(acme: Database) -> None:
    with acme.transaction(read_only=True) as s:
        roster = queries.roster_of(s, queries.load_account(s, TEAM).id, 55)  # shortfall 2, depth 6
    chosen = policy.automatic_deactivations(roster, 55).chosen
    # 59 is deactivated, 58 an admin without consent; 57 (consented admin) and 56 share an instant: higher id first
    assert [m.name for m in chosen] == ["User 57", "User 56"]
