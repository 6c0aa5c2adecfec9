"""`/licenses link CODE`: an admin of the workspace links it to the account their provider created.

Who may: a Slack workspace admin or owner (users.info: is_admin / is_owner), since the account has no
admins of its own before it is linked. The use case (bot/usecases/linking.py) checks the code, counts
and audits refusals.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import UserError
from bot.i18n import N_, _
from bot.usecases import linking
from handlers.blocks.home_tab import unlinked_home_view
from handlers.blocks.messages import message
from handlers.blocks.mrkdwn import escape
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.followup import later
from handlers.home import publish_home
from handlers.ids import Action, Block

log = logging.getLogger(__name__)

MAX_CODE_LENGTH = 40


def is_workspace_admin(ctx: Ctx) -> bool:
    try:
        user = ctx.client.users_info(user=ctx.user).get("user") or {}
    except SlackApiError as exc:
        log.warning("users.info %s failed: %s", ctx.user, exc.response.get("error"))
        return False
    return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))


HOW = N_("Type `/licenses link CODE` with the link code your provider gave you.")


def try_link(ctx: Ctx, code: str) -> tuple[bool, str]:
    """Link the request's workspace with `code`: (linked, what to tell the person)."""
    code = code.strip()
    if not code or len(code) > MAX_CODE_LENGTH:
        return False, _(HOW)
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
        return False, exc.message
    return True, _(
        "This workspace is now linked to *{account}*. Type `/licenses` to see the licenses, or open licensebot's "
        "Home tab.",
        account=escape(linked.account_name),
    )


def from_command(ctx: Ctx, args: str, _command: dict[str, Any]) -> None:
    ctx.reply(message(try_link(ctx, args)[1]))


def code_on_home(body: dict[str, Any]) -> str:
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    value = (values.get(Block.LINK_CODE) or {}).get(Action.LINK_CODE_INPUT) or {}
    return str(value.get("value") or "")


def register(app: App, deps: Deps) -> None:
    @app.action(Action.LINK_WORKSPACE)
    def link_from_home(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        ctx = Ctx.of(deps, context, client)

        def work() -> None:
            linked, answer = try_link(ctx, code_on_home(body))
            if linked:
                publish_home(ctx, ctx.user)
            else:
                try:
                    ctx.client.views_publish(
                        user_id=ctx.user, view=unlinked_home_view(_(HOW), link=True, notice=answer.replace("*", ""))
                    )
                except SlackApiError as exc:
                    log.warning("views.publish for %s failed: %s", ctx.user, exc.response.get("error"))

        later(ctx, work)
