"""Who may do what: the admin and operator checks every use case makes (the shared reads are store/queries.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from bot.core.audit import Actor
from bot.core.errors import NotAllowed, UserError
from bot.core.ids import TEAM_ID
from bot.core.statuses import MemberStatus
from bot.i18n import _
from store import models, queries


def require_admin(s: Session, account: models.Account, actor: Actor) -> models.Member | None:
    """The acting admin's member record (None for the operator); NotAllowed for anybody else."""
    if actor.operator:
        return None
    member = queries.member_for_slack_user(s, account.id, actor.slack_user_id or "")
    if member is None or not member.is_admin or member.status != MemberStatus.ACTIVE.value:
        names = [m.name for m in queries.active_admins(s, account.id)]
        who = ", ".join(names) if names else _("nobody yet")
        raise NotAllowed(
            _(
                "Only account admins can change licenses. The admins of {account} are: {admins}.",
                account=account.name,
                admins=who,
            )
        )
    return member


def require_admin_among(account_name: str, admins: Sequence[Any], actor: Actor) -> None:
    """`require_admin` over the account's active admins already read (rows with `slack_user_id` and `name`,
    by name: store.page_reads.admin_rows): NotAllowed unless the actor is the operator or one of them."""
    if actor.operator:
        return
    user = actor.slack_user_id
    if user and any(a.slack_user_id == user for a in admins):
        return
    raise NotAllowed(
        _(
            "Only account admins can change licenses. The admins of {account} are: {admins}.",
            account=account_name,
            admins=", ".join(a.name for a in admins) if admins else _("nobody yet"),
        )
    )


def require_operator(actor: Actor) -> None:
    if not actor.operator:
        raise NotAllowed("only an operator (the licensebot command line) can do this")


def check_team_id(team: str) -> str:
    team = team.strip()
    if not TEAM_ID.match(team):
        raise UserError(f"--team {team!r} is not a Slack team id (like T0123ABCD)")
    return team
