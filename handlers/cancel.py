"""Cancel the pending request: `/licenses cancel` asks first; the Cancel buttons carry a confirm dialog."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import usecases
from bot.core.audit import Actor
from bot.core.errors import UserError
from handlers.blocks.messages import cancel_question, cancelled_message, cancelled_post, message
from handlers.blocks.state import parse_id
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.home import admins_view, refresh_admin_homes
from handlers.ids import Action
from handlers.reduce import not_admin_text


def ask(ctx: Ctx) -> None:
    """`/licenses cancel`: show the pending request and a confirmation button."""
    viewer = ctx.viewer()
    if not viewer.is_admin:
        ctx.reply(message(not_admin_text(viewer)))
        return
    page = usecases.license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
    if page.pending is None:
        ctx.reply(message("There is no pending request to cancel."))
        return
    ctx.reply(cancel_question(page.pending))


def cancel(ctx: Ctx, value: str | None, *, replace: bool) -> None:
    request_id = parse_id(value)
    if request_id is None:
        raise UserError("That button does not name a request; run `/licenses cancel` again.")
    db, now = ctx.deps.db, ctx.now()
    done = usecases.cancel_request(db, team=ctx.team, actor=Actor.slack(ctx.user), now=now, request_id=request_id)
    with after_saving("The cancellation"):
        ctx.reply(cancelled_message(done), replace=replace)
        view = admins_view(ctx, now)
        channel = view.page.terms.admin_channel
        post = [partial(ctx.post, channel, cancelled_post(done, ctx.user))] if channel else []
        refresh_admin_homes(ctx, view, along=post)


def _value(body: dict[str, Any]) -> str | None:
    acts = body.get("actions") or [{}]
    value = acts[0].get("value")
    return value if isinstance(value, str) else None


def register(app: App, deps: Deps) -> None:
    @app.action(Action.CANCEL_REQUEST)
    def cancel_button(
        ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()  # Slack showed its confirm dialog before sending this click.
        cancel(Ctx.of(deps, context, client, respond), _value(body), replace=False)

    @app.action(Action.CONFIRM_CANCEL)
    def confirm_button(
        ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()
        cancel(Ctx.of(deps, context, client, respond), _value(body), replace=True)
