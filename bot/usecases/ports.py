"""What the use cases need of a database: a unit of work (store/db.py's Database is the one we have).

The adapters (handlers/, the CLI) hold a Database only to hand it to the use cases; they never reach
the tables themselves (an import-linter contract keeps handlers away from store/).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from sqlalchemy.orm import Session


class Database(Protocol):
    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[Session]:
        """One transaction: committed on success, rolled back on any exception (read-only: writes fail)."""
        ...

    def reachable(self) -> bool:
        """Whether the database answers a read now."""
        ...
