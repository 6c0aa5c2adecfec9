"""One process migrates at a time: `store.db.upgrade` runs Alembic inside `migration_lock`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

MIGRATION_LOCK = 0x6C6963656E7365  # "license": the PostgreSQL advisory lock key of migrations
"""One process migrates at a time: `upgrade` holds this session-level advisory lock (PostgreSQL) or an
exclusive lock on `<database file>.migrate.lock` (SQLite) around Alembic's upgrade. The others wait for
it, then find the schema at head and go on (a dead holder's lock goes with its session or process)."""


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the migration lock (see MIGRATION_LOCK) while the block runs; waits while another process holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()  # the lock belongs to the session, not to this transaction
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # an in-memory database belongs to this process alone
        return
    import fcntl

    path = Path(database).with_name(Path(database).name + ".migrate.lock")
    try:
        handle = open(path, "a+b")  # noqa: SIM115 (held until the block ends)
    except OSError:
        yield  # a read-only directory: the migration itself will say why it cannot write
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed (or the process ends)
        yield
