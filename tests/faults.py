"""Database faults for tests: the database gone (no new connection), or one statement failing.

Both raise the driver's own OperationalError, which SQLAlchemy wraps as it would a real outage
(sqlalchemy.exc.OperationalError), on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text

from store.db import Database


def _driver_error(db: Database, message: str) -> Exception:
    error_class: type[Exception] = db.engine.dialect.loaded_dbapi.OperationalError
    return error_class(message)


@contextmanager
def database_down(db: Database) -> Iterator[None]:
    """Every pooled connection is dropped and no new one can be made until the block ends."""

    def refuse(*_args: Any) -> None:
        raise _driver_error(db, "connection refused (the test took the database away)")

    if db.engine.dialect.name == "postgresql":
        terminate_other_backends(db)  # as a server restart would (other processes' sessions too)
    db.engine.dispose()
    event.listen(db.engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(db.engine, "do_connect", refuse)


@contextmanager
def statement_fails(db: Database, contains: str, *, times: int = 1) -> Iterator[list[str]]:
    """The first `times` statements whose SQL contains `contains` fail as if the connection was lost.

    Yields the list of statements that were failed."""
    failed: list[str] = []

    def maybe_fail(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if contains in statement and len(failed) < times:
            failed.append(statement)
            raise _driver_error(db, "server closed the connection unexpectedly (the test cut it)")

    event.listen(db.engine, "before_cursor_execute", maybe_fail)
    try:
        yield failed
    finally:
        event.remove(db.engine, "before_cursor_execute", maybe_fail)


def terminate_other_backends(db: Database) -> int:
    """PostgreSQL: end every other session on this database (what a failover or restart does)."""
    with db.engine.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        conn.commit()
    return int(ended)
