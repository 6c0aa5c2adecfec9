"""What the use cases need of a database: a unit of work (store/db.py's Database is the one we have).

The adapters (handlers/, the CLI) hold a Database only to hand it to the use cases; they never reach
the tables themselves (an import-linter contract keeps handlers away from store/).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from bot.core.page import AccountTerms

R = TypeVar("R")
Announce = Callable[[R, AccountTerms], Sequence[tuple[str, dict[str, Any]]]]
"""How the adapter words the messages announcing a change (the change's result, the account's terms) ->
(target: a channel id, or a user id for a DM, message). The use case queues them in the outbox in the
change's own transaction: a crash right after the commit loses none."""


class Database(Protocol):
    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[Session]:
        """One transaction: committed on success, rolled back on any exception (read-only: writes fail)."""
        ...

    def reading(self) -> AbstractContextManager[Connection]:
        """One read-only transaction on a Connection, without an ORM session (the hottest reads)."""
        ...

    def reachable(self, timeout: float | None = None) -> bool:
        """Whether the database answers a read now (within `timeout` seconds where the database can bound it)."""
        ...
