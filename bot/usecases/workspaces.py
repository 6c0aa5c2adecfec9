"""A workspace's installation of the app (OAuth mode): installed, uninstalled (or its tokens revoked).

An uninstall keeps everything of the account (license data, requests, the outbox): its messages wait
(the sender skips accounts with `slack_uninstalled_at`) and go out after a re-install.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from bot.core.audit import Actor, AuditAction
from bot.core.statuses import DeliveryStatus
from bot.usecases.ports import Database
from store import models
from store.queries import audit, load_account, wake

SLACK = Actor(label="slack")
"""Slack itself (install and uninstall events)."""


def slack_installed(db: Database, *, team: str, installer: str | None, now: datetime) -> bool:
    """The workspace installed the app (again); True when an account is linked to it (its messages resume)."""
    with db.transaction() as s:
        account = s.scalar(select(models.Account).where(models.Account.slack_team_id == team).with_for_update())
        if account is None:
            return False
        was = account.slack_uninstalled_at
        account.slack_uninstalled_at = None
        wake(account, now)
        # The messages that waited go out on the next pass (a 'not installed' wait is not an attempt).
        s.execute(
            update(models.Delivery)
            .where(
                models.Delivery.account_id == account.id,
                models.Delivery.status == DeliveryStatus.PENDING.value,
                models.Delivery.next_attempt_at > now,
            )
            .values(next_attempt_at=now)
        )
        audit(
            s,
            account.id,
            Actor.slack(installer) if installer else SLACK,
            AuditAction.SLACK_INSTALLED,
            now,
            reinstalled=was is not None,
        )
        return True


def slack_uninstalled(db: Database, *, team: str, reason: str, now: datetime) -> bool:
    """The workspace uninstalled the app or revoked its bot token; True when an account is linked to it."""
    with db.transaction() as s:
        account = s.scalar(select(models.Account).where(models.Account.slack_team_id == team).with_for_update())
        if account is None:
            return False
        if account.slack_uninstalled_at is None:
            account.slack_uninstalled_at = now
            audit(s, account.id, SLACK, AuditAction.SLACK_UNINSTALLED, now, reason=reason)
        return True


@dataclass(frozen=True)
class SlackState:
    uninstalled_at: datetime | None
    """When the workspace uninstalled the app (None: installed, or single-workspace mode)."""
    waiting: int
    """Messages in the outbox not sent yet."""


def slack_state(db: Database, *, team: str) -> SlackState:
    """What `licensebot status` says about the account's Slack installation."""
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        waiting = s.scalar(
            select(func.count())
            .select_from(models.Delivery)
            .where(models.Delivery.account_id == account.id, models.Delivery.status == DeliveryStatus.PENDING.value)
        )
        return SlackState(uninstalled_at=account.slack_uninstalled_at, waiting=int(waiting or 0))
