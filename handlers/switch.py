"""`/licenses plan` and the package switch: the package and its features, the Switch package form (a smaller
package of the catalog at the renewal), its cancellation."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.core.audit import Actor
from bot.core.errors import UserError
from bot.core.page import AccountTerms, PendingSwitch
from bot.i18n import N_, _, variants
from bot.usecases import license_page, switch
from bot.usecases.switch import SwitchRequested
from handlers.blocks.messages import Message, message
from handlers.blocks.modals import message_view
from handlers.blocks.mrkdwn import escape
from handlers.blocks.package import (
    NO_SWITCH_NAMED,
    SWITCH_TITLE,
    SwitchMeta,
    plan_message,
    switch_cancelled_message,
    switch_cancelled_post,
    switch_post,
    switch_refusal,
    switch_requested_message,
    switch_view,
)
from handlers.blocks.page import not_admin_text
from handlers.blocks.state import action_value, parse_id, state_field
from handlers.context import Ctx
from handlers.deps import Deps
from handlers.errors import after_saving
from handlers.followup import acked, later, open_then_fill
from handlers.home import admins_view, refresh_admin_homes
from handlers.ids import Action, Block, View

TITLE = SWITCH_TITLE


def show_plan(ctx: Ctx, _args: str, _command: dict[str, Any]) -> None:
    """`/licenses plan`: the package, its features, a pending switch, the button to switch (admins)."""
    snap = ctx.snapshot()
    ctx.reply(plan_message(snap.page, admin=snap.viewer.is_admin))


def open_switch(ctx: Ctx, trigger_id: str) -> None:
    def fill() -> dict[str, Any]:
        viewer = ctx.viewer()
        if not viewer.is_admin:
            return message_view(TITLE, not_admin_text(viewer))
        page = license_page(ctx.deps.db, team=ctx.team, now=ctx.now())
        refusal = switch_refusal(page)
        return message_view(TITLE, refusal) if refusal else switch_view(page)

    open_then_fill(ctx, trigger_id, TITLE, fill)


def on_submit(ctx: Ctx, ack: Ack, view: dict[str, Any]) -> None:
    db, now = ctx.deps.db, ctx.now()
    chosen = state_field(view, Block.PACKAGE, Action.PACKAGE_INPUT, "selected_option")
    to = str(chosen.get("value") or "")[:150] if isinstance(chosen, dict) else ""
    shown = SwitchMeta.load(view.get("private_metadata"))
    try:
        page = license_page(db, team=ctx.team, now=now)
        if shown is not None and shown.renewal != page.target.renewal:
            ack(response_action="update", view=switch_view(page))
            return
        done = switch.request_switch(
            db, team=ctx.team, actor=Actor.slack(ctx.user), to=to, now=now, announce=partial(announcements, ctx.user)
        )
    except UserError as exc:
        ack(response_action="errors", errors={Block.PACKAGE: exc.message[:300]})
        return
    ack()
    later(ctx, lambda: _after(ctx, done.announced, now))


def announcements(requester: str, done: SwitchRequested, terms: AccountTerms) -> list[tuple[str, Message]]:
    sw = done.switch
    # Queued in the outbox: every language, the sender picks the recipient's (DM) or the account's (channel).
    messages = [
        (
            requester,
            variants(
                lambda: switch_requested_message(
                    sw, done.from_tier.name, done.lost_features, done.saving, done.target.missed, terms
                )
            ),
        )
    ]
    if terms.admin_channel:
        messages.append((terms.admin_channel, variants(lambda: switch_post(sw, done.from_tier.name, requester))))
    return messages


def cancel(ctx: Ctx, body: dict[str, Any]) -> None:
    change_id = parse_id(action_value(body))
    if change_id is None:
        ctx.reply(message(_(NO_SWITCH_NAMED)))
        return
    now = ctx.now()
    try:
        done = switch.cancel_switch(
            ctx.deps.db,
            team=ctx.team,
            actor=Actor.slack(ctx.user),
            now=now,
            change_id=change_id,
            announce=partial(cancel_announcements, ctx.user),
        )
    except UserError as exc:
        ctx.reply(message(escape(exc.message)))
        return
    with after_saving(N_("The cancellation")):
        ctx.reply(switch_cancelled_message(done))
        refresh_admin_homes(ctx, admins_view(ctx, now), along=[partial(ctx.deliver, done.announced)])


def cancel_announcements(by: str, done: PendingSwitch, terms: AccountTerms) -> list[tuple[str, Message]]:
    return [(terms.admin_channel, variants(lambda: switch_cancelled_post(done, by)))] if terms.admin_channel else []


def _after(ctx: Ctx, key: str | None, now: datetime) -> None:
    with after_saving(N_("Your package switch")):
        refresh_admin_homes(ctx, admins_view(ctx, now), along=[partial(ctx.deliver, key)])


def register(app: App, deps: Deps) -> None:
    @app.action(Action.OPEN_SWITCH)
    def open_button(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        ack()
        open_switch(Ctx.of(deps, context, client), str(body.get("trigger_id") or ""))

    @app.view(View.SWITCH)
    def submit(ack: Ack, view: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        on_submit(Ctx.of(deps, context, client), ack, view)

    app.action(Action.CANCEL_SWITCH)(acked(deps, cancel))
