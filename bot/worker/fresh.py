"""A change's announcements sent by the request that stored them, right after its commit (`deliver_now`).

bot.worker.outbox.announce queued them held (the worker's passes leave them alone for a minute). Here:
one read of the rows (a prebuilt Core statement: no ORM objects, no statement building per request), the
posts, then one write transaction recording the outcomes. When every post went through (the usual case)
that record is one prebuilt UPDATE over the rows (executemany) guarded by `status = 'pending'`, plus the
DM channels learnt; otherwise the sender's own record (retries, backoff, failures audited) does it.

Exactly once: a row is marked sent only if it is still pending, in the transaction right after its post,
as the worker's passes do; a process that dies in between leaves the row to the worker after the hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.orm import Session

from bot import i18n
from bot.core.audit import announcement_account
from bot.core.statuses import DeliveryStatus
from bot.usecases.ports import Database as Transactions
from bot.worker.outcomes import DeliveryReport, Outcome, dm_channel_change
from bot.worker.ports import Posted
from store import models
from store.deliveries import store_dm_channels

_TABLES = models.Base.metadata.tables
_DELIVERIES, _MEMBERS, _ACCOUNTS, _PEOPLE = (
    _TABLES[models.Delivery.__tablename__],
    _TABLES[models.Member.__tablename__],
    _TABLES[models.Account.__tablename__],
    _TABLES[models.SlackPerson.__tablename__],
)
_D, _MEMBER, _ACCOUNT, _PERSON = _DELIVERIES.c, _MEMBERS.c, _ACCOUNTS.c, _PEOPLE.c

_QUEUED = (
    select(
        _D.id,
        _D.account_id,
        _D.target,
        _D.payload,
        _MEMBER.dm_channel,
        _PERSON.language,
        _PERSON.slack_locale,
        _ACCOUNT.language,
    )
    .select_from(_DELIVERIES)
    .outerjoin(_MEMBERS, and_(_MEMBER.account_id == _D.account_id, _MEMBER.slack_user_id == _D.target))
    .join(_ACCOUNTS, _ACCOUNT.id == _D.account_id)
    .outerjoin(_PEOPLE, and_(_PERSON.team_id == _ACCOUNT.slack_team_id, _PERSON.user_id == _D.target))
    .where(_D.key == bindparam("k"), _D.status == DeliveryStatus.PENDING.value)
    .order_by(_D.id)
)
"""The pending rows of one key with what the sender needs: the stored DM channel, the reader's language."""
_QUEUED_OF_ACCOUNT = _QUEUED.where(_D.account_id == bindparam("a"))
"""The same by the unique (account_id, key, target) index: the account id is in an announcement's key."""

_SENT = (
    update(_DELIVERIES)
    .where(_D.id == bindparam("row"), _D.status == DeliveryStatus.PENDING.value)
    .values(
        status=DeliveryStatus.SENT.value,
        attempts=_D.attempts + 1,
        sent_at=bindparam("at"),
        channel=bindparam("ch"),
        message_ts=bindparam("ts"),
        last_error=None,
    )
)


@dataclass(frozen=True)
class Queued:
    """One pending message of the key, as the sender posts it."""

    row_id: int
    account_id: int
    target: str
    payload: dict[str, Any]
    dm_channel: str | None
    language: str


def queued(db: Transactions, key: str) -> list[Queued]:
    """The pending messages queued under `key`, oldest first (one read, a prebuilt statement)."""
    with db.transaction(read_only=True) as s:
        return queued_in(s, key)


def queued_in(s: Session, key: str) -> list[Queued]:
    """`queued` in a transaction of the caller's: the one that queued them (bot/usecases/requests.py), which
    spares the read transaction after its commit. The rows are held (outbox.announce), so they are still
    pending when the request posts them, unless a replay raced it: then recording them sent does nothing."""
    account = announcement_account(key)
    query, params = (_QUEUED, {"k": key}) if account is None else (_QUEUED_OF_ACCOUNT, {"k": key, "a": account})
    rows = s.connection().execute(query, params).all()
    return [
        Queued(row_id, account_id, target, payload, dm, i18n.choose(choice, locale, lang))
        for row_id, account_id, target, payload, dm, choice, locale, lang in rows
    ]


def record_sent(
    db: Transactions, key: str, now: datetime, results: Sequence[tuple[Queued, object]], report: DeliveryReport
) -> bool:
    """When every post went through: mark the rows sent (those still pending) and store the DM channels
    learnt, in one transaction; True. False (nothing recorded) when some post did not: the sender's own
    record then handles retries and failures."""
    posted = [(q, r) for q, r in results if isinstance(r, Posted)]
    if len(posted) < len(results):
        return False
    if not posted:
        return True
    changes = [c for q, r in posted if (c := dm_channel_change(q.account_id, q.target, r, q.dm_channel)) is not None]
    with db.transaction() as s:
        s.connection().execute(_SENT, [{"row": q.row_id, "at": now, "ch": r.channel, "ts": r.ts} for q, r in posted])
        store_dm_channels(s, changes)
    for q, _r in posted:
        report.add(Outcome(q.row_id, q.account_id, key, q.target))
    return True
