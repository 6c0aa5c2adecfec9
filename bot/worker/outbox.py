"""The outbox (table `deliveries`): messages are queued in the transaction that decides them.

UNIQUE(account_id, key, target) makes queueing idempotent: deciding an occasion again (a re-run,
a second worker, a retry after a crash) inserts nothing. bot/worker/sender.py delivers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.core.audit import MessageKind, announcement_key
from bot.core.schedule import ReminderDue
from bot.core.statuses import DeliveryStatus, MemberStatus
from store import models
from store.bulk import BulkInsert
from store.db import Database
from store.queries import load_account


def recipients(s: Session, account: models.Account) -> list[str]:
    """The admin channel (if set) and every active admin with a Slack user id (a DM each)."""
    admins = s.scalars(
        select(models.Member.slack_user_id)
        .where(
            models.Member.account_id == account.id,
            models.Member.is_admin.is_(True),
            models.Member.status == MemberStatus.ACTIVE.value,
            models.Member.slack_user_id.is_not(None),
        )
        .order_by(models.Member.slack_user_id)
    ).all()
    channel = [account.admin_channel] if account.admin_channel else []
    return channel + [a for a in admins if a]


def pending_row(
    account_id: int, key: str, target: str, kind: MessageKind, message: dict[str, Any], *, due: datetime, now: datetime
) -> dict[str, Any]:
    """An outbox row to insert: pending, no attempt yet, first sent at `due`."""
    return {
        "account_id": account_id,
        "key": key,
        "target": target,
        "kind": kind.value,
        "payload": message,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": due,
        "created_at": now,
    }


def queue(
    s: Session,
    *,
    account_id: int,
    key: str,
    kind: MessageKind,
    targets: Sequence[str],
    message: dict[str, Any],
    now: datetime,
) -> int:
    """Queue `message` for each target unless it is queued already; returns how many rows were added."""
    return len(queued_ids(s, account_id=account_id, key=key, kind=kind, targets=targets, message=message, now=now))


def queued_ids(
    s: Session,
    *,
    account_id: int,
    key: str,
    kind: MessageKind,
    targets: Sequence[str],
    message: dict[str, Any],
    now: datetime,
) -> list[int]:
    """`queue`, returning the ids of the rows added."""
    if not targets:
        return []
    rows = [pending_row(account_id, key, target, kind, message, due=now, now=now) for target in dict.fromkeys(targets)]
    dialect = s.get_bind().dialect.name
    insert = postgresql.insert(models.Delivery) if dialect == "postgresql" else sqlite.insert(models.Delivery)
    stmt = insert.on_conflict_do_nothing(index_elements=["account_id", "key", "target"]).returning(models.Delivery.id)
    # One cached statement run over the rows (insertmanyvalues): RETURNING lists only the rows added.
    return [row_id for (row_id,) in s.execute(stmt, rows).all()]


@dataclass(frozen=True)
class Planned:
    """One outbox row a batch of the tick decided (bot/worker/tick_batch.py)."""

    account_id: int
    key: str
    target: str
    kind: MessageKind
    message: dict[str, Any]
    counted: bool = True
    """Reported even when queued before (the channel's reminder, a note); a DM queued before is no news."""
    note: ReminderDue | None = None


def insert_planned(s: Session, planned: Sequence[Planned], now: datetime) -> set[tuple[int, str, str]]:
    """Queue the rows of a whole batch in one executemany INSERT (unless queued already); returns the
    (account id, key, target) of the rows added. On PostgreSQL psycopg's own executemany of the one-row
    statement (store/bulk.py: no statement text of a thousand rows to render and parse)."""
    rows = {
        (p.account_id, p.key, p.target): pending_row(p.account_id, p.key, p.target, p.kind, p.message, due=now, now=now)
        for p in planned
    }
    return {(a, k, t) for a, k, t in _PLANNED_INSERT[s.get_bind().dialect.name].run(s, list(rows.values()))}


Announcements = Sequence[tuple[str, dict[str, Any]]]
"""The messages announcing a change: (target: a channel id or a user id for a DM, message)."""


ANNOUNCEMENT_HOLD = timedelta(minutes=1)
"""How long the worker leaves a change's announcements to the request that queued them (it sends them right
after its commit); after that, the worker sends what is still waiting (the process died, Slack failed)."""


def announce(
    s: Session, *, account_id: int, kind: MessageKind, ref: object, messages: Announcements, now: datetime
) -> str:
    """Queue the messages announcing a change in the change's own transaction: a crash right after the
    commit loses none. Returns their outbox key (bot.worker.sender.Sender.deliver_now sends them).

    One INSERT (a prebuilt statement, all rows at once) with the hold already set: the worker's passes leave
    them to the request for ANNOUNCEMENT_HOLD. Only when a row of the key was queued before (a replay: the
    insert added fewer rows than targets) are the key's pending rows held again, as the request sends them."""
    key = announcement_key(kind, account_id, ref)
    hold = now + ANNOUNCEMENT_HOLD
    rows: dict[str, dict[str, Any]] = {}
    for target, message in messages:  # a target's first message wins, as queued one by one
        rows.setdefault(target, pending_row(account_id, key, target, kind, message, due=hold, now=now))
    if not rows:
        return key
    conn = s.connection()
    added = conn.execute(_held_insert(conn.dialect.name), list(rows.values())).all()
    if len(added) < len(rows):
        conn.execute(_HOLD_AGAIN, {"k": key, "hold": hold})
    return key


_DELIVERIES = models.Base.metadata.tables["deliveries"]
_PLANNED_INSERT = {
    name: BulkInsert(
        insert(_DELIVERIES)
        .on_conflict_do_nothing(index_elements=["account_id", "key", "target"])
        .returning(_DELIVERIES.c.account_id, _DELIVERIES.c.key, _DELIVERIES.c.target)
    )
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
_INSERTS: dict[str, Any] = {}
_HOLD_AGAIN = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.key == bindparam("k"), _DELIVERIES.c.status == DeliveryStatus.PENDING.value)
    .values(next_attempt_at=bindparam("hold"))
)


def _held_insert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id for `dialect`, built once."""
    stmt = _INSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = _INSERTS[dialect] = (
            insert(_DELIVERIES)
            .on_conflict_do_nothing(index_elements=["account_id", "key", "target"])
            .returning(_DELIVERIES.c.id)
        )
    return stmt


@dataclass(frozen=True)
class FailedDelivery:
    key: str
    target: str
    attempts: int
    error: str | None
    created_at: datetime


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    failed: tuple[FailedDelivery, ...]
    """The most recent failures (newest first)."""
    failed_total: int


def outbox_status(db: Database, *, team: str, limit: int = 5) -> OutboxStatus:
    """Messages of an account still waiting to be delivered, and those that failed for good."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        counts = dict(
            s.execute(
                select(models.Delivery.status, func.count())
                .where(models.Delivery.account_id == account.id)
                .group_by(models.Delivery.status)
            ).all()
        )
        failed = s.scalars(
            select(models.Delivery)
            .where(models.Delivery.account_id == account.id, models.Delivery.status == DeliveryStatus.FAILED.value)
            .order_by(models.Delivery.created_at.desc(), models.Delivery.id.desc())
            .limit(limit)
        ).all()
        return OutboxStatus(
            pending=int(counts.get(DeliveryStatus.PENDING.value, 0)),
            failed=tuple(
                FailedDelivery(
                    key=d.key, target=d.target, attempts=d.attempts, error=d.last_error, created_at=d.created_at
                )
                for d in failed
            ),
            failed_total=int(counts.get(DeliveryStatus.FAILED.value, 0)),
        )
