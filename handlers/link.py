"""`/licenses link CODE`: an admin of the workspace links it to the account their provider created.

Who may: a Slack workspace admin or owner (users.info: is_admin / is_owner), since the account has no
admins of its own before it is linked. The use case (bot/usecases/linking.py) checks the code, counts
and audits refusals.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.errors import UserError
from bot.usecases import linking
from handlers.blocks.messages import message
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx

log = logging.getLogger(__name__)

MAX_CODE_LENGTH = 40


def is_workspace_admin(ctx: Ctx) -> bool:
    try:
        user = ctx.client.users_info(user=ctx.user).get("user") or {}
    except SlackApiError as exc:
        log.warning("users.info %s failed: %s", ctx.user, exc.response.get("error"))
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


def link(ctx: Ctx, code: str) -> None:
    """Link the request's workspace with `code`; the answer says what happened (only the user sees it)."""
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        ctx.reply(message("Type `/licenses link CODE` with the link code your provider gave you."))
        return
    try:
        linked = linking.link_workspace(
            ctx.deps.db,
            team=ctx.team,
            user_id=ctx.user,
            code=code,
            workspace_admin=is_workspace_admin(ctx),
            now=ctx.now(),
        )
    except UserError as exc:
        ctx.reply(message(exc.message))
        return
    ctx.reply(
        message(
            f"This workspace is now linked to *{escape(linked.account_name)}*. Type `/licenses` to see the licenses,"
            " or open licensebot's Home tab."
        )
    )


def from_command(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    link(ctx, args)
