"""store/bulk.py: many rows through one prebuilt INSERT ... RETURNING (psycopg's executemany on PostgreSQL, the
plain executemany on SQLite) lists exactly the rows added, stores what SQLAlchemy would (aware instants, JSON,
one shared value for several rows), and fails as SQLAlchemy fails (translated by the store, nothing written)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from store import models
from store.bulk import BulkInsert
from store.db import Clash, Database, StoreError
from tests.factories import add_account

T = datetime(2026, 12, 25, 8, tzinfo=UTC)
D = models.Base.metadata.tables["deliveries"]
INSERTS = {
    name: BulkInsert(
        insert(D)
        .on_conflict_do_nothing(index_elements=["account_id", "key", "target"])
        .returning(D.c.account_id, D.c.key, D.c.target)
    )
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def _row(account: int, target: str, payload: dict[str, Any], at: datetime = T) -> dict[str, Any]:
    return {
        "account_id": account,
        "key": "reminder:2027-01-01:d7",
        "target": target,
        "kind": "reminder",
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def _account(db: Database) -> int:
    add_account(db)
    with db.transaction() as s:
        return int(s.scalars(select(models.Account.id)).one())


def _run(db: Database, rows: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    with db.transaction() as s:
        return set(INSERTS[s.get_bind().dialect.name].run(s, rows))


def test_lists_the_rows_added_and_stores_what_it_was_given(db: Database) -> None:
    account = _account(db)
    shared = {"notice": "reminder", "page": {"seats": 15, "names": ["Zoë", "Ana"]}, "none": None}
    brussels = timezone(timedelta(hours=1))
    assert _run(db, [_row(account, "C1", shared), _row(account, "U1", shared, T.astimezone(brussels))]) == {
        (account, "reminder:2027-01-01:d7", "C1"),
        (account, "reminder:2027-01-01:d7", "U1"),
    }
    # queued again with a new target: only the new one is added (and listed)
    assert _run(db, [_row(account, "C1", {"other": 1}), _row(account, "U2", {"n": 2})]) == {
        (account, "reminder:2027-01-01:d7", "U2")
    }
    with db.transaction() as s:
        stored = {d.target: d for d in s.scalars(select(models.Delivery))}
    assert sorted(stored) == ["C1", "U1", "U2"]
    assert stored["C1"].payload == shared == stored["U1"].payload  # the first queueing wins
    assert stored["U2"].payload == {"n": 2}
    assert stored["U1"].next_attempt_at == T and stored["U1"].next_attempt_at.utcoffset() == timedelta(0)
    assert stored["C1"].kind == "reminder" and stored["C1"].attempts == 0


def test_nothing_to_insert_is_no_statement(db: Database) -> None:
    assert _run(db, []) == set()


def test_a_refused_row_fails_the_whole_insert_as_the_store_says(db: Database) -> None:
    account = _account(db)
    with pytest.raises(Clash):  # no such account: the foreign key refuses it
        _run(db, [_row(account, "C1", {}), _row(account + 1000, "C2", {})])
    with pytest.raises(StoreError):  # a naive instant is refused before anything is sent
        _run(db, [_row(account, "C3", {}, T.replace(tzinfo=None))])
    with db.transaction() as s:
        assert s.scalars(select(models.Delivery)).all() == []
