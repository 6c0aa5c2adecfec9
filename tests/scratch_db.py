"""Empty databases for the migration tests: a SQLite file, or a new PostgreSQL database next to
TEST_DATABASE_URL's (dropped afterwards)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL


@contextmanager
def new_pg_database(suffix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to TEST_DATABASE_URL's (dropped afterwards)."""
    assert PG_URL
    base = make_url(PG_URL)
    name = f"{base.database}_{suffix}_{os.getpid()}"[:63]
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_database(tmp_path: Path, suffix: str) -> Iterator[str]:
    """An empty database on the suite's kind: a SQLite file, or (with TEST_DATABASE_URL) a new PostgreSQL one."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with new_pg_database(suffix) as url:
        yield url
