"""Admins without a Slack user id get no DM and no App Home: find them by email before a reminder is queued
and when the license page is built (Slack's users.lookupByEmail, behind the `lookup` the adapter gives).

The lookups run outside any transaction (they are slow); what was found is stored in one transaction and
audited. Whoever is still not found is named on the license page, in `licensebot status` and in the
reminders (the page's `unreachable_admins`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from bot.core.audit import WORKER, Actor, AuditAction
from bot.core.statuses import MemberStatus
from bot.usecases.ports import Database
from store import models
from store.queries import audit, load_account, member_for_slack_user

UserIdLookup = Callable[[str], str | None]
"""An email -> the Slack user id Slack knows for it (None: nobody, or Slack cannot say now)."""


def _unlinked(team: str, db: Database) -> list[tuple[int, str]]:
    with db.transaction(read_only=True) as s:
        account = load_account(s, team)
        m = models.Member
        return [
            (id_, email)
            for id_, email in s.execute(
                select(m.id, m.email)
                .where(
                    m.account_id == account.id,
                    m.is_admin.is_(True),
                    m.status == MemberStatus.ACTIVE.value,
                    m.slack_user_id.is_(None),
                )
                .order_by(m.id)
            )
        ]


def link_admins(db: Database, *, team: str, lookup: UserIdLookup, now: datetime, actor: Actor = WORKER) -> int:
    """Give every active admin without a Slack user id the one Slack knows for their email; returns how many
    were linked. A Slack id that another member carries already is left alone (never two records for one)."""
    unlinked = _unlinked(team, db)
    if not unlinked:
        return 0
    found = {id_: user for id_, email in unlinked if (user := lookup(email))}
    if not found:
        return 0
    linked = 0
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        for id_, user in found.items():
            member = s.get(models.Member, id_)
            if member is None or member.slack_user_id is not None or member_for_slack_user(s, account.id, user):
                continue
            member.slack_user_id = user
            member.updated_at = now
            s.flush()
            audit(s, account.id, actor, AuditAction.MEMBER_LINKED, now, member=id_, slack_user=user, by="email")
            linked += 1
    return linked
