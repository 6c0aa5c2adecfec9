"""Engine, sessions and migrations. `DATABASE_URL` selects the database (SQLite file by default)."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.errors import Busy, Unavailable, UserError
from store.migration_lock import migration_lock

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///licensebot.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT = 10
"""Seconds a new PostgreSQL connection may take (libpq's connect_timeout)."""
MIGRATIONS = Path(__file__).parent / "migrations"
QUERY_CACHE_SIZE = 1200
"""SQLAlchemy's compiled-statement cache per engine (its default 500 is enough; room for every query shape)."""
READ_ONLY = "licensebot_read_only"
"""Execution option of `Database.transaction(read_only=True)` (see there)."""
LOCK_TIMEOUT = "licensebot_lock_timeout_ms"
"""Execution option of a `Database.for_requests()`: how long a statement may wait for a lock (see there)."""
REQUEST_LOCK_TIMEOUT = 2.0
"""Seconds a request from Slack waits for a lock or a statement before it is answered "busy": the answer
(a modal submission acks with its errors) must reach Slack within its 3 s."""


POOL_SIZE_ENV = "DATABASE_POOL_SIZE"
MAX_OVERFLOW_ENV = "DATABASE_MAX_OVERFLOW"
DEFAULT_POOL_SIZE = 10
"""Connections a process keeps open (PostgreSQL). A `licensebot serve` process runs at most 8 after-ack
threads (handlers/followup.AFTER_ACK_THREADS) and its embedded worker's pass (1-2) at once; the acks that
write (submissions) hold one only for their short transaction. One GIL: more transactions at once than
that only wait for the CPU. docs/operations.md "Scaling" has the arithmetic against max_connections."""
DEFAULT_MAX_OVERFLOW = 5
"""Connections opened beyond the pool in a burst, closed when returned: at most 15 per process."""
MAX_POOL = 1000


@dataclass(frozen=True)
class PoolSettings:
    size: int = DEFAULT_POOL_SIZE
    max_overflow: int = DEFAULT_MAX_OVERFLOW

    @property
    def most(self) -> int:
        """The most connections one process opens."""
        return self.size + self.max_overflow


def pool_settings(env: Mapping[str, str] | None = None) -> PoolSettings:
    """DATABASE_POOL_SIZE (1-1000) and DATABASE_MAX_OVERFLOW (0-1000) from the environment; the defaults when
    unset or empty. UserError (one line, naming the variable) for anything else."""
    env = os.environ if env is None else env

    def whole(name: str, default: int, least: int) -> int:
        raw = (env.get(name) or "").strip()
        if not raw:
            return default
        if not (raw.isascii() and raw.isdigit()) or not least <= int(raw) <= MAX_POOL:
            raise UserError(f"{name} must be a whole number from {least} to {MAX_POOL}, not {raw[:40]!r}")
        return int(raw)

    return PoolSettings(
        size=whole(POOL_SIZE_ENV, DEFAULT_POOL_SIZE, 1), max_overflow=whole(MAX_OVERFLOW_ENV, DEFAULT_MAX_OVERFLOW, 0)
    )


class StoreError(Exception):
    """The database refused a statement for another reason than a lost connection (the message says why)."""


class Clash(StoreError):
    """A unique, foreign-key or check constraint refused the change: nothing of the transaction was written."""


def lost(exc: BaseException) -> bool:
    """The database could not be used: down, unreachable, or the connection was lost (nothing was committed)."""
    if isinstance(exc, OperationalError | InterfaceError):
        return "readonly database" not in str(exc)  # SQLite: a write in a read-only transaction is a bug
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _first_line(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc)
    return text_.splitlines()[0] if text_ else type(exc).__name__


def timed_out(exc: BaseException) -> bool:
    """A lock or statement timeout: SQLite's busy timeout, PostgreSQL's lock_timeout / statement_timeout."""
    orig = getattr(exc, "orig", None)
    return type(orig).__name__ in ("LockNotAvailable", "QueryCanceled") or "database is locked" in str(orig)


def translated(exc: SQLAlchemyError) -> Exception:
    """SQLAlchemy's error as the store's own: Busy or Unavailable (try again), Clash (a constraint), StoreError."""
    if timed_out(exc):
        return Busy(_first_line(exc))
    if lost(exc):
        return Unavailable(_first_line(exc))
    if isinstance(exc, IntegrityError):
        return Clash(_first_line(exc))
    return StoreError(_first_line(exc))


@contextmanager
def reads_that_may_fail(s: Session) -> Iterator[None]:
    """Reads within a write transaction whose failure must not undo its writes (the caller catches it and
    reads again later): in a savepoint on PostgreSQL, which aborts the whole transaction on a failed
    statement; as they are on SQLite, where a failed statement leaves the transaction as it was (a savepoint
    there cost a sixth of a millisecond per submission, bench/README.md). Only reads: on SQLite a write
    made in here before a failure would stay."""
    if s.get_bind().dialect.name == "sqlite":
        yield
        return
    with s.begin_nested():
        yield


@contextmanager
def errors_translated() -> Iterator[None]:
    """Raise the store's errors (above) for SQLAlchemy's: nothing outside store/ handles SQLAlchemy's own."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise translated(exc) from exc


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgres URLs (postgres://, postgresql://)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class _HideRows(logging.Filter):
    """SQLAlchemy logs result rows at DEBUG, values and all (hide_parameters covers only parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Row %r":
            record.msg, record.args = "Row (values hidden)", ()
        return True


logging.getLogger("sqlalchemy.engine.Engine").addFilter(_HideRows())


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine that never logs stored values (Teamleader tokens, emails): statement parameters are
    hidden from SQLAlchemy's logs and error messages, result rows from its DEBUG log.

    PostgreSQL: the pool holds DATABASE_POOL_SIZE connections and opens up to DATABASE_MAX_OVERFLOW more
    (`pool_settings`) unless the caller passes pool_size / max_overflow (the worker sizes its own)."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("query_cache_size", QUERY_CACHE_SIZE)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite's own transaction handling is off so that BEGIN is ours (see _sqlite_begin).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "checkin")
        def _sqlite_writable(dbapi_conn: Any, record: Any) -> None:
            # A connection goes back to the pool writable, whatever its last transaction was.
            if record.info.get("query_only") is not False:
                dbapi_conn.execute("PRAGMA query_only=OFF")
                record.info["query_only"] = False

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # The PRAGMAs straight on the driver's connection (no SQLAlchemy execution around them); its
            # record remembers the busy timeout and query_only, so a PRAGMA runs only when one changes.
            options = conn.get_execution_options()
            state, raw = conn.connection.info, conn.connection.dbapi_connection
            timeout = int(options.get(LOCK_TIMEOUT) or SQLITE_BUSY_TIMEOUT_MS)
            if state.get("busy_timeout") != timeout:
                raw.execute(f"PRAGMA busy_timeout={timeout}")
                state["busy_timeout"] = timeout
            read_only = bool(options.get(READ_ONLY))
            if state.get("query_only") is not read_only:
                # WAL: readers never wait for the writer; query_only makes a stray write fail at once.
                raw.execute(f"PRAGMA query_only={'ON' if read_only else 'OFF'}")
                state["query_only"] = read_only
            # A writer takes the write lock up front: no deadlock between two read-then-write transactions.
            # (Through SQLAlchemy: "database is locked" must become its OperationalError, then Busy.)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if make_url(url).get_backend_name() == "postgresql":
        # A server that does not answer fails a new connection after this long instead of hanging.
        kwargs["connect_args"] = {"connect_timeout": PG_CONNECT_TIMEOUT, **kwargs.get("connect_args", {})}
        if "pool_size" not in kwargs or "max_overflow" not in kwargs:
            pool = pool_settings()
            kwargs.setdefault("pool_size", pool.size)
            kwargs.setdefault("max_overflow", pool.max_overflow)
    engine = create_engine(url, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "begin")
    def _postgresql_timeouts(conn: Any) -> None:
        timeout = conn.get_execution_options().get(LOCK_TIMEOUT)
        if timeout:  # both in one round trip (no parameters: psycopg sends the two statements as one query)
            conn.exec_driver_sql(
                f"SET LOCAL lock_timeout = {int(timeout)}; SET LOCAL statement_timeout = {int(timeout)}"
            )

    return engine


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


class SchemaOutdated(Unavailable):
    """The database's schema is not the one this licensebot needs, and it was told not to migrate."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`, one process at a time (`migration_lock`): a process that waited
    for another finds the work done and applies nothing."""
    from alembic import command

    with errors_translated(), migration_lock(engine):
        before = current_revision(engine)
        command.upgrade(alembic_config(engine), revision)
        after = current_revision(engine)
    if before != after:
        log.info("database schema upgraded from %s to %s", before or "nothing", after)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with errors_translated(), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def _known_revisions(engine: Engine) -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config(engine)).walk_revisions()}


