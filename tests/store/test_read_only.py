"""Read-only transactions: they never take SQLite's write lock, and a write inside one fails."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from bot import usecases
from store import models, queries
from store.db import Database, StoreError, make_engine
from tests.conftest import NOW, ON_POSTGRES
from tests.factories import add_account, add_members


def _names(db: Database) -> list[str]:
    with db.transaction(read_only=True) as s:
        return list(s.scalars(select(models.Account.name)))


def test_a_read_only_transaction_reads_committed_data_while_a_writer_holds_the_lock(db: Database) -> None:
    add_account(db, "T0001")
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction() as s:  # SQLite: BEGIN IMMEDIATE, the write lock until the commit
            s.get_one(models.Account, 1).name = "Renamed"
            s.flush()
            writing.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        # Needing the write lock, this would wait for the writer (then fail with "database is locked").
        assert _names(db) == ["Account T0001"]
    finally:
        release.set()
        thread.join()
    assert _names(db) == ["Renamed"]


def test_a_write_in_a_read_only_transaction_fails_and_changes_nothing(db: Database) -> None:
    add_account(db, "T0001")
    with pytest.raises(StoreError), db.transaction(read_only=True) as s:
        s.get_one(models.Account, 1).name = "Renamed"
        s.flush()
    assert _names(db) == ["Account T0001"]


def test_the_same_connection_writes_again_after_a_read_only_transaction(db_url: str) -> None:
    db = Database(make_engine(db_url, pool_size=1, max_overflow=0))  # one connection for both
    try:
        add_account(db, "T0001")
        assert _names(db) == ["Account T0001"]
        add_members(db, "T0001", 3)
        with db.transaction(read_only=True) as s:
            assert s.scalar(select(func.count()).select_from(models.Member)) == 3
    finally:
        db.dispose()


def test_a_connection_goes_back_to_the_pool_writable(db_url: str) -> None:
    db = Database(make_engine(db_url, pool_size=1, max_overflow=0))
    try:
        add_account(db, "T0001")
        assert _names(db) == ["Account T0001"]
        raw = db.engine.raw_connection()  # the same connection, used without a transaction of ours
        try:
            cursor = raw.cursor()
            cursor.execute("UPDATE accounts SET name = 'Renamed'")
            raw.commit()
        finally:
            raw.close()
        assert _names(db) == ["Renamed"]
    finally:
        db.dispose()


def test_the_license_page_reads_without_the_write_lock(db: Database) -> None:
    if ON_POSTGRES:
        pytest.skip("SQLite's single writer")
    add_account(db, "T0001")
    add_members(db, "T0001", 4)
    writing, release = threading.Event(), threading.Event()

    def writer() -> None:
        with db.transaction() as s:
            queries.load_account(s, "T0001", lock=True)
            writing.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert writing.wait(10)
        page = usecases.license_page(db, team="T0001", now=NOW)
    finally:
        release.set()
        thread.join()
    assert page.active == 4
