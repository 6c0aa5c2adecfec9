"""`licensebot secrets rotate`: every encrypted column (SecretText) re-encrypted under the first key of
LICENSEBOT_SECRET_KEY; plain rows from before encryption are encrypted. One transaction."""

from __future__ import annotations

from sqlalchemy import Column, Table, Text, select, type_coerce, update

from store import models
from store.db import Database
from store.secrets import SecretKeyError, SecretText, has_key, reencrypted


def secret_columns() -> dict[Table, list[Column[str]]]:
    found: dict[Table, list[Column[str]]] = {}
    for table in models.Base.metadata.sorted_tables:
        cols = [c for c in table.columns if isinstance(c.type, SecretText)]
        if cols:
            found[table] = cols
    return found


def rotate(db: Database) -> dict[str, int]:
    """Re-encrypt; returns the number of values rewritten per table."""
    if not has_key():
        raise SecretKeyError("LICENSEBOT_SECRET_KEY is not set: nothing to encrypt with")
    changed: dict[str, int] = {}
    with db.transaction() as s:
        for table, cols in secret_columns().items():
            raw = [type_coerce(c, Text).label(c.name) for c in cols]
            count = 0
            for row in s.execute(select(table.c.id, *raw)).all():
                values = {}
                for c in cols:
                    stored = getattr(row, c.name)
                    new = reencrypted(stored) if stored is not None else None
                    if new is not None:
                        values[c.name] = new
                if values:
                    s.execute(update(table).where(table.c.id == row.id).values(**values))
                    count += len(values)
            changed[table.name] = count
    return changed
