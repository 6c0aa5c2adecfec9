"""What an operator watches (docs/operations.md): the outbox counts behind `/metrics`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from bot.usecases.ports import Database
from store import models

MAX_GROUPS = 200
"""(status, kind) pairs read at most: a handful exist (3 statuses x the message kinds)."""
COUNT_TIMEOUT_MS = 2000
"""PostgreSQL: the count is cancelled after this long (a scrape must not hold a connection for long)."""


@dataclass(frozen=True)
class OutboxCount:
    status: str
    kind: str
    messages: int


def outbox_counts(db: Database) -> list[OutboxCount]:
    """Messages of the outbox by status (pending, sent, failed) and kind, over every account: one
    grouped read, bounded in rows (MAX_GROUPS) and on PostgreSQL in time (COUNT_TIMEOUT_MS)."""
    delivery = models.Delivery
    with db.transaction(read_only=True) as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text(f"SET LOCAL statement_timeout = {COUNT_TIMEOUT_MS}"))
        rows = s.execute(
            select(delivery.status, delivery.kind, func.count())
            .group_by(delivery.status, delivery.kind)
            .order_by(delivery.status, delivery.kind)
            .limit(MAX_GROUPS)
        ).all()
    return [OutboxCount(status=status, kind=kind, messages=int(n)) for status, kind, n in rows]
