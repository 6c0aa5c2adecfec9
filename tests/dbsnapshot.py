"""Every row of every table, to check that a refused or failed action changed nothing at all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from store.db import Database
from store.models import Base

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(db: Database) -> Snapshot:
    """table name -> its rows (every column), in primary-key order."""
    found: Snapshot = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            found[table.name] = [tuple(row) for row in rows]
    return found


def changes(before: Snapshot, after: Snapshot) -> dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """table -> (rows gone, rows new or changed); empty when nothing changed (a readable assertion)."""
    diff = {}
    for name in before.keys() | after.keys():
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            diff[name] = ([r for r in old if r not in new], [r for r in new if r not in old])
    return diff
