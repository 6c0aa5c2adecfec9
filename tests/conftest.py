"""Shared fixtures. Every test runs on SQLite; set TEST_DATABASE_URL to run the suite on PostgreSQL.

SQLite: the schema is migrated once per session into a template file that each test copies.
PostgreSQL: the schema is migrated once into the given database and every table is emptied
before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from store import counters
from store.db import Database, make_engine, upgrade
from store.models import Base

PG_URL = os.environ.get("TEST_DATABASE_URL")
ON_POSTGRES = bool(PG_URL)

# The instant most tests pretend it is (a Thursday, 09:30 in Brussels).
NOW = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


def pytest_report_header() -> str:
    return f"licensebot database under test: {'PostgreSQL ' + str(PG_URL) if ON_POSTGRES else 'SQLite'}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: set TEST_DATABASE_URL to run")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _schema(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated template: a SQLite file path, or the PostgreSQL URL."""
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        engine.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("schema") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return str(path)


@pytest.fixture
def db_url(_schema: str, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty, migrated database of its own for this test."""
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            # TRUNCATE fires no row triggers, so the append-only audit log can be emptied here.
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield PG_URL
        _no_drift(PG_URL)
        return
    path = tmp_path / "licensebot.db"
    shutil.copyfile(_schema, path)
    yield f"sqlite:///{path}"
    _no_drift(f"sqlite:///{path}")


def _no_drift(url: str) -> None:
    """After every test, whatever it did to members and add-on assignments: the counters the database keeps
    (accounts.active_members, license_lines.holders) equal a recount (store/counters.py)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("accounts")}
            if "active_members" not in columns:
                return  # a migration test left the schema below 0013
            with Session(bind=conn) as s:
                found = counters.drift(s)
    finally:
        engine.dispose()
    assert found == [], f"counters drifted from their recount: {found}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database.connect(db_url, migrate=False)
    yield database
    database.dispose()
