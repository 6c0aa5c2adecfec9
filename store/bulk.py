"""Many rows through one prebuilt INSERT ... RETURNING, without rendering them all into one statement's text.

SQLAlchemy runs an executemany with RETURNING as "insertmanyvalues": the rows rendered into pages of one
`VALUES (...), (...)` statement each, whose text psycopg parses again for every page (it caches only short
statements): most of the tick's outbox insert on PostgreSQL was that parsing (bench/README.md, "The tick under
1 ms"). On PostgreSQL `BulkInsert` hands the rows to psycopg's own `executemany(..., returning=True)` on the
session's connection instead: the one-row statement compiled once by SQLAlchemy (its casts and the columns'
bind processors: UTCDateTime; JSON serialized by json.dumps, as SQLAlchemy does, once per
value the rows share), sent in pipeline mode, prepared by psycopg after its first uses. Errors
are SQLAlchemy's DBAPIError, as from `Session.execute` (store.db translates them). Elsewhere (SQLite) it is
the plain `Connection.execute` of the statement over the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

Processors = list[tuple[str, Callable[[Any], Any] | None]]


class BulkInsert:
    """`stmt`: an INSERT (ON CONFLICT ... and RETURNING of columns that need no result processing) of one
    table; `run` takes rows of the same keys."""

    def __init__(self, stmt: Insert) -> None:
        self.stmt = stmt
        self._compiled: dict[tuple[str, tuple[str, ...]], tuple[str, Processors, tuple[str, ...]]] = {}

    def run(self, s: Session, rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows RETURNING lists (for ON CONFLICT DO NOTHING: those added), in no promised order."""
        if not rows:
            return []
        conn = s.connection()
        if conn.dialect.name != "postgresql":
            return [tuple(r) for r in conn.execute(self.stmt, list(rows)).all()]
        sql, processors, json_keys = self._compile(conn.dialect, tuple(rows[0]))
        try:  # a value a processor refuses (a naive datetime) raises as SQLAlchemy raises it
            params = [{k: (p(row[k]) if p is not None else row[k]) for k, p in processors} for row in rows]
        except Exception as exc:
            raise StatementError(f"({type(exc).__name__}) {exc}", sql, None, exc) from exc
        if json_keys:  # a JSON value several rows share (an account's notices) is serialized once, as json.dumps
            texts: dict[int, str] = {}
            for row, param in zip(rows, params, strict=True):
                for k in json_keys:
                    value = row[k]
                    text = texts.get(id(value))
                    if text is None:
                        text = texts[id(value)] = json.dumps(value)
                    param[k] = text
        driver: Any = conn.connection.driver_connection
        dbapi: Any = conn.dialect.loaded_dbapi
        out: list[tuple[Any, ...]] = []
        try:
            with driver.cursor() as cursor:
                cursor.executemany(sql, params, returning=True)
                while True:
                    out.extend(cursor.fetchall())
                    if not cursor.nextset():
                        break
        except dbapi.Error as exc:  # as SQLAlchemy raises it: store.db's errors_translated knows it
            raise DBAPIError.instance(sql, None, exc, dbapi.Error, dialect=conn.dialect) from exc
        return out

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> tuple[str, Processors, tuple[str, ...]]:
        found = self._compiled.get((dialect.name, keys))
        if found is None:
            compiled = self.stmt.compile(dialect=dialect, column_keys=list(keys))
            columns = self.stmt.table.c
            json_keys = tuple(k for k in keys if isinstance(columns[k].type, JSON))  # sent as text, cast ::JSON
            processors: Processors = []
            for k in keys:
                plain = k in json_keys
                processors.append((k, None if plain else columns[k].type.dialect_impl(dialect).bind_processor(dialect)))
            found = self._compiled[(dialect.name, keys)] = (compiled.string, processors, json_keys)
        return found