def _newer(current: str, head: str | None) -> SchemaOutdated:
    return SchemaOutdated(
        f"its schema ({current}) is newer than this licensebot knows (head {head}): run the newer version"
    )


def ensure_schema(engine: Engine) -> None:
    """Upgrade a fresh or outdated database; cheap when it is already at head. SchemaOutdated when the
    schema is newer than this code (an older licensebot started after an upgrade)."""
    current, head = current_revision(engine), head_revision(engine)
    if current == head:
        return
    if current is not None and current not in _known_revisions(engine):
        raise _newer(current, head)
    upgrade(engine)


def check_schema(engine: Engine) -> None:
    """Raise SchemaOutdated (one line that says what to do) unless the schema is at this licensebot's head."""
    current, head = current_revision(engine), head_revision(engine)
    if current == head:
        return
    if current is None:
        raise SchemaOutdated("it has no schema yet: run `licensebot db upgrade` first")
    if current not in _known_revisions(engine):
        raise _newer(current, head)
    raise SchemaOutdated(f"its schema is at {current}, this licensebot needs {head}: run `licensebot db upgrade` first")


class Database:
    """An engine and its session factory. `transaction()` is the unit of work."""

    def __init__(
        self, engine: Engine, *, lock_timeout: float | None = None, _writer: threading.RLock | None = None
    ) -> None:
        self.engine = engine
        self.lock_timeout = lock_timeout
        """Seconds a transaction may wait for a lock or a statement (None: the database's defaults)."""
        bound = engine if lock_timeout is None else engine.execution_options(**{LOCK_TIMEOUT: int(lock_timeout * 1000)})
        self.sessions = sessionmaker(bound, expire_on_commit=False)
        reader = bound.execution_options(**{READ_ONLY: True})
        if engine.dialect.name == "postgresql":
            reader = reader.execution_options(postgresql_readonly=True)
        self.readers = sessionmaker(reader, expire_on_commit=False)
        self._reader = reader
        self._writer = _writer or (threading.RLock() if engine.dialect.name == "sqlite" else None)
        """SQLite has one writer: this process's writers queue here, woken at once, rather than in SQLite's
        busy handler, which polls with growing sleeps (up to 100 ms) and let some wait past its timeout."""

    def for_requests(self, timeout: float = REQUEST_LOCK_TIMEOUT) -> Database:
        """The same database for requests from Slack: a transaction waits at most `timeout` s for a lock or a
        statement, then fails with Busy (rolled back: nothing saved), so that the answer comes in time."""
        return Database(self.engine, lock_timeout=timeout, _writer=self._writer)

    @classmethod
    def connect(cls, url: str | None = None, *, migrate: bool = True, check: bool = False) -> Database:
        """`migrate`: upgrade the schema to head first (one process at a time); else `check`: raise
        SchemaOutdated unless it is at head (for deployments that migrate as a release step)."""
        engine = make_engine(url or database_url())
        with errors_translated():
            if migrate:
                ensure_schema(engine)
            elif check:
                check_schema(engine)
        return cls(engine)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception.

        `read_only=True` for a transaction that writes nothing: on SQLite it does not take the write
        lock (BEGIN IMMEDIATE serializes every transaction, so reads queued behind writes and failed
        with "database is locked" under load); on PostgreSQL it is a READ ONLY transaction. A write
        in it raises.
        """
        if read_only or self._writer is None:
            with errors_translated(), (self.readers if read_only else self.sessions)() as session, session.begin():
                yield session
            return
        if self.lock_timeout is not None:
            if not self._writer.acquire(timeout=self.lock_timeout):
                raise Busy("another change of this process holds the write lock")
            queued = True
        else:
            queued = self._writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)  # then SQLite's own wait applies
        try:
            with errors_translated(), self.sessions() as session, session.begin():
                yield session
        finally:
            if queued:
                self._writer.release()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only transaction as `transaction(read_only=True)`, on a Connection without an ORM session
        (the license page's prebuilt reads, store/page_reads.py: building and closing a Session cost a status
        a fifth of its reads)."""
        with errors_translated(), self._reader.connect() as conn, conn.begin():
            yield conn

    def reachable(self, timeout: float | None = None) -> bool:
        """Whether the database answers a read (a read-only transaction: it never waits for SQLite's writer).

        `timeout` (seconds) bounds the statement on PostgreSQL (statement_timeout); a server that does not
        answer at all is bounded by the caller (handlers/health.py runs this on a thread)."""
        try:
            with self.transaction(read_only=True) as s:
                if timeout is not None and self.engine.dialect.name == "postgresql":
                    s.execute(text(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}"))
                s.execute(text("SELECT 1"))
        except (Unavailable, StoreError):
            return False
        return True

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    def dispose(self) -> None:
        self.engine.dispose()
