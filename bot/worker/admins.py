"""A step of every worker pass: before an account's reminders are decided, its admins without a Slack user id
are looked up by email (bot/usecases/admin_links.py), so that they get the DM too.

Only accounts that are due now are looked at (the tick handles them next in this pass), and only those with
such an admin: an account with nothing due costs no Slack call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from bot.core.statuses import MemberStatus
from bot.usecases.admin_links import link_admins
from bot.worker.ports import Directory
from store import models
from store.db import Database

log = logging.getLogger(__name__)


def due_teams_with_unlinked_admins(db: Database, now: datetime) -> list[str]:
    a, m = models.Account, models.Member
    with db.transaction(read_only=True) as s:
        unlinked = (
            select(m.id)
            .where(
                m.account_id == a.id,
                m.is_admin.is_(True),
                m.status == MemberStatus.ACTIVE.value,
                m.slack_user_id.is_(None),
            )
            .exists()
        )
        due = (a.next_tick_at <= now) | a.next_tick_at.is_(None)
        return list(s.scalars(select(a.slack_team_id).where(due, unlinked).order_by(a.id)))


def link_due_admins(directory: Directory) -> Callable[[Database, datetime], int]:
    """The step: link the unlinked admins of every due account; returns how many were linked."""

    def link_admins_by_email(db: Database, now: datetime) -> int:
        linked = 0
        for team in due_teams_with_unlinked_admins(db, now):
            try:
                linked += link_admins(db, team=team, lookup=directory.user_id_for_email, now=now)
            except Exception:  # one account never stops the others, nor the pass
                log.exception("account %s: looking up admins by email failed", team)
        return linked

    return link_admins_by_email
