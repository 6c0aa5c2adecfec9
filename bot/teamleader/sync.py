"""The sync use case: all of users.list first, then one transaction (or nothing at all).

The worker's entry points are in bot/teamleader/jobs.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core import policy
from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import UserError
from bot.core.statuses import DeactivatedHow, MemberStatus, TeamleaderStatus
from bot.core.wording import plural
from bot.teamleader.client import PAGE_SIZE, TeamleaderClient, TeamleaderError, Unauthorized
from bot.teamleader.plan import Known, SyncPlan, User, plan_sync
from bot.teamleader.tokens import AccessTokens, NotConnected, ReconnectNeeded, not_connected_message, reconnect_message
from store import models, queries
from store.db import Clash, Database
from store.queries import audit, load_account, wake

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)
"""After a failed sync (other than a revoked access) the next try comes this much later at most."""
MAX_PAGES = 1000
"""users.list pages (of 100) we read at most: a guard against an answer that never ends."""


@dataclass(frozen=True)
class SyncReport:
    team: str
    users: int
    """Users listed by Teamleader (active and deactivated)."""
    added: int
    updated: int
    deactivated: int
    reactivated: int = 0
    linked: int = 0
    kept_admins: tuple[str, ...] = ()
    clashes: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.deactivated or self.reactivated or self.linked)

    def summary(self) -> str:
        text = (
            f"{self.team}: {self.added} added, {self.updated} updated, {self.deactivated} deactivated, "
            f"{self.reactivated} reactivated ({plural(self.users, 'user')} in Teamleader"
        )
        if self.linked:
            text += f", {self.linked} linked by email"
        if self.clashes:
            text += f", {self.clashes} not stored: email clash or no email"
        text += ")"
        if self.kept_admins:
            text += (
                f"; kept active so that an admin remains: {', '.join(self.kept_admins)}"
                " (give another member the admin flag)"
            )
        return text + (" [dry run: nothing written]" if self.dry_run else "")


def fetch_users(client: TeamleaderClient, tokens: AccessTokens) -> list[User]:
    """Every page of users.list; on a 401 the token is renewed once and the page asked again."""
    users: list[User] = []
    renewed = False
    number = 1
    while number <= MAX_PAGES:
        try:
            page = client.users_page(tokens.current(), number)
        except Unauthorized:
            if renewed:
                raise
            tokens.renew()
            renewed = True
            continue
        users.extend(page)
        if len(page) < PAGE_SIZE:
            return users
        number += 1
    raise TeamleaderError(f"Teamleader listed more than {MAX_PAGES * PAGE_SIZE} users; nothing was changed")


def sync_account(
    db: Database,
    *,
    team: str,
    client: TeamleaderClient,
    now: datetime,
    dry_run: bool = False,
    actor: Actor = OPERATOR,
) -> SyncReport:
    """Bring the account's members in step with Teamleader. Any failure: no member is changed.

    A dry run writes nothing of the sync, but a token refresh it needed is stored (a refresh token works once).
    """
    with db.transaction() as s:
        account = load_account(s, team)
        account_id = account.id
        conn = queries.teamleader_connection(s, account_id)
        if conn is None:
            raise NotConnected(not_connected_message(team))
        if conn.status != TeamleaderStatus.CONNECTED.value:
            raise ReconnectNeeded(reconnect_message(team))
    tokens = AccessTokens(db, account_id=account_id, team=team, client=client, now=now, actor=actor)
    try:
        users = fetch_users(client, tokens)
        if not users:
            raise TeamleaderError("Teamleader listed no users at all; nothing was changed")
        return _write(db, team=team, users=users, now=now, dry_run=dry_run, actor=actor)
    except ReconnectNeeded:
        raise
    except TeamleaderError as exc:
        if not dry_run:
            _record_failure(db, account_id, now, exc.message)
        raise


def _write(db: Database, *, team: str, users: Sequence[User], now: datetime, dry_run: bool, actor: Actor) -> SyncReport:
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            members = {m.id: m for m in s.scalars(select(models.Member).where(models.Member.account_id == account.id))}
            known = [
                Known(
                    id=m.id,
                    teamleader_id=m.teamleader_id,
                    email=m.email,
                    name=m.name,
                    active=m.status == MemberStatus.ACTIVE.value,
                    is_admin=m.is_admin,
                    deactivated_how=m.deactivated_how,
                )
                for m in members.values()
            ]
            plan = plan_sync(known, users)
            report = _report(team, users, plan, members, dry_run)
            if dry_run:
                return report
            conn = queries.teamleader_connection(s, account.id, lock=True)
            assert conn is not None
            # The first sync brings in users who were there long before: their added date is unknown, not today.
            added_at = policy.UNKNOWN_ADDED if conn.last_sync_at is None else now
            _apply(s, account, members, plan, now, actor, added_at)
            conn.last_sync_at = now
            conn.last_error = None
            conn.next_sync_at = now + timedelta(minutes=conn.sync_interval_minutes)
            conn.updated_at = now
            if report.changed:
                wake(account, now)
            audit(
                s,
                account.id,
                actor,
                AuditAction.TEAMLEADER_SYNCED,
                now,
                users=report.users,
                added=report.added,
                updated=report.updated,
                deactivated=report.deactivated,
                reactivated=report.reactivated,
                linked=report.linked,
                clashes=report.clashes,
                kept_admins=list(report.kept_admins),
            )
    except Clash as exc:
        raise UserError(
            f"the Teamleader users clash with the members stored for {team}; nothing was changed: {exc}"
        ) from None
    log.info("teamleader sync %s", report.summary())
    return report


def _report(
    team: str, users: Sequence[User], plan: SyncPlan, members: dict[int, models.Member], dry_run: bool
) -> SyncReport:
    return SyncReport(
        team=team,
        users=len({u.id for u in users}),
        added=len(plan.add),
        updated=plan.updated,
        deactivated=len(plan.deactivate),
        reactivated=len(plan.reactivate),
        linked=plan.linked,
        kept_admins=tuple(members[i].name for i in plan.kept_admins),
        clashes=len(plan.clashes),
        dry_run=dry_run,
    )


def _apply(
    s: Session,
    account: models.Account,
    members: dict[int, models.Member],
    plan: SyncPlan,
    now: datetime,
    actor: Actor,
    added_at: datetime,
) -> None:
    for change in plan.change:
        m = members[change.member_id]
        if change.name is not None:
            m.name = change.name
        if change.email is not None:
            m.email = change.email
        if change.teamleader_id is not None:
            m.teamleader_id = change.teamleader_id
        m.updated_at = now
    s.flush()  # changed emails first: a new member may take an email another member just gave up
    # Set-based (queries.set_statuses): a sync that deactivates thousands is a few statements, not one each.
    queries.set_statuses(s, account.id, plan.deactivate, DeactivatedHow.TEAMLEADER, now)
    for member_id in plan.deactivate:
        m = members[member_id]
        audit(s, account.id, actor, AuditAction.MEMBER_DEACTIVATED, now, member=m.id, name=m.name, how="teamleader")
    queries.set_statuses(s, account.id, plan.reactivate, None, now)
    for member_id in plan.reactivate:
        m = members[member_id]
        audit(s, account.id, actor, AuditAction.MEMBER_REACTIVATED, now, member=m.id, name=m.name, how="teamleader")
    for user in plan.add:
        assert user.email is not None
        s.add(
            models.Member(
                account_id=account.id,
                name=user.name or user.email,
                email=user.email,
                teamleader_id=user.id,
                is_admin=False,
                added_at=added_at,
                status=MemberStatus.ACTIVE.value,
                created_at=now,
                updated_at=now,
            )
        )
    s.flush()


def _record_failure(db: Database, account_id: int, now: datetime, message: str) -> None:
    with db.transaction() as s:
        conn = queries.teamleader_connection(s, account_id, lock=True)
        if conn is None or conn.status != TeamleaderStatus.CONNECTED.value:
            return
        conn.last_error = message[:300]
        conn.next_sync_at = now + min(RETRY_AFTER, timedelta(minutes=conn.sync_interval_minutes))
        conn.updated_at = now
