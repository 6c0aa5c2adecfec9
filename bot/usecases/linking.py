"""Linking a Slack workspace to an account without shell access for the customer.

The operator creates the account without a team (`licensebot account add` without `--team`) and gets a
one-time link code; an admin of the workspace where the app is installed types `/licenses link CODE`.

- An account not linked yet has a placeholder team id `unlinked-…` (the column stays NOT NULL and
  unique, so every path keyed by team keeps working; no Slack team id looks like it).
- Only the code's SHA-256 is stored. A code is single use, expires after CODE_LIFETIME, and issuing a
  new one for the account voids the ones before.
- A wrong, used or expired code is recorded (link_attempts) and audited; after MAX_FAILURES refusals
  within WINDOW a workspace is refused without looking at the code until the window has passed.
- A workspace already linked to an account cannot link another one; an account already linked cannot
  be linked again (codes are not issued for it).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from bot.core.audit import OPERATOR, Actor, AuditAction
from bot.core.errors import Conflict, NotAllowed, NotFound, UserError
from bot.i18n import _
from bot.usecases.common import require_operator
from bot.usecases.ports import Database
from store import models, models_connect
from store.db import Clash
from store.queries import audit, wake

UNLINKED = "unlinked-"
CODE_LIFETIME = timedelta(days=7)
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""No 0/O or 1/I: a code is read aloud or typed from an email."""
CODE_LENGTH = 12
"""32^12 = 2^60 codes: with MAX_FAILURES per WINDOW, guessing is hopeless."""


def placeholder_team() -> str:
    return UNLINKED + secrets.token_hex(6).upper()


def is_linked(team: str) -> bool:
    return not team.startswith(UNLINKED)


def normalized(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


@dataclass(frozen=True)
class LinkCode:
    code: str
    account_id: int
    account_name: str
    expires_at: datetime


def issue_link_code(db: Database, *, account_id: int, now: datetime, actor: Actor = OPERATOR) -> LinkCode:
    """A new one-time link code for an account not linked yet (the earlier ones stop working)."""
    require_operator(actor)
    code = _new_code()
    with db.transaction() as s:
        account = s.get(models.Account, account_id, with_for_update=True)
        if account is None:
            raise NotFound(f"there is no account {account_id}")
        if is_linked(account.slack_team_id):
            raise Conflict(f"account {account_id} is linked to the Slack workspace {account.slack_team_id} already")
        s.execute(
            update(models_connect.LinkCode)
            .where(
                models_connect.LinkCode.account_id == account_id,
                models_connect.LinkCode.used_at.is_(None),
                models_connect.LinkCode.expires_at > now,
            )
            .values(expires_at=now)
        )
        expires = now + CODE_LIFETIME
        s.add(
            models_connect.LinkCode(
                account_id=account_id, code_hash=code_hash(code), created_at=now, expires_at=expires
            )
        )
        audit(s, account_id, actor, AuditAction.LINK_CODE_ISSUED, now, expires_at=expires.isoformat())
        return LinkCode(code=code, account_id=account_id, account_name=account.name, expires_at=expires)


@dataclass(frozen=True)
class Linked:
    account_name: str


def link_workspace(db: Database, *, team: str, user_id: str, code: str, workspace_admin: bool, now: datetime) -> Linked:
    """Link the workspace `team` to the account of `code`, asked by `user_id` (a workspace admin or owner).

    Raises a UserError saying why when refused; a refusal for a bad code is recorded first.
    """
    try:
        return _link(db, team=team, user_id=user_id, code=code, workspace_admin=workspace_admin, now=now)
    except Clash:  # another account was linked to this workspace at the same moment
        raise Conflict(_("This workspace is linked to an account already. Type `/licenses` to see it.")) from None


def _link(db: Database, *, team: str, user_id: str, code: str, workspace_admin: bool, now: datetime) -> Linked:
    actor = Actor.slack(user_id)
    refusal: UserError | None = None
    name = ""
    with db.transaction() as s:
        since = now - WINDOW
        failures = s.scalar(
            select(func.count())
            .select_from(models_connect.LinkAttempt)
            .where(models_connect.LinkAttempt.team_id == team, models_connect.LinkAttempt.at > since)
        )
        if int(failures or 0) >= MAX_FAILURES:
            audit(s, None, actor, AuditAction.SLACK_LINK_REFUSED, now, team=team, reason="rate_limited")
            minutes = int(WINDOW.total_seconds()) // 60
            refusal = NotAllowed(
                _(
                    "Too many wrong link codes were typed in this workspace. Try again in {minutes} minutes,"
                    " or ask your provider for a new code.",
                    minutes=minutes,
                )
            )
        elif not workspace_admin:
            audit(s, None, actor, AuditAction.SLACK_LINK_REFUSED, now, team=team, reason="not_workspace_admin")
            refusal = NotAllowed(_("Only an admin or owner of this Slack workspace can link it to an account."))
        elif s.scalar(select(models.Account.id).where(models.Account.slack_team_id == team)) is not None:
            audit(s, None, actor, AuditAction.SLACK_LINK_REFUSED, now, team=team, reason="workspace_linked")
            refusal = Conflict(_("This workspace is linked to an account already. Type `/licenses` to see it."))
        else:
            row = s.scalar(
                select(models_connect.LinkCode)
                .where(models_connect.LinkCode.code_hash == code_hash(code))
                .with_for_update()
            )
            reason = None
            if row is None:
                reason = "unknown_code"
            elif row.used_at is not None:
                reason = "used_code"
            elif row.expires_at <= now:
                reason = "expired_code"
            account = s.get(models.Account, row.account_id, with_for_update=True) if row is not None else None
            if reason is None and (account is None or is_linked(account.slack_team_id)):
                reason = "account_linked"
            if reason is not None or row is None or account is None:
                s.add(models_connect.LinkAttempt(team_id=team, user_id=user_id, at=now))
                audit(
                    s,
                    row.account_id if row is not None else None,
                    actor,
                    AuditAction.SLACK_LINK_REFUSED,
                    now,
                    team=team,
                    reason=reason,
                )
                refusal = NotAllowed(
                    _(
                        "This link code does not work: it is wrong, expired or used already. "
                        "Check it, or ask your provider for a new one."
                    )
                )
            else:
                account.slack_team_id = team
                account.updated_at = now
                wake(account, now)
                row.used_at = now
                row.used_by_team = team
                audit(s, account.id, actor, AuditAction.SLACK_LINKED, now, team=team)
                name = account.name
    if refusal is not None:
        raise refusal
    return Linked(account_name=name)


def account_team(db: Database, *, account_id: int) -> str:
    with db.transaction(read_only=True) as s:
        account = s.get(models.Account, account_id)
        if account is None:
            raise NotFound(f"there is no account {account_id}")
        return account.slack_team_id
