"""Building scenarios and reading what the background handler did (helpers for the tests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from bot import usecases
from bot.cli.wiring import slack_notices
from bot.core.audit import Actor
from bot.core.statuses import ConsentStatus
from bot.testing.slack_standin import SlackStandIn
from bot.worker.loop import PassReport, run_once
from bot.worker.pacing import Pacer
from bot.worker.ports import Posted
from bot.worker.sender import Sender
from store import models, queries
from store.db import Database
from tests.conftest import NOW
from tests.factories import add_account, add_members

TEAM = "T0001"
ADMIN = Actor.slack("U0000")
CHANNEL = "C0ADMINS"
RENEWAL = date(2027, 1, 1)
NOTICES = slack_notices()
"""The worker's messages worded as in production (handlers/blocks/notices.py)."""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Reminders for the renewal of Fri 1 Jan 2027 at 09:00 Brussels (CET, UTC+1).
D14, D7, D3, D1, D0 = (
    utc(2026, 12, 18, 8),
    utc(2026, 12, 25, 8),
    utc(2026, 12, 29, 8),
    utc(2026, 12, 31, 8),
    utc(2027, 1, 1, 8),
)
RENEWAL_OVER = utc(2027, 1, 1, 23)


def standard_team(
    db: Database,
    team: str = TEAM,
    *,
    members: int = 9,
    admins: Sequence[int] = (0, 1),
    remove: int | None = 3,
    seats: int = 10,
    channel: str | None = CHANNEL,
) -> str:
    add_account(db, team, seats=seats, renews=RENEWAL, admin_channel=channel)
    add_members(db, team, members, admins=admins)
    if remove:
        usecases.submit_reduction(db, team=team, actor=ADMIN, seats=remove, now=NOW)
    return team


def grant_consent(db: Database, team: str, slack_user_id: str, now: datetime = NOW) -> None:
    """An admin's written consent that their admin rights may be removed (a granted admin_consents row)."""
    with db.transaction() as s:
        account = queries.load_account(s, team)
        member = queries.member_for_slack_user(s, account.id, slack_user_id)
        assert member is not None
        fields: dict[str, Any] = {
            "account_id": account.id,
            "member_id": member.id,
            "requested_by": "U0000",
            "requested_at": now,
            "status": ConsentStatus.GRANTED.value,
            "statement": "I agree that my admin rights may be removed.",
            "signature": member.name,
            "signed_by_user_id": slack_user_id,
            "signed_by_team_id": team,
            "granted_at": now,
        }
        if hasattr(models.AdminConsent, "effective_on"):  # the renewal the consent is for
            fields["effective_on"] = RENEWAL
        s.add(models.AdminConsent(**fields))


def deactivate(db: Database, team: str, *names: str, now: datetime = NOW) -> None:
    with db.transaction() as s:
        account = queries.load_account(s, team)
        ids = list(
            s.scalars(
                select(models.Member.id).where(models.Member.account_id == account.id, models.Member.name.in_(names))
            )
        )
    usecases.deactivate_members(db, team=team, actor=ADMIN, member_ids=ids, now=now)


def run(db: Database, sender: Sender | None, now: datetime, **kwargs: Any) -> PassReport:
    return run_once(db, sender, now, **{"notices": NOTICES, **kwargs})


def posts(standin: SlackStandIn) -> Counter[tuple[str, str]]:
    """(channel, text) of every message Slack accepted, with how often."""
    return Counter((str(c.params["channel"]), str(c.params["text"])) for c in standin.posts())


def post_keys(standin: SlackStandIn) -> list[str]:
    """The channel of each accepted post, in order."""
    return [str(c.params["channel"]) for c in standin.posts()]


def member_states(db: Database, team: str) -> dict[str, tuple[str, str | None]]:
    """name -> (status, deactivated_how)"""
    with db.transaction() as s:
        account = queries.load_account(s, team)
        rows = s.scalars(select(models.Member).where(models.Member.account_id == account.id))
        return {m.name: (m.status, m.deactivated_how) for m in rows}


def audit_actions(db: Database, team: str) -> list[tuple[str, dict[str, Any]]]:
    with db.transaction() as s:
        account = queries.load_account(s, team)
        rows = s.scalars(
            select(models.AuditEntry).where(models.AuditEntry.account_id == account.id).order_by(models.AuditEntry.id)
        )
        return [(e.action, dict(e.details)) for e in rows]


def deliveries(db: Database) -> list[tuple[str, str, str, int]]:
    """(key, target, status, attempts) of every outbox row, in order."""
    with db.transaction() as s:
        rows = s.scalars(select(models.Delivery).order_by(models.Delivery.id))
        return [(d.key, d.target, d.status, d.attempts) for d in rows]


def account_row(db: Database, team: str) -> models.Account:
    with db.transaction() as s:
        return queries.load_account(s, team)


class ClockPoster:
    """A poster on a fake clock: records (when, target, text) of each post, a call taking `call` seconds; `pacer`
    sleeps on the same clock (no real time passes)."""

    def __init__(self, call: float = 0.0) -> None:
        self.now = 0.0
        self.call = call
        self.posted: list[tuple[float, str, str]] = []

    def post(self, target: str, message: dict[str, Any]) -> Posted:
        self.posted.append((self.now, target, str(message["text"])))
        self.now += self.call
        return Posted(channel=target, ts=None)

    def pacer(self, interval: float = 1.0, *, burst: int = 1) -> Pacer:
        def sleep(seconds: float) -> None:
            self.now += seconds

        return Pacer(interval, burst=burst, clock=lambda: self.now, sleep=sleep)
