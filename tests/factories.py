"""Build accounts and members through the real use cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from bot import usecases
from bot.core.members_csv import MemberRow
from bot.usecases import AccountChanges
from store.db import Database
from tests.conftest import NOW


def add_account(
    db: Database,
    team: str = "T0001",
    *,
    seats: int = 10,
    renews: date = date(2027, 1, 1),
    plan: str = "quarterly",
    timezone: str = "Europe/Brussels",
    price: str | None = "30.00",
    admin_channel: str | None = "C0ADMINS",
    now: datetime = NOW,
) -> str:
    usecases.add_account(
        db,
        team=team,
        now=now,
        changes=AccountChanges(
            name=f"Account {team}",
            plan=plan,
            seats=seats,
            renews=renews,
            timezone=timezone,
            price_per_seat=price,
            currency="EUR" if price else None,
            admin_channel=admin_channel,
        ),
    )
    return team


def member_rows(
    count: int,
    *,
    admins: Sequence[int] = (0,),
    start: datetime | None = None,
    apart: Callable[[int], timedelta] = lambda i: timedelta(days=i),
) -> list[MemberRow]:
    """`count` members, member i added `apart(i)` after `start` (a day apart by default); indexes in
    `admins` are admins.

    Member i is `user{i}@example.com`, named `User {i}`, with Slack id `U{i:04d}`.
    """
    start = start or datetime(2024, 1, 1, tzinfo=UTC)
    return [
        MemberRow(
            line=i + 2,
            email=f"user{i}@example.com",
            name=f"User {i}",
            slack_user_id=f"U{i:04d}",
            admin=i in admins,
            added_at=start + apart(i),
        )
        for i in range(count)
    ]


def add_members(db: Database, team: str, count: int, *, admins: Sequence[int] = (0,)) -> None:
    usecases.import_members(db, team=team, rows=member_rows(count, admins=admins), now=NOW)
