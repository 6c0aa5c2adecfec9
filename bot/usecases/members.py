"""The account's users: the CSV import (operator), deactivating users by hand (admins)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.core.audit import OPERATOR, Actor, AuditAction, MessageKind
from bot.core.errors import NotFound, UserError
from bot.core.members_csv import MemberRow
from bot.core.results import DeactivationResult, ImportResult
from bot.core.statuses import DeactivatedHow, MemberStatus
from bot.i18n import _
from bot.usecases.common import require_admin, require_operator
from bot.usecases.line_members import import_assignments
from bot.usecases.ports import Announce, Database
from bot.worker import outbox
from store import models, queries
from store.db import Clash
from store.queries import audit, consented_member_ids, load_account, pending_of, terms_of, wake


def _check_admin_flags(
    s: Session, account_id: int, existing: dict[str, models.Member], rows: Sequence[MemberRow]
) -> list[str]:
    """Admin rights leave through the CSV only with the admin's written consent, and one admin always remains.
    Returns the names of the admins the file demotes; raises UserError (with the line) otherwise."""
    consented = consented_member_ids(s, account_id)
    demoted: list[str] = []
    active = MemberStatus.ACTIVE.value
    for row in rows:
        member = existing.get(row.email)
        if member is None or not member.is_admin or row.admin or member.status != active:
            continue
        if member.id not in consented:
            raise UserError(
                f"line {row.line}: {row.email} is an admin and has not given written consent to lose admin rights: "
                f"another admin asks for it in Slack (`/licenses consent @{member.name}`) and, once {member.name} "
                "has signed, import again; or keep admin=yes. "
                "Nothing was imported."
            )
        demoted.append(member.name)
    stays = {m.email for m in existing.values() if m.is_admin and m.status == active}
    stays -= {r.email for r in rows if not r.admin}
    if demoted and not stays and not any(r.admin and r.email not in existing for r in rows):
        raise UserError(
            "the file removes the admin flag from every admin: at least one admin must remain. Nothing was imported."
        )
    return demoted


def import_members(
    db: Database, *, team: str, rows: Sequence[MemberRow], now: datetime, actor: Actor = OPERATOR
) -> ImportResult:
    """Upsert members by email in one transaction. Deactivated members stay deactivated (said in the result)."""
    require_operator(actor)
    added = updated = 0
    inactive: list[str] = []
    try:
        with db.transaction() as s:
            account = load_account(s, team, lock=True)
            existing = {
                m.email: m for m in s.scalars(select(models.Member).where(models.Member.account_id == account.id))
            }
            demoted = _check_admin_flags(s, account.id, existing, rows)
            for row in rows:
                member = existing.get(row.email)
                if member is not None and member.status != MemberStatus.ACTIVE.value:
                    inactive.append(member.name)
                    continue
                if member is None:
                    s.add(
                        models.Member(
                            account_id=account.id,
                            email=row.email,
                            name=row.name,
                            slack_user_id=row.slack_user_id,
                            is_admin=row.admin,
                            added_at=row.added_at,
                            status=MemberStatus.ACTIVE.value,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    added += 1
                    continue
                fields = {"name": row.name, "is_admin": row.admin, "added_at": row.added_at}
                if row.slack_user_id:
                    fields["slack_user_id"] = row.slack_user_id
                changed = {k: v for k, v in fields.items() if getattr(member, k) != v}
                if changed:
                    for k, v in changed.items():
                        setattr(member, k, v)
                    member.updated_at = now
                    updated += 1
            s.flush()
            assigned, unassigned = import_assignments(s, account.id, rows, now)
            wake(account, now)
            details: dict[str, object] = {"added": added, "updated": updated, "rows": len(rows)}
            if assigned or unassigned:
                details["addons_assigned"], details["addons_removed"] = assigned, unassigned
            if demoted:
                details["admin_removed"] = demoted
            if inactive:
                details["left_deactivated"] = len(inactive)
            audit(s, account.id, actor, AuditAction.MEMBERS_IMPORTED, now, **details)
    except Clash as exc:
        raise UserError(f"the file clashes with members already stored (a Slack user id used twice?): {exc}") from None
    return ImportResult(
        rows=len(rows),
        added=added,
        updated=updated,
        inactive=tuple(inactive),
        admin_removed=tuple(demoted),
        addons_assigned=assigned,
        addons_removed=unassigned,
    )


def deactivate_members(
    db: Database,
    *,
    team: str,
    actor: Actor,
    member_ids: Sequence[int],
    now: datetime,
    announce: Announce[DeactivationResult] | None = None,
) -> DeactivationResult:
    """Deactivate users by hand. This does not lower the number of licenses. `announce` words the messages
    that tell about it, queued in the outbox with it."""
    with db.transaction() as s:
        account = load_account(s, team, lock=True)
        require_admin(s, account, actor)
        rows = list(
            s.scalars(
                select(models.Member).where(models.Member.account_id == account.id, models.Member.id.in_(member_ids))
            )
        )
        if len(rows) != len(set(member_ids)):
            raise NotFound(_("Some of those users are not members of this account."))
        consented = consented_member_ids(s, account.id)
        admins_left = len(queries.active_admins(s, account.id))
        done: list[str] = []
        needs: list[models.Member] = []
        already: list[str] = []
        last: list[str] = []
        for m in sorted(rows, key=lambda r: r.id):
            if m.status != MemberStatus.ACTIVE.value:
                already.append(m.name)
            elif m.is_admin and m.id not in consented:
                needs.append(m)
            elif m.is_admin and admins_left <= 1:
                last.append(m.name)
            else:
                if m.is_admin:
                    admins_left -= 1
                queries.deactivate(m, DeactivatedHow.MANUAL, now)
                done.append(m.name)
                audit(s, account.id, actor, AuditAction.MEMBER_DEACTIVATED, now, member=m.id, name=m.name, how="manual")
        if done:
            wake(account, now)
        result = DeactivationResult(
            deactivated=tuple(done),
            needs_consent=tuple(m.name for m in needs),
            already=tuple(already),
            last_admin=tuple(last),
            pending=pending_of(s, account.id),
            needs_consent_ids=tuple(m.id for m in needs),
        )
        if announce is None:
            return result
        key = outbox.announce(
            s,
            account_id=account.id,
            kind=MessageKind.DEACTIVATION,
            ref=uuid.uuid4().hex[:16],  # each deactivation answer is its own message (a replay gets its own)
            messages=announce(result, terms_of(account)),
            now=now,
        )
        return replace(result, announced=key)
