"""Consents built through the real use cases, and readers of the rows (to check that nothing changed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.core.audit import Actor
from bot.core.consent import Consent, SlackIdentity
from bot.usecases import consent, consent_answers
from store import models
from store.db import Database
from tests.conftest import NOW

TEAM = "T0001"


def who(i: int, team: str = TEAM) -> SlackIdentity:
    """The Slack identity of factory member i (`U{i:04d}`) in `team`."""
    return SlackIdentity(user_id=f"U{i:04d}", team_id=team)


def member_id(db: Database, i: int, team: str = TEAM) -> int:
    with db.transaction() as s:
        found = s.scalar(
            select(models.Member.id)
            .join(models.Account, models.Account.id == models.Member.account_id)
            .where(models.Account.slack_team_id == team, models.Member.email == f"user{i}@example.com")
        )
    assert found is not None
    return found


def ask(db: Database, requester: int, target: int, *, team: str = TEAM, now: datetime = NOW) -> Consent:
    return consent.request_consent(
        db, team=team, actor=Actor.slack(f"U{requester:04d}"), user_id=f"U{target:04d}", now=now
    )


def granted(db: Database, requester: int, target: int, *, team: str = TEAM, now: datetime = NOW) -> Consent:
    asked = ask(db, requester, target, team=team, now=now)
    return consent_answers.grant(
        db, consent_id=asked.id, who=who(target, team), agreed=True, signature=f"User {target}", now=now
    )


def consent_rows(db: Database) -> list[dict[str, Any]]:
    """Every column of every consent row, in id order."""
    with db.transaction() as s:
        rows = s.scalars(select(models.AdminConsent).order_by(models.AdminConsent.id)).all()
        return [{c.key: getattr(r, c.key) for c in models.AdminConsent.__table__.columns} for r in rows]


def member_rows(db: Database) -> list[tuple[int, str, bool]]:
    with db.transaction() as s:
        rows = s.scalars(select(models.Member).order_by(models.Member.id)).all()
        return [(m.id, m.status, m.is_admin) for m in rows]


def audit_actions(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.transaction() as s:
        entries = s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id)).all()
        return [(e.actor, e.action, dict(e.details)) for e in entries]


def demote(db: Database, *indexes: int, team: str = TEAM) -> None:
    """Take the admin flag from factory members straight in the table (the import refuses it without consent):
    the states the consent rules must still hold in."""
    ids = [member_id(db, i, team) for i in indexes]
    with db.transaction() as s:
        for id_ in ids:
            s.get_one(models.Member, id_).is_admin = False
